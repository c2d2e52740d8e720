/**
 * VipEntryList: parsed VIP entries (address ranges to add or remove) and where
 * each was written, in typed columns instead of one object per entry. A
 * 100,000-line VIP file is 100,000 entries; as objects they cost ~12 MB of
 * heap during every reload, as columns ~2 MB outside the heap, and positions
 * are only turned into objects for the few entries an error message names.
 */
import type { VipEntry } from './vip-spec.js';

/** Where an entry is written, when known (inline entries of a config read from memory have no file). */
export interface EntryPosition {
  file?: string;
  line?: number;
  column?: number;
}

export type LocatedVipEntry = VipEntry & EntryPosition;

const INITIAL_CAPACITY = 16;
/** `line`/`column` value meaning "not known"; columns past 65535 are not kept either. */
const UNKNOWN = 0;
const MAX_COLUMN = 0xffff;

export class VipEntryList {
  /** Entries held. */
  count = 0;
  private first: Uint32Array;
  private last: Uint32Array;
  private exclude: Uint8Array;
  private fileIndex: Uint16Array;
  private line: Uint32Array;
  private column: Uint16Array;
  /** index 0: no file */
  private readonly files: Array<string | undefined> = [undefined];

  /** @param capacity entries to make room for at once (a file's line count), so the columns are allocated once */
  constructor(capacity = INITIAL_CAPACITY) {
    const n = Math.max(1, capacity);
    this.first = new Uint32Array(n);
    this.last = new Uint32Array(n);
    this.exclude = new Uint8Array(n);
    this.fileIndex = new Uint16Array(n);
    this.line = new Uint32Array(n);
    this.column = new Uint16Array(n);
  }

  /** Adds an entry; `at` says where it is written. */
  push(exclude: boolean, first: number, last: number, at: EntryPosition = {}): void {
    if (this.count === this.first.length) this.reserve(this.count * 2);
    const i = this.count++;
    this.first[i] = first;
    this.last[i] = last;
    this.exclude[i] = exclude ? 1 : 0;
    this.fileIndex[i] = this.indexOf(at.file);
    this.line[i] = at.line ?? UNKNOWN;
    this.column[i] = at.column !== undefined && at.column <= MAX_COLUMN ? at.column : UNKNOWN;
  }

  isExclusion(i: number): boolean {
    return this.exclude[i] === 1;
  }

  firstOf(i: number): number {
    return this.first[i]!;
  }

  lastOf(i: number): number {
    return this.last[i]!;
  }

  positionOf(i: number): EntryPosition {
    const file = this.files[this.fileIndex[i]!];
    const line = this.line[i]!;
    const column = this.column[i]!;
    return {
      ...(file === undefined ? {} : { file }),
      ...(line === UNKNOWN ? {} : { line }),
      ...(column === UNKNOWN ? {} : { column }),
    };
  }

  /** Entry `i` as an object (for error messages and tests). */
  at(i: number): LocatedVipEntry {
    return { exclude: this.isExclusion(i), first: this.firstOf(i), last: this.lastOf(i), ...this.positionOf(i) };
  }

  /** Index of the first inclusion in [from, to) that names `ip`, or -1 (to point an error at it). */
  findInclusion(ip: number, from = 0, to = this.count): number {
    for (let i = from; i < to; i++) {
      if (this.exclude[i] === 0 && this.first[i]! <= ip && ip <= this.last[i]!) return i;
    }
    return -1;
  }

  private indexOf(file: string | undefined): number {
    if (file === undefined) return 0;
    // A group has entries from at most two files (config, VIP file): a scan is enough.
    const i = this.files.indexOf(file);
    if (i >= 0) return i;
    if (this.files.length > 0xffff) throw new RangeError('VipEntryList: too many files');
    return this.files.push(file) - 1;
  }

  /**
   * Makes room for `capacity` entries in all (no-op when there is room
   * already), at least doubling: one list takes the entries of every group,
   * one small reservation after another.
   */
  reserve(wanted: number): void {
    if (wanted <= this.first.length) return;
    const capacity = Math.max(wanted, this.first.length * 2);
    const widen = <T extends Uint32Array | Uint16Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    this.first = widen(this.first, (n) => new Uint32Array(n));
    this.last = widen(this.last, (n) => new Uint32Array(n));
    this.exclude = widen(this.exclude, (n) => new Uint8Array(n));
    this.fileIndex = widen(this.fileIndex, (n) => new Uint16Array(n));
    this.line = widen(this.line, (n) => new Uint32Array(n));
    this.column = widen(this.column, (n) => new Uint16Array(n));
  }
}
