/**
 * The read side of the VIP tables in force, as the daemon's features use them
 * (the responders' per-frame lookups are responder.ts VipLookup and
 * ndp-responder.ts NdpVipLookup). The tables are replaced on every reload:
 * read `table` or `ipv6Table` when it is needed, never keep it.
 *
 * One table per family, so a feature names the family it reads; both point
 * at the same GroupState per group, whose role the role machine owns.
 */
import type { Ipv6GroupVips, Ipv6VipTable } from './ipv6-vip-table.js';
import type { GroupVips, VipTable } from './vip-table.js';

type TableReads = 'size' | 'sets' | 'vipsOf' | 'groupOf' | 'isVip' | 'bindingsOfVip' | 'forInterface' | 'hasGroup';

export type VipTableView = Pick<VipTable, TableReads>;
export type Ipv6VipTableView = Pick<Ipv6VipTable, TableReads>;

/** A table's set of either family; `family` tells which. */
export type AnyGroupVips = GroupVips | Ipv6GroupVips;

export interface VipSource {
  /** the IPv4 table in force now */
  readonly table: VipTableView;
  /** the IPv6 table in force now (4 words per address) */
  readonly ipv6Table: Ipv6VipTableView;
}
