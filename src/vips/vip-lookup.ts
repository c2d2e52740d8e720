/**
 * The read side of the VIP table in force, as the daemon's features use it
 * (the responder's per-frame lookup is responder.ts VipLookup). The table is
 * replaced on every reload: read `table` when it is needed, never keep it.
 *
 * IPv4 only today; an IPv6 table (4 x uint32 addresses, src/wire/ipv6.ts)
 * sits beside it as a second `VipSource` member, the family tag on the sets
 * (vip-table.ts VipSet) says which table a set came from.
 */
import type { VipTable } from './vip-table.js';

export type VipTableView = Pick<VipTable, 'size' | 'sets' | 'vipsOf' | 'groupOf' | 'isVip' | 'bindingsOfVip' | 'forInterface' | 'hasGroup'>;

export interface VipSource {
  /** the table in force now */
  readonly table: VipTableView;
}
