/**
 * The read side of the VIP table in force, as the daemon's features use it
 * (the responder's per-frame lookup is responder.ts VipLookup). The table is
 * replaced on every reload: read `table` when it is needed, never keep it.
 *
 * IPv4 only today. The IPv6 table (4 x uint32 addresses, src/wire/ipv6.ts,
 * `groupOf(addr: Ipv6Address)`) joins as a second member of VipSource, so a
 * feature names the family it reads; both point at the same GroupState per
 * group, whose role the role machine owns.
 */
import type { VipTable } from './vip-table.js';

export type VipTableView = Pick<VipTable, 'size' | 'sets' | 'vipsOf' | 'groupOf' | 'isVip' | 'bindingsOfVip' | 'forInterface' | 'hasGroup'>;

export interface VipSource {
  /** the table in force now */
  readonly table: VipTableView;
}
