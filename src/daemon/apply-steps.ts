/**
 * The work of `Daemon.apply` before its swap, as steps that can be spread
 * over several event-loop turns: each group's state (kept or new) and VIP
 * set, the new VIP table, and the diff against the table in force. Nothing
 * of the daemon changes until the swap, so the responder answers from the
 * old table meanwhile; the swap itself stays one assignment.
 *
 * A reload of 65,535 groups spends ~60-200 ms here (more on a loaded
 * machine): in one piece that stopped every ARP reply for as long (issue
 * 16.1, goal ≤ 50 ms). {@link prepareInSlices} runs the steps a few
 * milliseconds at a time; `Daemon.apply` runs them in one go when nothing
 * was prepared (start-up, tests, small reloads).
 */
import type { Snapshot } from '../config/snapshot.js';
import { InterfaceVips, VipTable, addGroupSet, setsPerInterface, type GroupVips } from '../vips/vip-table.js';
import { sortedDifference } from '../vips/sorted-set.js';
import type { GroupState } from '../vips/group-state.js';
import { parseMac } from '../wire/mac.js';

/** What the swap needs, computed against `basedOn`, the table in force then. */
export interface PreparedApply {
  readonly snapshot: Snapshot;
  readonly basedOn: VipTable;
  readonly table: VipTable;
  /** every group's state (the one in force, or new), by name: the daemon's next `groups` */
  readonly groups: ReadonlyMap<string, GroupState>;
  readonly ifaces: ReadonlySet<string>;
  /** kept groups whose configured MAC changes, set at the swap */
  readonly macs: ReadonlyArray<readonly [GroupState, number | undefined]>;
  /** per group, the VIPs it answers after and did not before */
  readonly added: GroupVips[];
  /** per group of the old table, the VIPs it no longer answers */
  readonly removed: GroupVips[];
}

/** Groups (or sets) handled between two chances to yield. */
const STEP = 256;

/**
 * The steps; yields between pieces of about {@link STEP} groups.
 * @param groups the states in force, by name (not changed here)
 * @throws {Error} when a VIP is in two groups on one interface (validation rules it out)
 */
export function* applySteps(snapshot: Snapshot, groups: ReadonlyMap<string, GroupState>, basedOn: VipTable): Generator<void, PreparedApply> {
  const sets: GroupVips[] = [];
  const next = new Map<string, GroupState>();
  const ifaces = new Set<string>();
  const macs: Array<readonly [GroupState, number | undefined]> = [];
  let n = 0;
  for (const g of snapshot.groups) {
    const name = g.config.name;
    const mac = g.config.mac === undefined ? undefined : parseMac(g.config.mac);
    let state = groups.get(name);
    if (state === undefined) state = { name, role: g.config.initialRole === 'master' ? 'MASTER' : 'BACKUP', mac };
    else if (state.mac !== mac) macs.push([state, mac]);
    next.set(name, state);
    sets.push({ group: state, iface: g.config.interface, ips: g.vips });
    ifaces.add(g.config.interface);
    if (++n % STEP === 0) yield;
  }
  const byGroup = new Map<string, GroupVips>();
  for (const set of sets) {
    addGroupSet(byGroup, set);
    if (++n % STEP === 0) yield;
  }
  const byIface = new Map<string, InterfaceVips>();
  for (const [iface, list] of setsPerInterface(sets)) {
    const vips = new InterfaceVips(iface, list, false);
    for (const set of list) {
      vips.add(set);
      if (++n % STEP === 0) yield;
    }
    byIface.set(iface, vips);
  }
  const table = new VipTable(sets, { byGroup, byIface });
  yield;
  const added: GroupVips[] = [];
  const removed: GroupVips[] = [];
  yield* vipsGained(basedOn, table, added);
  yield* vipsGained(table, basedOn, removed);
  return { snapshot, basedOn, table, groups: next, ifaces, macs, added, removed };
}

/** Runs the steps to the end, in this turn. */
export function prepareNow(snapshot: Snapshot, groups: ReadonlyMap<string, GroupState>, basedOn: VipTable): PreparedApply {
  const steps = applySteps(snapshot, groups, basedOn);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/**
 * Runs the steps giving the event loop a turn (setImmediate: pending I/O,
 * the responders' frames, runs first) whenever a slice has run `sliceMs`.
 */
export async function prepareInSlices(snapshot: Snapshot, groups: ReadonlyMap<string, GroupState>, basedOn: VipTable, sliceMs = 4): Promise<PreparedApply> {
  const steps = applySteps(snapshot, groups, basedOn);
  let sliceStart = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

/**
 * Per group of `after`, the VIPs it has that it did not have in `before` (same
 * group, same interface), into `out`: one merge of two sorted arrays per
 * group, and a group whose VIPs did not change yields nothing.
 */
function* vipsGained(before: VipTable, after: VipTable, out: GroupVips[]): Generator<void> {
  let n = 0;
  for (const set of after.sets()) {
    if (++n % STEP === 0) yield;
    const old = before.vipsOf(set.group.name);
    if (old === undefined || old.iface !== set.iface || old.group !== set.group) {
      // All of it gained: the table's own set, no copy.
      if (set.ips.length > 0) out.push(set);
      continue;
    }
    const ips = sortedDifference(set.ips, old.ips);
    if (ips.length > 0) out.push(ips === set.ips ? set : { group: set.group, iface: set.iface, ips });
  }
}
