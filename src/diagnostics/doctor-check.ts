/**
 * One `doctor` check's shape, and the pieces every family's checks build
 * theirs with (doctor-checks.ts for IPv4 and the host, doctor6-checks.ts for
 * IPv6). Pure.
 */
import type { InterfaceFacts } from './doctor-facts.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface DoctorCheck {
  /**
   * stable id: `arp_ignore`, `arp_announce`, `interface`, `group-mac`, `socket`, `capability`, `vip-local`, `vip-off-wire`, `fast-path`;
   * for IPv6 VIPs `vip6-local`, `vip6-off-wire`, `kernel-ndp-silent`, `proxy_ndp`, `disable_ipv6`, `forwarding6`, `solicited-node`
   */
  check: string;
  /** what was checked: an interface, a group, or `daemon` */
  subject: string;
  status: CheckStatus;
  message: string;
  /** commands that fix it (empty on pass) */
  fix: string[];
  /** VIPs concerned, at most {@link MAX_LISTED_VIPS}; `count` has the total */
  vips?: string[];
  count?: number;
}

export interface DoctorReport {
  /** false when any check failed */
  ok: boolean;
  summary: Record<CheckStatus, number>;
  checks: DoctorCheck[];
}

/** VIPs named in one check's message and JSON; past this, a count (thousands of VIPs stay readable). */
export const MAX_LISTED_VIPS = 20;
/** Fix lines per check before "… and N more like these". */
export const MAX_FIX_LINES = 10;

/** Where IPVS accepts a VIP as local without the kernel answering ARP for it. */
export function isVipHome(iface: InterfaceFacts | undefined, name: string): boolean {
  return name === 'lo' || iface?.linkType === 'loopback' || iface?.kind === 'dummy';
}

export function pass(check: string, subject: string, message: string): DoctorCheck {
  return { check, subject, status: 'pass', message, fix: [] };
}

/** A VIP found (or not) on an interface: an IPv4 number, or IPv6 text (doctor6-checks.ts). */
export interface VipHit<V = number> {
  vip: V;
  iface: string;
  prefixlen: number;
}

/** Builds one check that names at most MAX_LISTED_VIPS VIPs and MAX_FIX_LINES fixes. */
export function vipCheck<V>(
  check: string,
  subject: string,
  status: CheckStatus,
  hits: VipHit<V>[],
  message: (list: string) => string,
  fixOf: (vip: string, hit: VipHit<V>) => string,
  format: (vip: V) => string,
): DoctorCheck {
  const names = hits.slice(0, MAX_LISTED_VIPS).map((h) => format(h.vip));
  const more = hits.length - names.length;
  const list = `${names.join(', ')}${more > 0 ? ` … (+${more} more)` : ''}`;
  const fix = hits.slice(0, MAX_FIX_LINES).map((h) => fixOf(format(h.vip), h));
  if (hits.length > MAX_FIX_LINES)
    fix.push(`# … and ${hits.length - MAX_FIX_LINES} more like these (vip-arpctl doctor --json lists the first ${MAX_LISTED_VIPS})`);
  return { check, subject, status, message: message(list), fix, vips: names, count: hits.length };
}
