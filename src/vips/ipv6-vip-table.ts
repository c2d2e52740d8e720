/**
 * Ipv6VipTable: which group owns which IPv6 VIP on which interface, beside
 * the IPv4 VipTable and built the same way (family-vip-table.ts) from the
 * snapshot's sets: a group's IPv6 VIPs are one sorted Uint32Array of 4 words
 * per address (GroupSnapshot.ipv6Vips), and each interface has an
 * open-addressing hash on the 4 words for the O(1) lookup an NS target
 * needs, with no allocation per lookup: 12 bytes per VIP at a load factor of
 * 1/2, outside the JS heap.
 */
import { IPV6_WORDS } from './address-words.js';
import { sortedIpv6Has } from './sorted-set.js';
import { FamilyVipTable, tableParts, type FamilyBinding, type FamilyGroupVips, type FillableLookup, type TableParts } from './family-vip-table.js';
import { runToEnd } from '../util/run-steps.js';
import type { GroupState } from './group-state.js';
import { MAX_GROUPS_PER_INTERFACE } from './vip-table.js';
import { formatIpv6, type Ipv6Address } from '../wire/ipv6.js';

/** The IPv6 VIPs of one group on its interface: 4 words per address, ascending and unique. */
export interface Ipv6GroupVips extends FamilyGroupVips {
  readonly family: 'ipv6';
}

export type Ipv6VipBinding = FamilyBinding<Ipv6Address>;

/** Slots per VIP at least: a load factor of 1/2 keeps probe sequences short. */
const SLOTS_PER_VIP = 2;
const MIN_SLOTS = 16;
const W = IPV6_WORDS;

/**
 * Open-addressing slots keyed on 4-word addresses, each owned by a number
 * 1-65535 (0: empty). A slot holds no copy of its address, only where it is
 * in its owner's array (the group's sorted VIPs): 6 bytes a slot, 12 per VIP,
 * where a copy of the 4 words made it 36, twice over while a reload builds
 * the new table beside the one in force (docs/benchmarks.md). The hash mixes
 * all four words, so a block of consecutive addresses (a /112: the last word
 * counts up) and addresses that differ only in their prefix both spread over
 * the slots.
 */
class Ipv6Slots {
  /** per slot: the word offset of its address in its owner's array */
  private readonly offsets: Uint32Array;
  readonly owners: Uint16Array;
  /** per owner (owner - 1): the array its addresses are in */
  private readonly arrays: Uint32Array[] = [];
  private readonly mask: number;
  private readonly shift: number;

  constructor(size: number) {
    let slots = MIN_SLOTS;
    while (slots < size * SLOTS_PER_VIP) slots *= 2;
    this.offsets = new Uint32Array(slots);
    this.owners = new Uint16Array(slots);
    this.mask = slots - 1;
    this.shift = 32 - Math.log2(slots);
  }

  /** Says that `owner`'s addresses are in `words`: before it claims any. */
  own(owner: number, words: Uint32Array): void {
    this.arrays[owner - 1] = words;
  }

  /** The slot holding the address at words[at], or the empty slot where it would go (linear probing). */
  slotOf(words: Uint32Array, at: number): number {
    const w0 = words[at]!;
    const w1 = words[at + 1]!;
    const w2 = words[at + 2]!;
    const w3 = words[at + 3]!;
    let h = Math.imul(w0, 0x9e3779b1);
    h = Math.imul(h ^ w1, 0x85ebca6b);
    h = Math.imul(h ^ w2, 0xc2b2ae35);
    h = Math.imul(h ^ w3, 0x9e3779b1);
    let slot = h >>> this.shift;
    for (let owner = this.owners[slot]!; owner !== 0; owner = this.owners[slot]!) {
      const keys = this.arrays[owner - 1]!;
      const k = this.offsets[slot]!;
      if (keys[k + 3] === w3 && keys[k] === w0 && keys[k + 1] === w1 && keys[k + 2] === w2) break;
      slot = (slot + 1) & this.mask;
    }
    return slot;
  }

  /** The owner of the address at words[at], 0 when it is not in. */
  ownerOf(words: Uint32Array, at: number): number {
    return this.owners[this.slotOf(words, at)]!;
  }

  /** Gives the address at words[at] (an array `owner` {@link own}s) to `owner`; returns its owner before, 0 when it was not in. */
  claim(words: Uint32Array, at: number, owner: number): number {
    const slot = this.slotOf(words, at);
    const before = this.owners[slot]!;
    this.offsets[slot] = at;
    this.owners[slot] = owner;
    return before;
  }
}

