/**
 * The work of `Daemon.apply` before its swap, as steps that can be spread
 * over several event-loop turns: each group's state (kept or new, the role
 * machine's NextGroups), the new VIP table, and the diff against the table in
 * force. Nothing in force changes until the swap, so the responders answer
 * from the old table meanwhile; the swap itself stays one assignment.
 *
 * A reload of 65,535 groups spends ~60-200 ms here (more on a loaded
 * machine): in one piece that stopped every ARP reply for as long (issue
 * 16.1, goal ≤ 50 ms). The reloader runs the steps a few milliseconds at a
 * time (Daemon.prepare, run-steps.ts); `Daemon.apply` runs them in one go
 * when nothing was prepared (start-up, tests).
 */
import type { Snapshot } from '../config/snapshot.js';
import { VipTable, vipTableParts, type GroupVips } from '../vips/vip-table.js';
import type { FamilyGroupVips } from '../vips/family-vip-table.js';
import { sortedDifference } from '../vips/sorted-set.js';
import type { NextGroups, RoleMachine } from '../roles/role-machine.js';
import { parseMac } from '../wire/mac.js';

/** What the swap needs, computed against `basedOn`, the table in force then. */
export interface PreparedApply {
  readonly basedOn: VipTable;
  readonly table: VipTable;
  /** every group's state: the role machine's groups after the swap */
  readonly groups: NextGroups;
  readonly ifaces: ReadonlySet<string>;
  /** per group, the VIPs it answers after and did not before */
  readonly added: GroupVips[];
  /** per group of the old table, the VIPs it no longer answers */
  readonly removed: GroupVips[];
}

/** Groups handled between two chances to yield. */
const STEP = 256;

/**
 * The steps; yields between pieces of about {@link STEP} groups.
 * @throws {Error} when a VIP is in two groups on one interface (validation rules it out)
 */
export function* applySteps(snapshot: Snapshot, roles: RoleMachine, basedOn: VipTable): Generator<void, PreparedApply> {
  const groups = roles.nextGroups();
  const sets: GroupVips[] = [];
  const ifaces = new Set<string>();
  let n = 0;
  for (const g of snapshot.groups) {
    const c = g.config;
    const state = groups.add({ name: c.name, initialRole: c.initialRole === 'master' ? 'MASTER' : 'BACKUP', mac: c.mac === undefined ? undefined : parseMac(c.mac) });
    sets.push({ group: state, iface: c.interface, ips: g.vips });
    ifaces.add(c.interface);
    if (++n % STEP === 0) yield;
  }
  const table = new VipTable(sets, yield* vipTableParts(sets));
  yield;
  const added = yield* vipsGained(basedOn, table, sortedDifference);
  const removed = yield* vipsGained(table, basedOn, sortedDifference);
  return { basedOn, table, groups, ifaces, added, removed };
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
function* vipsGained<S extends FamilyGroupVips>(
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
    if (ips.length > 0) gained.push(ips === set.ips ? set : ({ group: set.group, iface: set.iface, ips } as S));
  }
  return gained;
}
