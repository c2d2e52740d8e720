/**
 * LineSplitter cuts a byte stream into newline-terminated UTF-8 lines with a
 * hard bound on line length, so a peer that never sends a newline cannot make
 * us buffer without limit. Pure: used by the control server, vip-arpctl and
 * the keepalived FIFO reader.
 */

export interface SplitResult {
  /** complete lines, without `\n` (and without a trailing `\r`) */
  lines: string[];
  /** true once a line grew past the bound; the splitter then drops all input */
  overflow: boolean;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export class LineSplitter {
  private readonly maxLineBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflowed = false;

  /**
   * @throws {RangeError} when `maxLineBytes` is not a positive integer.
   */
  constructor(maxLineBytes: number) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
    this.maxLineBytes = maxLineBytes;
  }

  /** Feeds `chunk`; returns the lines it completed. */
  push(chunk: Buffer): SplitResult {
    const lines: string[] = [];
    if (this.overflowed) return { lines, overflow: true };
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      if (this.pendingBytes + (nl - start) > this.maxLineBytes) return this.overflow(lines);
      this.pending.push(chunk.subarray(start, nl));
      lines.push(this.takeLine());
      start = nl + 1;
    }
    const rest = chunk.length - start;
    if (rest > 0) {
      if (this.pendingBytes + rest > this.maxLineBytes) return this.overflow(lines);
      // Copy: the caller may reuse the chunk's memory.
      this.pending.push(Buffer.from(chunk.subarray(start)));
      this.pendingBytes += rest;
    }
    return { lines, overflow: false };
  }

  /** Bytes of the unfinished line held. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private takeLine(): string {
    let line = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, line.length - 1);
    return line.toString('utf8');
  }

  private overflow(lines: string[]): SplitResult {
    this.overflowed = true;
    this.pending = [];
    this.pendingBytes = 0;
    return { lines, overflow: true };
  }
}
