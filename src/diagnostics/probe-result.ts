/**
 * Turns the replies a probe collected into the verdict per VIP. Pure.
 */
import { formatIpv4 } from '../wire/ipv4.js';
import { formatMac } from '../wire/mac.js';
import type { Role } from '../roles/role.js';
import { foreignHostFix, foreignHostFix6 } from './advice.js';

/** Why a responding MAC is ours. */
export type OursReason = 'interface' | 'group-mac' | 'peer';

export interface ProbeResponder {
  mac: string;
  /** the IP this director's neighbour table gives the MAC, null when unknown */
  ip: string | null;
  ours: boolean;
  /** why it is ours, when it is */
  reason?: OursReason;
  /** replies received from it in the window */
  replies: number;
  /** what to do on that host, when it is not ours */
  fix?: string;
}

export interface ProbeTarget {
  /** an IPv4 VIP as a number, an IPv6 VIP as its RFC 5952 text */
  vip: number | string;
  iface: string;
  group: string;
  role: Role;
  /** group MAC, or the interface MAC when the group has none */
  groupMac: number;
  interfaceMac: number;
}

export interface ProbeVipResult {
  vip: string;
  iface: string;
  group: string;
  role: Role;
  /** no MAC other than ours answered */
  clean: boolean;
  responders: ProbeResponder[];
}

/** Replies counted per VIP (as in ProbeTarget.vip) per sender MAC. */
export type ReplyCounts = Map<number | string, Map<number, number>>;

/** Builds the per-VIP verdicts; `ipOf` gives a MAC's IP from the neighbour table. */
export function probeVerdicts(
  targets: readonly ProbeTarget[],
  replies: ReplyCounts,
  peers: ReadonlySet<number>,
  ipOf: (mac: number) => string | null,
): ProbeVipResult[] {
  return targets.map((t) => {
    const vip = typeof t.vip === 'string' ? t.vip : formatIpv4(t.vip);
    const responders: ProbeResponder[] = [];
    for (const [mac, count] of replies.get(t.vip) ?? []) {
      const reason: OursReason | undefined = mac === t.interfaceMac ? 'interface' : mac === t.groupMac ? 'group-mac' : peers.has(mac) ? 'peer' : undefined;
      const r: ProbeResponder = { mac: formatMac(mac), ip: ipOf(mac), ours: reason !== undefined, replies: count };
      if (reason !== undefined) r.reason = reason;
      else r.fix = typeof t.vip === 'string' ? foreignHostFix6(vip) : foreignHostFix(vip, 'probe-reply');
      responders.push(r);
    }
    responders.sort((a, b) => Number(a.ours) - Number(b.ours) || a.mac.localeCompare(b.mac));
    return { vip, iface: t.iface, group: t.group, role: t.role, clean: responders.every((r) => r.ours), responders };
  });
}
