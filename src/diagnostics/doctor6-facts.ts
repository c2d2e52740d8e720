/**
 * The IPv6 facts `doctor` judges (issue 13), and pure parsers for where they
 * come from: /proc/net/if_inet6 (every address with its prefix length and
 * IFA_F_* flags, nodad among them), /proc/net/anycast6, `ip -6 -j neigh show
 * proxy`, /proc/sys/net/ipv6/conf/<if>/{disable_ipv6,forwarding,proxy_ndp}.
 * Gathering (I/O) lives in doctor6.ts. Addresses are keyed by their RFC 5952
 * text: doctor compares a few thousand, not a frame rate of them.
 */
import { formatIpv6, parseIpv6 } from '../wire/ipv6.js';

// linux/if_addr.h; /proc/net/if_inet6 prints the low 8 bits of ifa_flags.
export const IFA_F_NODAD = 0x02;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_TENTATIVE = 0x40;
/** The scope /proc/net/if_inet6 prints for fe80::/10 (IPV6_ADDR_LINKLOCAL). */
export const SCOPE_LINK = 0x20;

/** One line of /proc/net/if_inet6. */
export interface Ipv6AddressLine {
  /** RFC 5952 text */
  address: string;
  iface: string;
  prefixlen: number;
  scope: number;
  /** IFA_F_* (low 8 bits) */
  flags: number;
}

/** Where an IPv6 address is configured. */
export interface Ipv6AddressFacts {
  iface: string;
  prefixlen: number;
  /** IFA_F_* (low 8 bits) */
  flags: number;
}

export interface Ipv6SysctlFacts {
  disableIpv6: number | undefined;
  forwarding: number | undefined;
  proxyNdp: number | undefined;
}

export interface Ipv6Facts {
  /** address text → where it is configured; undefined when /proc/net/if_inet6 is unreadable (then addressError) */
  addresses: Map<string, Ipv6AddressFacts[]> | undefined;
  addressError?: string;
  /** interface → anycast addresses the kernel answers NS for there (/proc/net/anycast6); undefined when unreadable */
  anycast: Map<string, Set<string>> | undefined;
  /** by interface name, plus 'all' */
  sysctl: Map<string, Ipv6SysctlFacts>;
  /** interface → proxy entries (`ip -6 neigh show proxy`); undefined when unreadable (then proxyError) */
  proxies: Map<string, Set<string>> | undefined;
  proxyError?: string;
}

/** The address text of 32 hex digits as /proc prints it, undefined when it is not one. */
function hexAddress(hex: string): string | undefined {
  if (!/^[0-9a-f]{32}$/i.test(hex)) return undefined;
  const words = new Uint32Array(4);
  for (let w = 0; w < 4; w++) words[w] = Number.parseInt(hex.slice(8 * w, 8 * w + 8), 16);
  return formatIpv6(words);
}

/**
 * Parses /proc/net/if_inet6: `address ifindex prefixlen scope flags name`,
 * the numbers in hex (net/ipv6/addrconf.c if6_seq_show). Lines that do not
 * have that shape are skipped. Pure.
 */
export function parseIfInet6(text: string): Ipv6AddressLine[] {
  const out: Ipv6AddressLine[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 6) continue;
    const address = hexAddress(f[0]!);
    const [prefixlen, scope, flags] = [f[2]!, f[3]!, f[4]!].map((x) => Number.parseInt(x, 16));
    if (address === undefined || [prefixlen, scope, flags].some((n) => Number.isNaN(n))) continue;
    out.push({ address, iface: f[5]!, prefixlen: prefixlen!, scope: scope!, flags: flags! });
  }
  return out;
}

/** Groups if_inet6 lines by address. Pure. */
export function addressesByText(lines: readonly Ipv6AddressLine[]): Map<string, Ipv6AddressFacts[]> {
  const out = new Map<string, Ipv6AddressFacts[]>();
  for (const l of lines) {
    const where = { iface: l.iface, prefixlen: l.prefixlen, flags: l.flags };
    const list = out.get(l.address);
    if (list === undefined) out.set(l.address, [where]);
    else list.push(where);
  }
  return out;
}

/** Parses /proc/net/anycast6: `ifindex name address users` (if6_seq_show's anycast twin). Pure. */
export function parseAnycast6(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 4) continue;
    const address = hexAddress(f[2]!);
    if (address === undefined) continue;
    const set = out.get(f[1]!) ?? new Set<string>();
    set.add(address);
    out.set(f[1]!, set);
  }
  return out;
}

/**
 * Parses `ip -6 -j neigh show proxy` (`[{"dst":"2001:db8::10","dev":"eth0","proxy":null}]`)
 * into interface → addresses, each in RFC 5952 text. Pure.
 * @throws {SyntaxError} when the text is not JSON.
 */
export function parseProxyNeighbours(text: string): Map<string, Set<string>> {
  const entries = JSON.parse(text.trim() === '' ? '[]' : text) as Array<{ dst?: unknown; dev?: unknown }>;
  const out = new Map<string, Set<string>>();
  const words = new Uint32Array(4);
  for (const e of Array.isArray(entries) ? entries : []) {
    if (typeof e.dst !== 'string' || typeof e.dev !== 'string' || parseIpv6(e.dst, words) !== undefined) continue;
    const set = out.get(e.dev) ?? new Set<string>();
    set.add(formatIpv6(words));
    out.set(e.dev, set);
  }
  return out;
}

/** The RFC 5952 texts of a group's IPv6 VIPs, stored 4 words each (src/wire/ipv6.ts). */
export function ipv6VipTexts(vips: Uint32Array): string[] {
  const out: string[] = [];
  for (let i = 0; i + 4 <= vips.length; i += 4) out.push(formatIpv6(vips.subarray(i, i + 4)));
  return out;
}
