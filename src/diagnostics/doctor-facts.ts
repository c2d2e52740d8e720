/**
 * The facts `doctor` judges, and pure parsers for where they come from:
 * `ip -j -d addr show` (iproute2), /proc/sys/net/ipv4/conf/<if>/arp_*,
 * /proc/self/status. Gathering (I/O) lives in doctor.ts.
 */
import { parseIpv4 } from '../wire/ipv4.js';
import type { Role } from '../roles/role.js';

export interface InterfaceFacts {
  name: string;
  /** IFF_UP */
  up: boolean;
  /** carrier (LOWER_UP) */
  lowerUp: boolean;
  noarp: boolean;
  /** bridge or bond the interface is a port of */
  master: string | undefined;
  /** rtnetlink kind: 'dummy', 'bridge', 'bond', 'veth', …; undefined for plain NICs */
  kind: string | undefined;
  /** iproute2 link_type: 'ether', 'loopback', 'none', … */
  linkType: string;
}

/** Where an IPv4 address is configured. */
export interface AddressFacts {
  iface: string;
  prefixlen: number;
}

export interface SysctlFacts {
  arpIgnore: number | undefined;
  arpAnnounce: number | undefined;
}

export interface GroupFacts {
  name: string;
  iface: string;
  role: Role;
  vips: ArrayLike<number> & Iterable<number>;
}

export interface DoctorFacts {
  groups: GroupFacts[];
  /** by interface name, plus 'all' */
  sysctl: Map<string, SysctlFacts>;
  /** undefined when `ip` could not be run (then `addressError` says why) */
  interfaces: Map<string, InterfaceFacts> | undefined;
  /** IPv4 address → where it is configured */
  addresses: Map<number, AddressFacts[]> | undefined;
  addressError?: string;
  /** interface → the daemon holds an open packet socket on it */
  socketOpen: Map<string, boolean>;
  /** CAP_NET_RAW in the daemon's effective set; undefined when unknown */
  capNetRaw: boolean | undefined;
}

interface IpAddrJson {
  ifname?: string;
  flags?: string[];
  link_type?: string;
  master?: string;
  linkinfo?: { info_kind?: string };
  addr_info?: Array<{ family?: string; local?: string; prefixlen?: number }>;
}

/**
 * Parses `ip -j -d addr show` output. Pure.
 * @throws {SyntaxError} when the text is not JSON.
 */
export function parseIpAddrJson(text: string): { interfaces: Map<string, InterfaceFacts>; addresses: Map<number, AddressFacts[]> } {
  const links = JSON.parse(text) as IpAddrJson[];
  const interfaces = new Map<string, InterfaceFacts>();
  const addresses = new Map<number, AddressFacts[]>();
  for (const l of Array.isArray(links) ? links : []) {
    if (typeof l.ifname !== 'string') continue;
    const flags = l.flags ?? [];
    interfaces.set(l.ifname, {
      name: l.ifname,
      up: flags.includes('UP'),
      lowerUp: flags.includes('LOWER_UP'),
      noarp: flags.includes('NOARP'),
      master: l.master,
      kind: l.linkinfo?.info_kind,
      linkType: l.link_type ?? 'unknown',
    });
    for (const a of l.addr_info ?? []) {
      if (a.family !== 'inet' || a.local === undefined) continue;
      const ip = parseIpv4(a.local);
      if (ip === undefined) continue;
      const where = { iface: l.ifname, prefixlen: a.prefixlen ?? 32 };
      const list = addresses.get(ip);
      if (list === undefined) addresses.set(ip, [where]);
      else list.push(where);
    }
  }
  return { interfaces, addresses };
}

/** CAP_NET_RAW (include/uapi/linux/capability.h): needed to open AF_PACKET sockets (packet(7)). */
export const CAP_NET_RAW = 13;

/**
 * True when capability `bit` is in the `CapEff:` line of a /proc/<pid>/status
 * text; undefined when there is no such line. Pure.
 */
export function hasEffectiveCapability(statusText: string, bit: number): boolean | undefined {
  const m = /^CapEff:\s*([0-9a-f]+)$/im.exec(statusText);
  if (m === null) return undefined;
  return ((BigInt(`0x${m[1]}`) >> BigInt(bit)) & 1n) === 1n;
}
