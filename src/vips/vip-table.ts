/**
 * VipTable: which group owns which VIP on which interface. Immutable once
 * built; a reload builds a new table and swaps it in one assignment, so a VIP
 * present before and after is never missing, not even for a moment.
 *
 * Sized for directors with 100,000 VIPs and more: a group's VIPs are one
 * sorted Uint32Array (the snapshot's), and each interface has an
 * open-addressing hash of typed arrays for the O(1) lookup the responder
 * makes per frame: ~15 bytes per VIP, outside the JS heap, instead of a Map
 * entry and a binding object per VIP (~100 bytes of heap).
 */
import type { GroupState } from './group-state.js';

/** One VIP of a group on an interface: a value built on demand for the few paths that list VIPs one by one. */
export interface VipBinding {
  readonly ip: number;
  readonly iface: string;
  readonly group: GroupState;
}

/** VIPs of one group on its interface. */
export interface VipSet {
  readonly group: GroupState;
  readonly iface: string;
  /** ascending and unique in a table's sets; any order in sets built for one announcement */
  readonly ips: ArrayLike<number>;
}

/** A table's own sets hold the snapshot's sorted arrays. */
export interface GroupVips extends VipSet {
  readonly ips: Uint32Array;
}

/** Multiplicative hashing (Knuth): spreads consecutive addresses (a /16) over the slots. */
const HASH_MULTIPLIER = 0x9e3779b1;
/** Slots per VIP at least: a load factor of 1/2 keeps probe sequences short. */
const SLOTS_PER_VIP = 2;
const MIN_SLOTS = 16;
/** Group numbers are stored in 16 bits; 0 marks an empty slot. Config validation enforces it (config/snapshot.ts). */
export const MAX_GROUPS_PER_INTERFACE = 0xffff;

/** The VIPs of one interface: address → group, in typed arrays. */
export class InterfaceVips {
  readonly size: number;
  private readonly keys: Int32Array;
  /** 1-based index into `groups`; 0 = empty slot */
  private readonly owners: Uint16Array;
  private readonly groups: GroupState[] = [];
  private readonly mask: number;
  private readonly shift: number;

  private readonly iface: string;

  /**
   * @param fill false: sized for `sets` but empty, filled by {@link InterfaceVips.add}
   *   a few sets at a time (VipTableBuilder, a reload that must keep yielding)
   * @throws {Error} when a VIP is in two of `sets`
   */
  constructor(iface: string, sets: readonly GroupVips[], fill = true) {
    const size = countVips(sets);
    let slots = MIN_SLOTS;
    while (slots < size * SLOTS_PER_VIP) slots *= 2;
    this.iface = iface;
    this.size = size;
    this.keys = new Int32Array(slots);
    this.owners = new Uint16Array(slots);
    this.mask = slots - 1;
    this.shift = 32 - Math.log2(slots);
    if (sets.length > MAX_GROUPS_PER_INTERFACE) throw new Error(`more than ${MAX_GROUPS_PER_INTERFACE} groups on interface ${iface}`);
    if (fill) for (const set of sets) this.add(set);
  }

  /** Enters one of the sets this table was sized for. @throws {Error} when one of its VIPs is already in. */
  add(set: GroupVips): void {
    const owner = this.groups.push(set.group);
    const ips = set.ips;
    for (let i = 0; i < ips.length; i++) {
      const ip = ips[i]!;
      const slot = this.slotOf(ip);
      const existing = this.owners[slot]!;
      if (existing !== 0) {
        throw new Error(`VIP is in two groups on interface ${this.iface}: "${this.groups[existing - 1]!.name}" and "${set.group.name}"`);
      }
      this.keys[slot] = ip | 0;
      this.owners[slot] = owner;
    }
  }

  /** O(1): the group that owns `ip` here, if any. */
  groupOf(ip: number): GroupState | undefined {
    const owner = this.owners[this.slotOf(ip)]!;
    return owner === 0 ? undefined : this.groups[owner - 1];
  }

  has(ip: number): boolean {
    return this.owners[this.slotOf(ip)] !== 0;
  }

