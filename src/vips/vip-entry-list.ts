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

const INITIAL_CAPACITY = 64;
/** `line`/`column` value meaning "not known". */
const UNKNOWN = 0;

export class VipEntryList {
  /** Entries held. */
  count = 0;
  private first = new Uint32Array(INITIAL_CAPACITY);
  private last = new Uint32Array(INITIAL_CAPACITY);
  private exclude = new Uint8Array(INITIAL_CAPACITY);
  private fileIndex = new Uint16Array(INITIAL_CAPACITY);
  private line = new Uint32Array(INITIAL_CAPACITY);
  private column = new Uint32Array(INITIAL_CAPACITY);
  /** index 0: no file */
  private readonly files: Array<string | undefined> = [undefined];

  /** A list of `entries` (no positions), e.g. for tests and inline configs. */
  static of(entries: readonly LocatedVipEntry[]): VipEntryList {
    const list = new VipEntryList();
    for (const e of entries) list.push(e.exclude, e.first, e.last, e);
    return list;
  }

  /** Adds an entry; `at` says where it is written. */
  push(exclude: boolean, first: number, last: number, at: EntryPosition = {}): void {
    if (this.count === this.first.length) this.grow();
    const i = this.count++;
    this.first[i] = first;
    this.last[i] = last;
    this.exclude[i] = exclude ? 1 : 0;
    this.fileIndex[i] = this.indexOf(at.file);
    this.line[i] = at.line ?? UNKNOWN;
    this.column[i] = at.column ?? UNKNOWN;
  }

  /** Appends every entry of `other`, positions included (column copies, no object per entry). */
  append(other: VipEntryList): void {
    const n = other.count;
    while (this.first.length < this.count + n) this.grow();
    const at = this.count;
    this.first.set(other.first.subarray(0, n), at);
    this.last.set(other.last.subarray(0, n), at);
    this.exclude.set(other.exclude.subarray(0, n), at);
    this.line.set(other.line.subarray(0, n), at);
    this.column.set(other.column.subarray(0, n), at);
    const fileMap = other.files.map((f) => this.indexOf(f));
    for (let i = 0; i < n; i++) this.fileIndex[at + i] = fileMap[other.fileIndex[i]!]!;
    this.count += n;
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

  /** The first inclusion that names `ip`, if any (to point an error at it). */
  findInclusion(ip: number): LocatedVipEntry | undefined {
    for (let i = 0; i < this.count; i++) {
      if (this.exclude[i] === 0 && this.first[i]! <= ip && ip <= this.last[i]!) return this.at(i);
    }
    return undefined;
  }

  private indexOf(file: string | undefined): number {
    if (file === undefined) return 0;
    // A group has entries from at most two files (config, VIP file): a scan is enough.
    const i = this.files.indexOf(file);
    if (i >= 0) return i;
    if (this.files.length > 0xffff) throw new RangeError('VipEntryList: too many files');
    return this.files.push(file) - 1;
  }

  private grow(): void {
    const size = this.first.length * 2;
    const widen = <T extends Uint32Array | Uint16Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.first = widen(this.first, (n) => new Uint32Array(n));
    this.last = widen(this.last, (n) => new Uint32Array(n));
    this.exclude = widen(this.exclude, (n) => new Uint8Array(n));
    this.fileIndex = widen(this.fileIndex, (n) => new Uint16Array(n));
    this.line = widen(this.line, (n) => new Uint32Array(n));
    this.column = widen(this.column, (n) => new Uint32Array(n));
  }
}