/** The IPv6 VIPs of one interface: address → group. */
export class Ipv6InterfaceVips implements FillableLookup<Ipv6Address, Ipv6GroupVips> {
  readonly size: number;
  private readonly iface: string;
  private readonly slots: Ipv6Slots;
  private readonly groups: GroupState[] = [];

  /** Sized for `sets`, empty until each is {@link add}ed (family-vip-table.ts, tableParts). */
  constructor(iface: string, sets: readonly Ipv6GroupVips[]) {
    if (sets.length > MAX_GROUPS_PER_INTERFACE) throw new Error(`more than ${MAX_GROUPS_PER_INTERFACE} groups on interface ${iface}`);
    this.iface = iface;
    this.size = sets.reduce((n, s) => n + s.ips.length / W, 0);
    this.slots = new Ipv6Slots(this.size);
  }

  /** Enters one of the sets this lookup was sized for. @throws {Error} when one of its VIPs is in already */
  add(set: Ipv6GroupVips): void {
    const owner = this.groups.push(set.group);
    this.slots.own(owner, set.ips);
    for (let at = 0; at < set.ips.length; at += W) {
      const before = this.slots.claim(set.ips, at, owner);
      if (before !== 0) {
        throw new Error(
          `VIP ${formatIpv6(set.ips.subarray(at, at + W))} is in two groups on interface ${this.iface}: "${this.groups[before - 1]!.name}" and "${set.group.name}"`,
        );
      }
    }
  }

  /** O(1): the group that owns the address at addr[at] here, if any. Allocates nothing. */
  groupOf(addr: Ipv6Address, at = 0): GroupState | undefined {
    const owner = this.slots.owners[this.slots.slotOf(addr, at)]!;
    return owner === 0 ? undefined : this.groups[owner - 1];
  }

  has(addr: Ipv6Address, at = 0): boolean {
    return this.slots.owners[this.slots.slotOf(addr, at)] !== 0;
  }
}

/** The IPv6 VIP table: the IPv4 VipTable's API, keyed on 4-word addresses. */
export class Ipv6VipTable extends FamilyVipTable<Ipv6Address, Ipv6GroupVips, Ipv6InterfaceVips> {
  /**
   * @param sets one per group (a group has one interface), `ips` 4 words per VIP; not read when `parts` are given
   * @param parts the table's maps, already built from the sets by {@link ipv6VipTableParts}
   * @throws {Error} when a VIP is in two groups on one interface, or a group is listed twice.
   */
  constructor(sets: readonly Ipv6GroupVips[] = [], parts?: TableParts<Ipv6GroupVips, Ipv6InterfaceVips>) {
    super(parts ?? runToEnd(ipv6VipTableParts(sets)));
  }
}

/** The steps that build an Ipv6VipTable's maps (family-vip-table.ts, tableParts). */
export function ipv6VipTableParts(sets: readonly Ipv6GroupVips[]): Generator<void, TableParts<Ipv6GroupVips, Ipv6InterfaceVips>> {
  return tableParts(sets, (iface, list) => new Ipv6InterfaceVips(iface, list));
}

/**
 * Calls `visit` for each address that two of `sets` (one interface's groups'
 * IPv6 VIPs, at most 65,535) both hold: with the index of the set that had it
 * last before and the one that has it too, and where it is in the latter, so
 * a VIP in three groups is reported as two pairs, like IPv4's duplicates
 * (config/snapshot.ts). One hash insert per VIP, but those of the largest
 * set, which is searched instead.
 */
export function forEachIpv6Duplicate(sets: readonly Uint32Array[], visit: (earlier: number, later: number, rows: Uint32Array, at: number) => void): void {
  // The largest set stays out of the hash and is binary-searched instead: a
  // 100,000-VIP group beside a few small ones costs no 1.5 MB hash of it in
  // the reload's worker (docs/benchmarks.md, "Reload of 100k + 100k").
  let largest = 0;
  sets.forEach((s, i) => {
    if (s.length > sets[largest]!.length) largest = i;
  });
  const big = sets[largest]!;
  const slots = new Ipv6Slots(sets.reduce((n, s, i) => (i === largest ? n : n + s.length / W), 0));
  sets.forEach((rows, i) => {
    if (i !== largest) slots.own(i + 1, rows);
    for (let at = 0; at < rows.length; at += W) {
      if (i === largest) {
        const before = slots.ownerOf(rows, at);
        if (before !== 0) visit(before - 1, i, rows, at);
        continue;
      }
      let before = slots.claim(rows, at, i + 1);
      // The largest set had it after the last set the hash names (or alone).
      if (largest < i && before - 1 < largest && sortedIpv6Has(big, rows, at)) before = largest + 1;
      if (before !== 0) visit(before - 1, i, rows, at);
    }
  });
}
