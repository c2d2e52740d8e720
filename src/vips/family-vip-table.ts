/**
 * What the IPv4 and the IPv6 VIP table share (vip-table.ts, ipv6-vip-table.ts):
 * groups' VIP sets by group and by interface, each interface with its own
 * O(1) lookup of the family's addresses. Immutable once built; a reload
 * builds a new table and swaps it in one assignment, so a VIP present before
 * and after is never missing, not even for a moment.
 */
import type { AddressFamily } from './address-family.js';
import type { GroupState } from './group-state.js';

/** One VIP of a group on an interface: a value built on demand for the few paths that list VIPs one by one. */
export interface FamilyBinding<A> {
  readonly ip: A;
  readonly iface: string;
  readonly group: GroupState;
}

/** The VIPs of one group on its interface, as the snapshot's sorted, unique array of the family. */
export interface FamilyGroupVips {
  readonly family: AddressFamily;
  readonly group: GroupState;
  readonly iface: string;
  readonly ips: Uint32Array;
}

/** One interface's VIPs of a family: address → group. */
export interface InterfaceLookup<A> {
  readonly size: number;
  groupOf(ip: A): GroupState | undefined;
  has(ip: A): boolean;
}

/** One interface's lookup as it is built: sized for its sets, then given them one by one. */
export interface FillableLookup<A, S> extends InterfaceLookup<A> {
  /** @throws {Error} when one of the set's VIPs is in already (another group's) */
  add(set: S): void;
}

/** A table's maps, built by {@link tableParts}. */
export interface TableParts<S, I> {
  readonly byGroup: Map<string, S>;
  readonly byIface: Map<string, I>;
}

/** Groups (or sets) entered between two chances to yield. */
const STEP = 256;

/**
 * Builds a table's maps from `sets`, yielding between pieces of about
 * {@link STEP} groups, so a reload of 65,535 groups can build its table a
 * few milliseconds at a time (run-steps.ts, daemon/apply-steps.ts).
 * @param sized one interface's lookup, sized for `sets` and empty
 * @throws {Error} when a VIP is in two groups on one interface (from `add`), or a group is listed twice.
 */
export function* tableParts<S extends FamilyGroupVips, I extends FillableLookup<unknown, S>>(
  sets: readonly S[],
  sized: (iface: string, sets: readonly S[]) => I,
): Generator<void, TableParts<S, I>> {
  const byGroup = new Map<string, S>();
  const perIface = new Map<string, S[]>();
  // Consecutive sets mostly share an interface: one Map lookup per run of them.
  let lastIface: string | undefined;
  let list: S[] = [];
  let n = 0;
  for (const set of sets) {
    const groups = byGroup.size;
    byGroup.set(set.group.name, set);
    if (byGroup.size === groups) throw new Error(`group "${set.group.name}" is listed twice`);
    if (set.iface !== lastIface) {
      lastIface = set.iface;
      list = perIface.get(set.iface) ?? [];
      if (list.length === 0) perIface.set(set.iface, list);
    }
    list.push(set);
    if (++n % STEP === 0) yield;
  }
  const byIface = new Map<string, I>();
  for (const [iface, list] of perIface) {
    const vips = sized(iface, list);
    for (const set of list) {
      vips.add(set);
      if (++n % STEP === 0) yield;
    }
    if (vips.size > 0) byIface.set(iface, vips);
  }
  return { byGroup, byIface };
}

export class FamilyVipTable<A, S extends FamilyGroupVips, I extends InterfaceLookup<A>> {
  private readonly byIface: Map<string, I>;
  private readonly byGroup: Map<string, S>;
  private readonly total: number;

  /** @param parts from {@link tableParts} */
  protected constructor(parts: TableParts<S, I>) {
    this.byGroup = parts.byGroup;
    this.byIface = parts.byIface;
    let total = 0;
    for (const vips of this.byIface.values()) total += vips.size;
    this.total = total;
  }

  /** O(1): the group owning `ip` on `iface`, if any. */
  groupOf(iface: string, ip: A): GroupState | undefined {
    return this.byIface.get(iface)?.groupOf(ip);
  }

  /** The VIPs of one interface, for a responder that looks up many frames at once. */
  forInterface(iface: string): I | undefined {
    return this.byIface.get(iface);
  }

  /** True when `ip` is a VIP on any interface. */
  isVip(ip: A): boolean {
    // A scan of the per-interface tables (a director has a handful of
    // interfaces) instead of one more table of every VIP.
    for (const vips of this.byIface.values()) if (vips.has(ip)) return true;
    return false;
  }

  /** The VIPs of one group, if it has any. */
  vipsOf(groupName: string): S | undefined {
    const set = this.byGroup.get(groupName);
    return set === undefined || set.ips.length === 0 ? undefined : set;
  }

  /** True when `groupName` is one of the table's groups, with VIPs or without. */
  hasGroup(groupName: string): boolean {
    return this.byGroup.has(groupName);
  }

  /** Every group's VIPs. */
  sets(): IterableIterator<S> {
    return this.byGroup.values();
  }

  /** Where `ip` is a VIP: one binding per interface that has it (holding `ip` itself). */
  bindingsOfVip(ip: A): Array<FamilyBinding<A>> {
    const out: Array<FamilyBinding<A>> = [];
    for (const [iface, vips] of this.byIface) {
      const group = vips.groupOf(ip);
      if (group !== undefined) out.push({ ip, iface, group });
    }
    return out;
  }

  /** VIPs in the table, all interfaces. */
  get size(): number {
    return this.total;
  }
}
