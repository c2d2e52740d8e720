/**
 * A group's VIPs of both families, as the tables in force hold them: what a
 * round announcing the whole group covers (the announcer, `garp <group>`).
 */
import type { VipSource } from './vip-lookup.js';
import type { VipSet } from './vip-table.js';

/** The IPv4 then the IPv6 set of `group`, each only when it has VIPs. */
export function groupVipSets(vips: VipSource, group: string): VipSet[] {
  const sets: VipSet[] = [];
  for (const set of [vips.table.vipsOf(group), vips.ipv6Table.vipsOf(group)]) if (set !== undefined && set.ips.length > 0) sets.push(set);
  return sets;
}
