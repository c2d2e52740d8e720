/**
 * VipTable: which group owns which IPv4 VIP on which interface (what it shares
 * with the IPv6 table, and why it is immutable, is in family-vip-table.ts).
 *
 * Sized for directors with 100,000 VIPs and more: a group's VIPs are one
 * sorted Uint32Array (the snapshot's), and each interface has an
 * open-addressing hash of typed arrays for the O(1) lookup the responder
 * makes per frame: ~15 bytes per VIP, outside the JS heap, instead of a Map
 * entry and a binding object per VIP (~100 bytes of heap).
 */
import type { GroupState } from './group-state.js';
import { wordsPerAddress, type AddressFamily } from './address-family.js';
import { FamilyVipTable, tableParts, type FamilyBinding, type FillableLookup, type TableParts } from './family-vip-table.js';
import { runToEnd } from '../util/run-steps.js';

/** One VIP of a group on an interface: a value built on demand for the few paths that list VIPs one by one. */
export type VipBinding = FamilyBinding<number>;

/** VIPs of one family of one group on its interface. */
export interface VipSet {
  readonly family: AddressFamily;
  readonly group: GroupState;
  readonly iface: string;
  /**
   * `wordsPerAddress(family)` words per address; ascending and unique in a
   * table's sets, addresses in any order in sets built for one announcement
   */
  readonly ips: ArrayLike<number>;
}

/** A table's own sets hold the snapshot's sorted arrays. */
export interface GroupVips extends VipSet {
  readonly family: 'ipv4';
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
export class InterfaceVips implements FillableLookup<number, GroupVips> {
  readonly size: number;
  private readonly iface: string;
  private readonly keys: Int32Array;
  /** 1-based index into `groups`; 0 = empty slot */
  private readonly owners: Uint16Array;
  private readonly groups: GroupState[] = [];
  private readonly mask: number;
  private readonly shift: number;

  /** Sized for `sets`, empty until each is {@link add}ed (family-vip-table.ts, tableParts). */
  constructor(iface: string, sets: readonly GroupVips[]) {
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
  }

  /** Enters one of the sets this lookup was sized for. @throws {Error} when one of its VIPs is in already */
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

/** The IPv4 VIP table (ipv6-vip-table.ts has the IPv6 one). */
export class VipTable extends FamilyVipTable<number, GroupVips, InterfaceVips> {
  /**
   * @param sets one per group (a group has one interface); not read when `parts` are given
   * @param parts the table's maps, already built from the sets by {@link vipTableParts} (a reload, a few groups at a time)
   * @throws {Error} when a VIP is in two groups on one interface, or a group is listed twice.
   */
  constructor(sets: readonly GroupVips[] = [], parts?: TableParts<GroupVips, InterfaceVips>) {
    super(parts ?? runToEnd(vipTableParts(sets)));
  }
}

/** The steps that build a VipTable's maps (family-vip-table.ts, tableParts). */
export function vipTableParts(sets: readonly GroupVips[]): Generator<void, TableParts<GroupVips, InterfaceVips>> {
  return tableParts(sets, (iface, list) => new InterfaceVips(iface, list));
}

/** VIPs (addresses, not words) in `sets` altogether, both families. */
export function countVips(sets: readonly VipSet[]): number {
  return sets.reduce((n, s) => n + s.ips.length / wordsPerAddress(s.family), 0);
}
