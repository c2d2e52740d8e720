/**
 * VIP entries as operators write them: `198.51.100.7`, `198.51.100.0/24`,
 * `198.51.100.10-198.51.100.20`, and exclusions `!198.51.100.9`,
 * `!198.51.100.0/30`. Pure parsing and expansion, no I/O.
 */
import { formatIpv4, parseIpv4 } from '../wire/ipv4.js';
import type { VipEntryList } from './vip-entry-list.js';

/**
 * Largest block one entry may name: a /16. Bigger blocks are almost always a
 * typo (a /8 would be 16M VIPs) and would cost memory for nothing.
 */
export const MAX_BLOCK_PREFIX = 16;
export const MAX_BLOCK_SIZE = 2 ** (32 - MAX_BLOCK_PREFIX);

/** An inclusive address range to add or remove. */
export interface VipEntry {
  exclude: boolean;
  first: number;
  last: number;
}

/**
 * On failure, `column` (1-based, within the raw text) points at the part that
 * is wrong — the prefix length, the range end — so a file parser can report
 * line:column.
 */
export type VipEntryResult = { ok: true; entry: VipEntry } | { ok: false; message: string; column: number };

/** Parses one entry; on failure the message says what is wrong with it and `column` where. */
export function parseVipEntry(raw: string): VipEntryResult {
  const text = raw.trim();
  const exclude = text.startsWith('!');
  const body = exclude ? text.slice(1).trim() : text;
  /** index of `body` in `raw`, so columns point into what the operator wrote */
  const bodyAt = raw.length - raw.trimStart().length + (exclude ? text.length - body.length : 0);
  if (body === '') return { ok: false, message: `empty VIP entry "${raw}"`, column: bodyAt + 1 };
  const fail = (why: string, at = 0): VipEntryResult => ({ ok: false, message: `invalid VIP entry "${text}": ${why}`, column: bodyAt + at + 1 });

  const slash = body.indexOf('/');
  if (slash >= 0) {
    const base = parseIpv4(body.slice(0, slash));
    const prefixText = body.slice(slash + 1);
    if (base === undefined) return fail('not an IPv4 address before "/"');
    if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) return fail('prefix length must be 0-32', slash + 1);
    const prefix = Number(prefixText);
    if (prefix < MAX_BLOCK_PREFIX) return fail(`blocks larger than /${MAX_BLOCK_PREFIX} are not allowed (got /${prefix})`, slash + 1);
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) {
      const network = base - (base % size);
      return fail(`host bits set; did you mean ${formatIpv4(network)}/${prefix}?`);
    }
    return { ok: true, entry: { exclude, first: base, last: base + size - 1 } };
  }

  const dash = body.indexOf('-');
  if (dash >= 0) {
    const first = parseIpv4(body.slice(0, dash).trim());
    const last = parseIpv4(body.slice(dash + 1).trim());
    if (first === undefined) return fail('a range is two IPv4 addresses joined by "-"');
    if (last === undefined) return fail('a range is two IPv4 addresses joined by "-"', dash + 1);
    if (last < first) return fail('range end is below its start', dash + 1);
    if (last - first + 1 > MAX_BLOCK_SIZE) return fail(`a range may span at most ${MAX_BLOCK_SIZE} addresses (a /${MAX_BLOCK_PREFIX})`, dash + 1);
    return { ok: true, entry: { exclude, first, last } };
  }

  const ip = parseIpv4(body);
  if (ip === undefined) return fail('not an IPv4 address, CIDR block or range');
  return { ok: true, entry: { exclude, first: ip, last: ip } };
}

/**
 * A range as one sortable number: start × 2^17 + (end − start). Ranges span at
 * most 2^16 addresses, so the sum stays exact in a double (< 2^49), and a
 * Float64Array of them sorts by start natively, with no comparator and no
 * object per range.
 */
const SPAN = 2 ** 17;

