/**
 * Where each entry of a VipEntryList is written, in one byte per entry instead
 * of eight (file, line, column): a VIP file's entries come one a line, in
 * order, so an entry mostly says only how many lines after the entry before
 * it (same file, same column) it is. The others, a file's first entry, a
 * jump of more than {@link MAX_STEP} lines, another column, are anchors, kept
 * aside with their whole position. Positions are read only to place an
 * error, by adding the steps back to the anchor.
 */
import type { EntryPosition } from './vip-entry-list.js';
import { releaseBuffers } from '../util/release-buffer.js';

/** Step value: the entry is an anchor, or has no position. */
const ANCHOR = 0;
/** Step value: the same place as the entry before (a VIP file's stand-in, with no lines). */
const SAME = 0xff;
/** Largest line step kept in a byte. */
const MAX_STEP = 0xfe;
/** `line`/`column` value meaning "not known"; columns past 65535 are not kept either. */
const UNKNOWN = 0;
const MAX_COLUMN = 0xffff;
const INITIAL_ANCHORS = 16;
/** Words per anchor: entry, line, column, file (index into `files`). */
const ANCHOR_WORDS = 4;

export class EntryPositions {
  private steps: Uint8Array;
  /** the anchors, ascending by entry, {@link ANCHOR_WORDS} words each */
  private anchorWords = new Uint32Array(INITIAL_ANCHORS * ANCHOR_WORDS);
  private anchors = 0;
  /** index 0: no file */
  private readonly files: Array<string | undefined> = [undefined];
  /** the entry before's file index (-1: it has no position), line and column */
  private beforeFile = -1;
  private beforeLine = UNKNOWN;
  private beforeColumn = UNKNOWN;

  constructor(capacity: number) {
    this.steps = new Uint8Array(capacity);
  }

  /** Says where entry `i` (the one after the last added) is written. */
  add(i: number, at: EntryPosition): void {
    const line = at.line ?? UNKNOWN;
    const column = at.column !== undefined && at.column <= MAX_COLUMN ? at.column : UNKNOWN;
    if (at.file === undefined && line === UNKNOWN && column === UNKNOWN) {
      this.steps[i] = ANCHOR;
      this.beforeFile = -1;
      return;
    }
    const file = this.indexOf(at.file);
    const follows = file === this.beforeFile && column === this.beforeColumn;
    const step = line - this.beforeLine;
    if (follows && step === 0) this.steps[i] = SAME;
    else if (follows && step > 0 && step <= MAX_STEP && this.beforeLine !== UNKNOWN) this.steps[i] = step;
    else {
      this.steps[i] = ANCHOR;
      this.anchor(i, file, line, column);
    }
    this.beforeFile = file;
    this.beforeLine = line;
    this.beforeColumn = column;
  }

  positionOf(i: number): EntryPosition {
    let lines = 0;
    let j = i;
    for (; this.steps[j] !== ANCHOR; j--) if (this.steps[j] !== SAME) lines += this.steps[j]!;
    const a = this.anchorOf(j);
    if (a < 0) return {};
    const line = this.anchorWords[a + 1]!;
    const column = this.anchorWords[a + 2]!;
    const file = this.files[this.anchorWords[a + 3]!];
    return {
      ...(file === undefined ? {} : { file }),
      ...(line === UNKNOWN ? {} : { line: line + lines }),
      ...(column === UNKNOWN ? {} : { column }),
    };
  }

  /** Makes room for `capacity` entries in all. */
  reserve(capacity: number): void {
    if (capacity <= this.steps.length) return;
    const wider = new Uint8Array(capacity);
    wider.set(this.steps);
    releaseBuffers(this.steps);
    this.steps = wider;
  }

  /** Frees the arrays (util/release-buffer.ts); nothing may be read after. */
  release(): void {
    releaseBuffers(this.steps, this.anchorWords);
    this.anchors = 0;
    this.beforeFile = -1;
  }

  private anchor(entry: number, file: number, line: number, column: number): void {
    if ((this.anchors + 1) * ANCHOR_WORDS > this.anchorWords.length) {
      const wider = new Uint32Array(2 * this.anchorWords.length);
      wider.set(this.anchorWords);
      releaseBuffers(this.anchorWords);
      this.anchorWords = wider;
    }
    const at = this.anchors++ * ANCHOR_WORDS;
    this.anchorWords[at] = entry;
    this.anchorWords[at + 1] = line;
    this.anchorWords[at + 2] = column;
    this.anchorWords[at + 3] = file;
  }

  /** Where the words of entry `entry`'s anchor start, or -1 (an entry with no position). */
  private anchorOf(entry: number): number {
    let lo = 0;
    let hi = this.anchors - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.anchorWords[mid * ANCHOR_WORDS]!;
      if (e === entry) return mid * ANCHOR_WORDS;
      if (e < entry) lo = mid + 1;
      else hi = mid - 1;
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
}
