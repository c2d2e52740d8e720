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

/**
 * Lines in `text` and lines with a colon (IPv6 entries, or comments): at
 * least as many as the entries of each family, so the entry columns are
 * allocated once, at their final size.
 */
function lineCounts(text: string): { lines: number; colonLines: number } {
  let lines = 0;
  let colonLines = 0;
  let colon = text.indexOf(':');
  for (let start = 0; start <= text.length; lines++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (colon >= 0 && colon < end) {
      colonLines++;
      colon = text.indexOf(':', end);
    }
    start = end + 1;
  }
  return { lines, colonLines };
}

/** Lines parsed between two pauses of a load on the event loop (load-in-worker.ts): about a millisecond. */
const LINES_PER_STEP = 4096;

/**
 * Parses the text of a VIP file named `file` (the name only labels errors)
 * into `entries` (a new list by default). Never throws; an empty result with
 * no problems is a valid, empty file.
 */
export function parseVipsFile(text: string, file: string, entries = new VipEntryList(0)): VipsFileParse {
  return runToEnd(parseVipsFileSteps(text, file, entries));
}

/** {@link parseVipsFile}, pausing every few thousand lines (util/run-steps.ts). */
export function* parseVipsFileSteps(text: string, file: string, entries: VipEntryList): Generator<void, VipsFileParse> {
  const counts = lineCounts(text);
  entries.reserve(entries.count + counts.lines);
  entries.reserveIpv6(entries.ipv6Count + counts.colonLines);
  const problems: ConfigProblem[] = [];
  let badLines = 0;
  // Line by line without text.split: a 100,000-line file would otherwise
  // keep 100,000 line strings alive for the whole parse (reload memory peak).
  for (let i = 0, start = 0; start <= text.length; i++) {
    if (i % LINES_PER_STEP === LINES_PER_STEP - 1) yield;
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    start = end + 1;
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
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
