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

export class FamilyVipTable<A, S extends FamilyGroupVips, I extends InterfaceLookup<A>> {
  private readonly byIface = new Map<string, I>();
  private readonly byGroup = new Map<string, S>();
  private total = 0;

  /**
   * @param sets one per group (a group has one interface)
   * @param build the lookup of one interface's sets
   * @throws {Error} when a VIP is in two groups on one interface (from `build`), or a group is listed twice.
   */
  protected constructor(sets: readonly S[], build: (iface: string, sets: readonly S[]) => I) {
    const perIface = new Map<string, S[]>();
    // Consecutive sets mostly share an interface: one Map lookup per run of them.
    let lastIface: string | undefined;
    let list: S[] = [];
    for (const set of sets) {
      const groups = this.byGroup.size;
      this.byGroup.set(set.group.name, set);
      if (this.byGroup.size === groups) throw new Error(`group "${set.group.name}" is listed twice`);
      if (set.iface !== lastIface) {
        lastIface = set.iface;
        list = perIface.get(set.iface) ?? [];
        if (list.length === 0) perIface.set(set.iface, list);
      }
      list.push(set);
    }
    for (const [iface, list] of perIface) {
      const vips = build(iface, list);
      if (vips.size === 0) continue;
      this.byIface.set(iface, vips);
      this.total += vips.size;
    }
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