  /** The slot holding `ip`, or the empty slot where it would go (linear probing). */
  private slotOf(ip: number): number {
    const key = ip | 0;
    let slot = Math.imul(key, HASH_MULTIPLIER) >>> this.shift;
    while (this.owners[slot] !== 0 && this.keys[slot] !== key) slot = (slot + 1) & this.mask;
    return slot;
  }
}

export class VipTable {
  private readonly byIface = new Map<string, InterfaceVips>();
  private readonly byGroup: Map<string, GroupVips> = new Map();
  private total = 0;

  /**
   * @param sets one per group (a group has one interface)
   * @param built the table's maps, already built from `sets` (apply-steps.ts, a few groups at a time); `sets` is then not read
   * @throws {Error} when a VIP is in two groups on one interface, or a group is listed twice.
   */
  constructor(sets: readonly GroupVips[] = [], built?: { byGroup: Map<string, GroupVips>; byIface: ReadonlyMap<string, InterfaceVips> }) {
    if (built !== undefined) {
      this.byGroup = built.byGroup;
    } else {
      for (const set of sets) addGroupSet(this.byGroup, set);
    }
    const perIface = built?.byIface ?? new Map([...setsPerInterface(sets)].map(([iface, list]) => [iface, new InterfaceVips(iface, list)]));
    for (const [iface, vips] of perIface) {
      if (vips.size === 0) continue;
      this.byIface.set(iface, vips);
      this.total += vips.size;
    }
  }

  /** O(1): the group owning `ip` on `iface`, if any. */
  groupOf(iface: string, ip: number): GroupState | undefined {
    return this.byIface.get(iface)?.groupOf(ip);
  }

  /** The VIPs of one interface, for a responder that looks up many frames at once. */
  forInterface(iface: string): InterfaceVips | undefined {
    return this.byIface.get(iface);
  }

  /** True when `ip` is a VIP on any interface. */
  isVip(ip: number): boolean {
    // A scan of the per-interface tables (a director has a handful of
    // interfaces) instead of one more table of every VIP.
    for (const vips of this.byIface.values()) if (vips.has(ip)) return true;
    return false;
  }

  /** The VIPs of one group, if it has any. */
  vipsOf(groupName: string): GroupVips | undefined {
    const set = this.byGroup.get(groupName);
    return set === undefined || set.ips.length === 0 ? undefined : set;
  }

  /** True when `groupName` is one of the table's groups, with VIPs or without. */
  hasGroup(groupName: string): boolean {
    return this.byGroup.has(groupName);
  }

  /** Every group's VIPs. */
  sets(): IterableIterator<GroupVips> {
    return this.byGroup.values();
  }

  /** Where `ip` is a VIP: one binding per interface that has it. */
  bindingsOfVip(ip: number): VipBinding[] {
    const out: VipBinding[] = [];
    for (const [iface, vips] of this.byIface) {
      const group = vips.groupOf(ip);
      if (group !== undefined) out.push({ ip, iface, group });
    }
    return out;
  }

  get size(): number {
    return this.total;
  }
}

/** Enters a group's set into a table's map of them. @throws {Error} when the group is in it already. */
export function addGroupSet(byGroup: Map<string, GroupVips>, set: GroupVips): void {
  const groups = byGroup.size;
  byGroup.set(set.group.name, set);
  if (byGroup.size === groups) throw new Error(`group "${set.group.name}" is listed twice`);
}

/** `sets` by interface, in their order. */
export function setsPerInterface(sets: readonly GroupVips[]): Map<string, GroupVips[]> {
  const perIface = new Map<string, GroupVips[]>();
  // Consecutive sets mostly share an interface: one Map lookup per run of them.
  let lastIface: string | undefined;
  let list: GroupVips[] = [];
  for (const set of sets) {
    if (set.iface !== lastIface) {
      lastIface = set.iface;
      list = perIface.get(set.iface) ?? [];
      if (list.length === 0) perIface.set(set.iface, list);
    }
    list.push(set);
  }
  return perIface;
}

/** VIPs in `sets` altogether. */
export function countVips(sets: readonly VipSet[]): number {
  return sets.reduce((n, s) => n + s.ips.length, 0);
}