/** Merged ranges: `count` of them in `first`/`last`, which may be longer (they are reused). */
interface Ranges {
  first: Uint32Array;
  last: Uint32Array;
  count: number;
}

/**
 * Working arrays of {@link expandVipEntries}, grown as needed and reused: a
 * config with 65,535 one-VIP groups expands 65,535 lists, and fresh typed
 * arrays for each (a microsecond apiece, and garbage) took over a second.
 */
const SCRATCH_KEPT = 64;
const scratch = { keys: new Float64Array(SCRATCH_KEPT), inc: ranges(SCRATCH_KEPT), exc: ranges(SCRATCH_KEPT) };

/** Lets go of working arrays grown by a large list (a 3M-entry config would keep 70 MB). */
function shrinkScratch(): void {
  if (scratch.keys.length > SCRATCH_KEPT) scratch.keys = new Float64Array(SCRATCH_KEPT);
  if (scratch.inc.first.length > SCRATCH_KEPT) scratch.inc = ranges(SCRATCH_KEPT);
  if (scratch.exc.first.length > SCRATCH_KEPT) scratch.exc = ranges(SCRATCH_KEPT);
}

function ranges(n: number): Ranges {
  return { first: new Uint32Array(n), last: new Uint32Array(n), count: 0 };
}

/** The inclusions (or exclusions) of entries [from, to) of `list`, sorted and merged where they overlap or touch, into `out`. */
function mergedRanges(list: VipEntryList, from: number, to: number, exclusions: boolean, out: Ranges): Ranges {
  let n = 0;
  for (let i = from; i < to; i++) if (list.isExclusion(i) === exclusions) n++;
  if (scratch.keys.length < n) scratch.keys = new Float64Array(n * 2);
  if (out.first.length < n) Object.assign(out, ranges(n * 2));
  const keys = scratch.keys.subarray(0, n);
  n = 0;
  for (let i = from; i < to; i++) {
    if (list.isExclusion(i) === exclusions) keys[n++] = list.firstOf(i) * SPAN + (list.lastOf(i) - list.firstOf(i));
  }
  if (n > 1) keys.sort();
  const { first, last } = out;
  let count = 0;
  for (let k = 0; k < n; k++) {
    const key = keys[k]!;
    const start = Math.floor(key / SPAN);
    const end = start + (key % SPAN);
    if (count > 0 && start <= last[count - 1]! + 1) {
      if (end > last[count - 1]!) last[count - 1] = end;
    } else {
      first[count] = start;
      last[count++] = end;
    }
  }
  out.count = count;
  return out;
}

/**
 * Expands entries [from, to) of `list` (default: all) to the set of
 * addresses they name: every inclusion, minus every exclusion (exclusions win
 * regardless of order, like a firewall's deny list). Returns addresses in
 * ascending order, without duplicates, in a Uint32Array of its own (4 bytes
 * per VIP, outside the JS heap). Works on merged ranges, so overlapping
 * entries cost one sort and no per-address set.
 */
export function expandVipEntries(list: VipEntryList, from = 0, to = list.count): Uint32Array {
  const inc = mergedRanges(list, from, to, false, scratch.inc);
  const exc = mergedRanges(list, from, to, true, scratch.exc);
  let total = 0;
  for (let r = 0; r < inc.count; r++) total += inc.last[r]! - inc.first[r]! + 1;
  const out = new Uint32Array(total);
  let n = 0;
  let x = 0;
  for (let r = 0; r < inc.count; r++) {
    const last = inc.last[r]!;
    let ip = inc.first[r]!;
    while (ip <= last) {
      while (x < exc.count && exc.last[x]! < ip) x++;
      if (x < exc.count && exc.first[x]! <= ip) {
        ip = exc.last[x]! + 1;
        continue;
      }
      const end = x < exc.count && exc.first[x]! <= last ? exc.first[x]! - 1 : last;
      for (; ip <= end; ip++) out[n++] = ip;
    }
  }
  shrinkScratch();
  return n === total ? out : out.slice(0, n);
}
