/**
 * The facts `doctor` judges, and pure parsers for where they come from:
 * `ip -j -d addr show` (iproute2), /proc/sys/net/ipv4/conf/<if>/arp_*,
 * /proc/self/status. Gathering (I/O) lives in doctor.ts.
 */
import { parseIpv4 } from '../wire/ipv4.js';
import type { Role } from '../roles/role.js';
import type { FastPathReport } from '../fastpath/fast-path-report.js';
import type { Ipv6Facts } from './doctor6-facts.js';

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
  /** link-layer address, lower case (`address`) */
  mac?: string | undefined;
  /** the device a macvlan/macvtap/VLAN sits on (`link`), when in the same namespace */
  lowerDevice?: string | undefined;
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
  /** groups[].mac, normalised (lower case); undefined = the interface's own MAC */
  mac?: string | undefined;
  /** the group's IPv6 VIPs, 4 words each (src/wire/ipv6.ts); absent or empty = none */
  ipv6Vips?: Uint32Array | undefined;
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
  /** true when `ip` itself is not installed (spawn ENOENT), not when it ran and failed */
  ipMissing?: boolean;
  /** interface → the daemon holds an open packet socket on it */
  socketOpen: Map<string, boolean>;
  /** CAP_NET_RAW in the daemon's effective set; undefined when unknown */
  capNetRaw: boolean | undefined;
  /**
   * interface → unicast addresses in its receive filter (`bridge -j fdb show
   * dev IF`, "self permanent" entries); absent for an interface whose list
   * could not be read or was not needed
   */
  unicastFilters?: Map<string, string[]>;
  /** the XDP fast path per group interface (src/fastpath/); absent in facts built without it */
  fastPath?: FastPathReport[];
  /** IPv6 addresses and settings (doctor6-facts.ts); absent when no group has IPv6 VIPs */
  ipv6?: Ipv6Facts;
  /** interface → the daemon's solicited-node memberships there, for interfaces with IPv6 VIPs; absent in facts built without them */
  solicitedNode?: Map<string, SolicitedNodeFacts>;
}

/** One interface's solicited-node memberships, as the daemon holds them (src/daemon/ndp-link.ts). */
export interface SolicitedNodeFacts {
  /** distinct groups the interface's IPv6 VIPs need */
  needed: number;
  /** groups joined now */
  joined: number;
  /** joins and leaves not done yet (they run in slices) */
  pending: number;
  /** all-multicast reception in place of the groups (needed > limit) */
  allMulticast: boolean;
  /** ndp.maxSolicitedNodeGroups in force */
  limit: number;
}

interface IpAddrJson {
  ifname?: string;
  flags?: string[];
  link_type?: string;
  master?: string;
  linkinfo?: { info_kind?: string };
  address?: string;
  link?: string;
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
      mac: l.address?.toLowerCase(),
      lowerDevice: l.link,
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

interface FdbJson {
  mac?: string;
  flags?: string[];
  state?: string;
}

/** True for a unicast MAC (the I/G bit of the first octet clear). */
function isUnicastMac(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 1) === 0;
}

/**
 * Unicast addresses of `bridge -j fdb show dev IF` that the device itself
 * accepts: "self" "permanent" entries, which the kernel dumps from the
 * device's unicast filter list (ndo_dflt_fdb_dump), where macvlan and
 * `bridge fdb add … self` put theirs. Pure.
 * @throws {SyntaxError} when the text is not JSON.
 */
export function parseUnicastFilters(text: string): string[] {
  const entries = JSON.parse(text) as FdbJson[];
  const out: string[] = [];
  for (const e of Array.isArray(entries) ? entries : []) {
    if (typeof e.mac !== 'string' || !isUnicastMac(e.mac)) continue;
    if (e.state === 'permanent' && (e.flags ?? []).includes('self')) out.push(e.mac.toLowerCase());
  }
  return out;
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
