/**
 * VipEntryList: parsed VIP entries of both families (address ranges to add or
 * remove) and where each was written, in typed columns instead of one object
 * per entry. A 100,000-line VIP file is 100,000 entries; as objects they cost
 * ~12 MB of heap during every reload, as columns 8 bytes each (plus 16 for an
 * IPv6 entry's first address) outside the heap, their positions one of those
 * (entry-positions.ts), turned into objects only for the few entries an
 * error message names.
 *
 * An entry is its first address and its span (addresses after the first,
 * 0-65535: no entry names more than 65,536 addresses, vip-spec.ts). IPv6
 * first addresses are rows of 4 words in a column of their own; an IPv6
 * entry's `first` is its row number there.
 */
import { IPV6_WORDS, addWords, offsetWords } from './address-words.js';
import { formatIpv4 } from '../wire/ipv4.js';
import { formatIpv6 } from '../wire/ipv6.js';
import { releaseBuffers } from '../util/release-buffer.js';
import { EntryPositions } from './entry-positions.js';

/** Where an entry is written, when known (inline entries of a config read from memory have no file). */
export interface EntryPosition {
  file?: string;
  line?: number;
  column?: number;
}

/** An entry as text (for error messages and tests): `first`/`last` formatted in their family. */
export interface LocatedVipEntry extends EntryPosition {
  family: 4 | 6;
  exclude: boolean;
  first: string;
  last: string;
}

/** Entry kinds: a bit for exclusion, a bit for IPv6 (so IPv4 inclusion is 0). */
export const EXCLUDE = 1;
export const IPV6 = 2;
/** An entry's kind: 0 (IPv4), EXCLUDE, IPV6 or IPV6 | EXCLUDE. */
export type EntryKind = number;

/** Largest span an entry may have (65,536 addresses), so spans fit the Uint16 column. */
export const MAX_SPAN = 0xffff;

const INITIAL_CAPACITY = 16;

export class VipEntryList {
  /** Entries held. */
  count = 0;
  /** IPv6 entries held (rows in {@link ipv6Firsts}). */
  ipv6Count = 0;
  /** IPv4: the first address; IPv6: its row in `ipv6Firsts` */
  private first: Uint32Array;
  private span: Uint16Array;
  private kind: Uint8Array;
  private readonly positions: EntryPositions;
  /** first addresses of the IPv6 entries, 4 words each */
  private firsts6 = new Uint32Array(0);

  /** @param capacity entries to make room for at once (a file's line count), so the columns are allocated once */
  constructor(capacity = INITIAL_CAPACITY) {
    const n = Math.max(1, capacity);
    this.first = new Uint32Array(n);
    this.span = new Uint16Array(n);
    this.kind = new Uint8Array(n);
    this.positions = new EntryPositions(n);
  }

  /** Adds an IPv4 entry [first, last]; `at` says where it is written. */
  push(exclude: boolean, first: number, last: number, at: EntryPosition = {}): void {
    this.pushEntry(exclude ? EXCLUDE : 0, first, last - first, at);
  }

  /** Adds an IPv6 entry: the address at words[from, from+4) and the `span` addresses after it. */
  pushIpv6(exclude: boolean, words: Uint32Array, from: number, span: number, at: EntryPosition = {}): void {
    const row = this.ipv6Count++;
    if (this.firsts6.length < this.ipv6Count * IPV6_WORDS) this.reserveIpv6(Math.max(INITIAL_CAPACITY, this.ipv6Count * 2));
    for (let w = 0; w < IPV6_WORDS; w++) this.firsts6[row * IPV6_WORDS + w] = words[from + w]!;
    this.pushEntry(IPV6 | (exclude ? EXCLUDE : 0), row, span, at);
  }

  private pushEntry(kind: EntryKind, first: number, span: number, at: EntryPosition): void {
    if (span < 0 || span > MAX_SPAN) throw new RangeError(`VipEntryList: span ${span} is outside 0-${MAX_SPAN}`);
    if (this.count === this.first.length) this.reserve(this.count * 2);
    const i = this.count++;
    this.first[i] = first;
    this.span[i] = span;
    this.kind[i] = kind;
    this.positions.add(i, at);
  }

