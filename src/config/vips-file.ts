/**
 * The VIP file format: plain text, one entry a line, for operators and their
 * tools (Ansible/Puppet templates, ldirectord or keepalived exports,
 * Kubernetes ConfigMaps).
 *
 * ```
 * # web frontends            ← comment line
 * 198.51.100.7               ← one address
 * 198.51.100.64/26           ← a CIDR block, at most a /16
 * 203.0.113.10-203.0.113.20  ← an inclusive range, at most 65536 addresses
 * !198.51.100.100            ← exclusion: removed whatever the order
 * 198.51.100.9   # trailing comments are fine
 * 2001:db8::7                ← IPv6 alike: an address,
 * 2001:db8::100/120          ← a block, at most a /112,
 * 2001:db8::1:0-2001:db8::1:ff ← a range, at most 65536 addresses
 * !2001:db8::150             ← and exclusions
 * ```
 *
 * Pure: parsing only, the caller reads the file.
 */
import { parseVipEntry, type VipEntryProblem } from '../vips/vip-spec.js';
import { VipEntryList } from '../vips/vip-entry-list.js';
import type { ConfigProblem } from './load-config.js';
import { runToEnd } from '../util/run-steps.js';

export interface VipsFileParse {
  /** every entry with its file, line and column, so later errors (duplicates) can point at it */
  entries: VipEntryList;
  /** every bad line (up to MAX_PROBLEMS_PER_FILE), each with file, line and column */
  problems: ConfigProblem[];
}

/**
 * Past this many bad lines the file is probably not a VIP file at all (a
 * wrong path, a binary); listing 100,000 errors would bury the first one.
 */
export const MAX_PROBLEMS_PER_FILE = 20;

/**
 * Says what is wrong with a line that does not parse. `!` and range dashes
 * may be spaced ("! 198.51.100.9", "a - b"), so two tokens are only called
 * "two entries" when each parses on its own.
 */
function lineProblem(line: string, r: VipEntryProblem): VipEntryProblem {
  const tokens = [...line.matchAll(/\S+/g)];
  const [a, b] = tokens;
  const parses = (token: string): boolean => parseVipEntry(token, new VipEntryList(1)) === undefined;
  if (tokens.length === 2 && parses(a![0]) && parses(b![0])) {
    return { message: `one entry per line: "${a![0]}" is followed by "${b![0]}"`, column: b!.index + 1 };
  }
  return { message: r.message, column: r.column };
}

const NEWLINE = 0x0a;
const COLON = 0x3a;
const HASH = 0x23;
const BOM = [0xef, 0xbb, 0xbf];

/**
 * Lines in `bytes` from `from` and lines with a colon (IPv6 entries, or
 * comments): at least as many as the entries of each family, so the entry
 * columns are allocated once, at their final size.
 */
function* lineCounts(bytes: Uint8Array, from: number): Generator<void, { lines: number; colonLines: number }> {
  // One pass over the bytes: a Buffer.indexOf call per line cost 20-40 ms for
  // 200,000 lines, in one step of a load on the event loop.
  let lines = 1;
  let colonLines = 0;
  let colon = false;
  for (let i = from; i < bytes.length; i++) {
    if (i % BYTES_PER_STEP === 0) yield;
    const b = bytes[i];
    if (b === NEWLINE) {
      lines++;
      if (colon) colonLines++;
      colon = false;
    } else if (b === COLON) {
      colon = true;
    }
  }
  if (colon) colonLines++;
  return { lines, colonLines };
}

/** Lines parsed between two pauses of a load on the event loop (load-on-loop.ts): about a millisecond. */
const LINES_PER_STEP = 4096;
/** Bytes counted between two such pauses. */
const BYTES_PER_STEP = 256 * 1024;

/**
 * Parses a VIP file named `file` (the name only labels errors), its text or
 * its bytes (UTF-8, checked by read-text-file.ts), into `entries` (a new list
 * by default). Never throws; an empty result with no problems is a valid,
 * empty file.
 */
export function parseVipsFile(content: string | Uint8Array, file: string, entries = new VipEntryList(0)): VipsFileParse {
  return runToEnd(parseVipsFileSteps(typeof content === 'string' ? Buffer.from(content) : content, file, entries));
}

/**
 * {@link parseVipsFile} of the bytes, pausing every few thousand lines
 * (util/run-steps.ts). Only one line at a time is a string: the whole file
 * as one would be a copy of it that outlives the load (read-text-file.ts).
 */
export function* parseVipsFileSteps(content: Uint8Array, file: string, entries: VipEntryList): Generator<void, VipsFileParse> {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  // A byte order mark is no content (Windows editors write one).
  const from = BOM.every((b, i) => bytes[i] === b) ? BOM.length : 0;
  const counts = yield* lineCounts(bytes, from);
  entries.reserve(entries.count + counts.lines);
  entries.reserveIpv6(entries.ipv6Count + counts.colonLines);
  const problems: ConfigProblem[] = [];
  let badLines = 0;
  let hash = bytes.indexOf(HASH, from);
  for (let i = 0, start = from; start <= bytes.length; i++) {
    if (i % LINES_PER_STEP === LINES_PER_STEP - 1) yield;
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0) end = bytes.length;
    if (hash >= 0 && hash < start) hash = bytes.indexOf(HASH, start);
    const line = bytes.toString('utf8', start, hash >= 0 && hash < end ? hash : end);
    start = end + 1;
    const lead = line.length - line.trimStart().length;
    if (lead === line.length) continue;
    const r = parseVipEntry(line, entries, { file, line: i + 1, column: lead + 1 });
    if (r === undefined) continue;
    badLines++;
    if (problems.length < MAX_PROBLEMS_PER_FILE) problems.push({ file, line: i + 1, ...lineProblem(line, r) });
  }
  if (badLines > problems.length) {
    problems.push({ file, message: `${badLines - problems.length} more bad lines not shown; is this a VIP file?` });
  }
  return { entries, problems };
}
