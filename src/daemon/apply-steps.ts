/**
 * The work of `Daemon.apply` before its swap, as steps that can be spread
 * over several event-loop turns: each group's state (kept or new, the role
 * machine's NextGroups), the new IPv4 and IPv6 VIP tables, and the diff of
 * each against the one in force. Nothing in force changes until the swap, so
 * the responders answer from the old tables meanwhile; the swap itself stays
 * one step (SnapshotInForce.replace).
 *
 * A reload of 65,535 groups spends ~60-200 ms here (more on a loaded
 * machine): in one piece that stopped every ARP reply for as long (issue
 * 16.1, goal ≤ 50 ms). The reloader runs the steps a few milliseconds at a
 * time (Daemon.prepare, run-steps.ts); `Daemon.apply` runs them in one go
 * when nothing was prepared (start-up, tests).
 */
import type { Snapshot } from '../config/snapshot.js';
import { VipTable, vipTableParts, type GroupVips } from '../vips/vip-table.js';
import { Ipv6VipTable, ipv6VipTableParts, type Ipv6GroupVips } from '../vips/ipv6-vip-table.js';
import type { AnyGroupVips } from '../vips/vip-lookup.js';
import { sortedDifference, sortedIpv6Difference } from '../vips/sorted-set.js';
import type { NextGroups, RoleMachine } from '../roles/role-machine.js';
import { parseMac } from '../wire/mac.js';

/** The tables in force, that an apply is prepared against. */
export interface TablesInForce {
  readonly table: VipTable;
  readonly ipv6Table: Ipv6VipTable;
}

/** What the swap needs, computed against `basedOn` and `basedOn6`, the tables in force then. */
export interface PreparedApply {
  readonly basedOn: VipTable;
  readonly basedOn6: Ipv6VipTable;
  readonly table: VipTable;
  readonly ipv6Table: Ipv6VipTable;
  /** every group's state: the role machine's groups after the swap */
  readonly groups: NextGroups;
  readonly ifaces: ReadonlySet<string>;
  /** per group and family, the VIPs it answers after and did not before */
  readonly added: AnyGroupVips[];
  /** per group and family of the old tables, the VIPs it no longer answers */
  readonly removed: AnyGroupVips[];
}

/** Groups handled between two chances to yield. */
const STEP = 256;

/**
 * The steps; yields between pieces of about {@link STEP} groups (and
 * inside each table's construction, family-vip-table.ts tableParts).
 * @throws {Error} when a VIP is in two groups on one interface (validation rules it out)
 */
export function* applySteps(snapshot: Snapshot, roles: RoleMachine, inForce: TablesInForce): Generator<void, PreparedApply> {
  const basedOn = inForce.table;
  const basedOn6 = inForce.ipv6Table;
  const groups = roles.nextGroups();
  const sets: GroupVips[] = [];
  const ipv6Sets: Ipv6GroupVips[] = [];
  const ifaces = new Set<string>();
  let n = 0;
  for (const g of snapshot.groups) {
    const c = g.config;
    const state = groups.add({
      name: c.name,
      initialRole: c.initialRole === 'master' ? 'MASTER' : 'BACKUP',
      mac: c.mac === undefined ? undefined : parseMac(c.mac),
      ndpRouter: c.ndpRouter === 'auto' ? undefined : c.ndpRouter,
    });
    sets.push({ family: 'ipv4', group: state, iface: c.interface, ips: g.vips });
    ipv6Sets.push({ family: 'ipv6', group: state, iface: c.interface, ips: g.ipv6Vips });
    ifaces.add(c.interface);
    if (++n % STEP === 0) yield;
  }
  const table = new VipTable(sets, yield* vipTableParts(sets));
  yield;
  const ipv6Table = new Ipv6VipTable(ipv6Sets, yield* ipv6VipTableParts(ipv6Sets));
  yield;
  const added: AnyGroupVips[] = yield* vipsGained(basedOn, table, sortedDifference);
  added.push(...(yield* vipsGained(basedOn6, ipv6Table, sortedIpv6Difference)));
  const removed: AnyGroupVips[] = yield* vipsGained(table, basedOn, sortedDifference);
  removed.push(...(yield* vipsGained(ipv6Table, basedOn6, sortedIpv6Difference)));
  return { basedOn, basedOn6, table, ipv6Table, groups, ifaces, added, removed };
}

/** What the diff reads of a table of either family. */
interface GroupSets<S> {
  sets(): Iterable<S>;
  vipsOf(groupName: string): S | undefined;
}

/**
 * Per group of `after`, the VIPs it has that it did not have in `before` (same
 * group, same interface): one merge of two sorted arrays per group
 * (`difference`, the family's), and a group whose VIPs did not change yields nothing.
 */
function* vipsGained<S extends AnyGroupVips>(
  before: GroupSets<S>,
  after: GroupSets<S>,
  difference: (a: Uint32Array, b: Uint32Array) => Uint32Array,
): Generator<void, S[]> {
  const gained: S[] = [];
  let n = 0;
  for (const set of after.sets()) {
    if (++n % STEP === 0) yield;
    const old = before.vipsOf(set.group.name);
    if (old === undefined || old.iface !== set.iface || old.group !== set.group) {
      // All of it gained: the table's own set, no copy.
      if (set.ips.length > 0) gained.push(set);
      continue;
    }
    const ips = difference(set.ips, old.ips);
    if (ips.length > 0) gained.push(ips === set.ips ? set : { ...set, ips });
  }
  return gained;
}