  kindOf(i: number): EntryKind {
    return this.kind[i]!;
  }

  isExclusion(i: number): boolean {
    return (this.kind[i]! & EXCLUDE) !== 0;
  }

  /** IPv4 entries: the first address. */
  firstOf(i: number): number {
    return this.first[i]!;
  }

  /** Addresses after the first (0 for one address). */
  spanOf(i: number): number {
    return this.span[i]!;
  }

  /** The first addresses of the IPv6 entries, 4 words each; entry `i`'s is at {@link ipv6FirstAt}(i). */
  get ipv6Firsts(): Uint32Array {
    return this.firsts6;
  }

  /** IPv6 entries: the offset of the first address in {@link ipv6Firsts}. */
  ipv6FirstAt(i: number): number {
    return this.first[i]! * IPV6_WORDS;
  }

  positionOf(i: number): EntryPosition {
    return this.positions.positionOf(i);
  }

  /** Entry `i` as text (for error messages and tests). */
  at(i: number): LocatedVipEntry {
    const span = this.spanOf(i);
    let first: string;
    let last: string;
    if ((this.kind[i]! & IPV6) === 0) {
      first = formatIpv4(this.firstOf(i));
      last = formatIpv4(this.firstOf(i) + span);
    } else {
      const at = this.ipv6FirstAt(i);
      const a = this.firsts6.slice(at, at + IPV6_WORDS);
      first = formatIpv6(a);
      addWords(a, 0, span, a, 0, IPV6_WORDS);
      last = formatIpv6(a);
    }
    return { family: (this.kind[i]! & IPV6) === 0 ? 4 : 6, exclude: this.isExclusion(i), first, last, ...this.positionOf(i) };
  }

  /** Index of the first IPv4 inclusion in [from, to) that names `ip`, or -1 (to point an error at it). */
  findInclusion(ip: number, from = 0, to = this.count): number {
    for (let i = from; i < to; i++) {
      if (this.kind[i] === 0 && this.first[i]! <= ip && ip - this.first[i]! <= this.span[i]!) return i;
    }
    return -1;
  }

  /** Index of the first IPv6 inclusion in [from, to) that names the address at words[at], or -1. */
  findIpv6Inclusion(words: Uint32Array, at: number, from = 0, to = this.count): number {
    for (let i = from; i < to; i++) {
      if (this.kind[i] !== IPV6) continue;
      const offset = offsetWords(this.firsts6, this.ipv6FirstAt(i), words, at, IPV6_WORDS);
      if (offset >= 0 && offset <= this.span[i]!) return i;
    }
    return -1;
  }

  /**
   * Makes room for `rows` IPv6 entries in all (no-op when there is room):
   * a VIP file reserves its IPv6 lines at once, so 100,000 IPv6 entries cost
   * one column of their size, not a doubling's spare half and the copies
   * left behind to collect.
   */
  reserveIpv6(rows: number): void {
    if (rows * IPV6_WORDS <= this.firsts6.length) return;
    const wider = new Uint32Array(rows * IPV6_WORDS);
    wider.set(this.firsts6);
    this.firsts6 = wider;
  }

  /**
   * Makes room for `capacity` entries in all (no-op when there is room
   * already), at least doubling: one list takes the entries of every group,
   * one small reservation after another.
   */
  /** Frees the columns (util/release-buffer.ts); the list is empty and must not be used after. */
  release(): void {
    releaseBuffers(this.first, this.span, this.kind, this.firsts6);
    this.positions.release();
    this.count = 0;
    this.ipv6Count = 0;
  }

  reserve(wanted: number): void {
    if (wanted <= this.first.length) return;
    const capacity = Math.max(wanted, this.first.length * 2);
    const widen = <T extends Uint32Array | Uint16Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    this.first = widen(this.first, (n) => new Uint32Array(n));
    this.span = widen(this.span, (n) => new Uint16Array(n));
    this.kind = widen(this.kind, (n) => new Uint8Array(n));
    this.positions.reserve(capacity);
  }
}
