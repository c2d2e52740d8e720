/**
 * The IPv6 half of VIP expansion (vip-spec.ts has the IPv4 half): a group's
 * IPv6 entries → its sorted, unique IPv6 VIPs, 4 words per address in one
 * Uint32Array. Like IPv4, it works on merged ranges (one sort of the entries,
 * no per-address set); 128-bit starts do not fit one sortable number as IPv4
 * ones do, so the entries are sorted by index: not at all when they are in
 * order already (VIP files mostly are), with a comparator when they are few,
 * by merging their ascending runs when there are a few of those (a sorted
 * file with some lines edited out of place), by radix otherwise: a
 * comparator sort of 100,000 shuffled entries took 0.4 s.
 */
import { IPV6_WORDS, addWords, compareWords, offsetWords } from './address-words.js';
import { EXCLUDE, IPV6, type EntryKind, type VipEntryList } from './vip-entry-list.js';
import { releaseBuffers } from '../util/release-buffer.js';
import { growRanges, mergedRanges, shrinkRanges, trimmed, type MergedRanges } from './merged-ranges.js';
import { runToEnd } from '../util/run-steps.js';

const W = IPV6_WORDS;

/** Empty, so never written: what a group without IPv6 entries gets. */
const NONE = new Uint32Array(0);

/** Working arrays, grown as needed and reused (see vip-spec.ts, SCRATCH_KEPT). */
const SCRATCH_KEPT = 64;
const scratch = { order: new Uint32Array(SCRATCH_KEPT), swap: new Uint32Array(0), inc: mergedRanges(SCRATCH_KEPT * W), exc: mergedRanges(SCRATCH_KEPT * W) };
/** Addresses written between two pauses of {@link expandIpv6VipEntriesSteps}: a few milliseconds. */
const ADDRESSES_PER_STEP = 16_384;
/** Below this many entries a comparator sort is quicker than radix passes over 65,536 buckets. */
const RADIX_FROM = 2048;
/** Ascending runs merged rather than radix-sorted, up to this many: log2 of it passes over the entries. */
const MERGED_RUNS_MAX = 64;
/** Entries merged between two pauses. */
const MERGED_PER_STEP = 32_768;
const buckets = new Uint32Array(0x1_0000);
/** The address being written out, and the end of an entry being merged. */
const cursor = new Uint32Array(W);
const end = new Uint32Array(W);

function shrinkScratch(): void {
  if (scratch.order.length > SCRATCH_KEPT) {
    releaseBuffers(scratch.order);
    scratch.order = new Uint32Array(SCRATCH_KEPT);
  }
  releaseBuffers(scratch.swap);
  scratch.swap = new Uint32Array(0);
  shrinkRanges(scratch.inc, SCRATCH_KEPT * W);
  shrinkRanges(scratch.exc, SCRATCH_KEPT * W);
}

/** Copies the address at src[si] to dst[di]. */
function copy(src: Uint32Array, si: number, dst: Uint32Array, di: number): void {
  for (let w = 0; w < W; w++) dst[di + w] = src[si + w]!;
}

/** The IPv6 entries of `kind` in [from, to) of `list`, sorted and merged where they overlap or touch, into `out`. */
function* mergeEntries6(list: VipEntryList, from: number, to: number, kind: EntryKind, out: MergedRanges): Generator<void, MergedRanges> {
  let n = 0;
  for (let i = from; i < to; i++) if (list.kindOf(i) === kind) n++;
  yield;
  // Grown to what this list needs (at least doubling, for many small lists
  // one after another). The ranges grow as they are merged: room for every
  // entry was 32 bytes each, 3.2 MB for 100,000 that merge into one range.
  if (scratch.order.length < n) {
    releaseBuffers(scratch.order);
    scratch.order = new Uint32Array(Math.max(n, 2 * scratch.order.length));
  }
  const order = scratch.order.subarray(0, n);
  const firsts = list.ipv6Firsts;
  n = 0;
  let descents = 0;
  for (let i = from; i < to; i++) {
    if (list.kindOf(i) !== kind) continue;
    if (n > 0 && compareWords(firsts, list.ipv6FirstAt(order[n - 1]!), firsts, list.ipv6FirstAt(i), W) > 0) descents++;
    order[n++] = i;
  }
  yield;
  if (descents > 0 && n < RADIX_FROM) order.sort((i, j) => compareWords(firsts, list.ipv6FirstAt(i), firsts, list.ipv6FirstAt(j), W));
  else if (descents > 0 && descents < MERGED_RUNS_MAX) yield* mergeRuns(list, order);
  else if (descents > 0) radixSort(list, order);
  yield;
  let count = 0;
  for (let k = 0; k < n; k++) {
    if (k % ADDRESSES_PER_STEP === ADDRESSES_PER_STEP - 1) yield;
    const i = order[k]!;
    const at = list.ipv6FirstAt(i);
    addWords(firsts, at, list.spanOf(i), end, 0, W);
    const prev = (count - 1) * W;
    // Overlapping, or starting right after the previous range: extend it.
    if (count > 0 && (compareWords(firsts, at, out.last, prev, W) <= 0 || offsetWords(out.last, prev, firsts, at, W) === 1)) {
      if (compareWords(end, 0, out.last, prev, W) > 0) copy(end, 0, out.last, prev);
    } else {
      if (count * W === out.first.length) growRanges(out);
      copy(firsts, at, out.first, count * W);
      copy(end, 0, out.last, count * W);
      count++;
    }
  }
  out.count = count;
  return out;
}

/**
 * Sorts entry indices `order`, a few ascending runs by their first address,
 * by merging the runs pairwise (stable). Its room is one index per entry,
 * where a radix sort carries 2 × 5 words per entry: 4 MB at 100,000.
 */
function* mergeRuns(list: VipEntryList, order: Uint32Array): Generator<void, void> {
  const firsts = list.ipv6Firsts;
  const after = (i: number, j: number): boolean => compareWords(firsts, list.ipv6FirstAt(i), firsts, list.ipv6FirstAt(j), W) > 0;
  const n = order.length;
  let starts = [0];
  for (let k = 1; k < n; k++) if (after(order[k - 1]!, order[k]!)) starts.push(k);
  const room = new Uint32Array(n);
  let src: Uint32Array = order;
  let dst: Uint32Array = room;
  let merged = 0;
  while (starts.length > 1) {
    const next: number[] = [];
    for (let r = 0; r < starts.length; r += 2) {
      const a = starts[r]!;
      const b = starts[r + 1] ?? n;
      const end = starts[r + 2] ?? n;
      next.push(a);
      let i = a;
      let j = b;
      for (let k = a; k < end; k++) {
        dst[k] = j >= end || (i < b && !after(src[i]!, src[j]!)) ? src[i++]! : src[j++]!;
        if (++merged % MERGED_PER_STEP === 0) yield;
      }
    }
    starts = next;
    [src, dst] = [dst, src];
  }
  if (src !== order) order.set(src);
  releaseBuffers(room);
}

/** Words per element of a radix pass: the 4 words of the first address, then the entry index. */
const STRIDE = W + 1;

/**
 * Sorts entry indices `order` by their first address: least significant
 * 16-bit digit first, each pass stable, skipping the digits every entry
 * shares (a /64 of VIPs differs in its last few only). Each element carries
 * its address along, so a pass reads memory in order instead of looking
 * every address up again (that cost more than the sorting).
 */
function radixSort(list: VipEntryList, order: Uint32Array): void {
  const firsts = list.ipv6Firsts;
  const n = order.length;
  if (scratch.swap.length < 2 * n * STRIDE) scratch.swap = new Uint32Array(2 * n * STRIDE);
  let from = scratch.swap.subarray(0, n * STRIDE);
  let to = scratch.swap.subarray(n * STRIDE, 2 * n * STRIDE);
  const differs = new Uint32Array(W);
  for (let k = 0; k < n; k++) {
    const at = list.ipv6FirstAt(order[k]!);
    for (let w = 0; w < W; w++) {
      from[k * STRIDE + w] = firsts[at + w]!;
      differs[w] = differs[w]! | (firsts[at + w]! ^ from[w]!);
    }
    from[k * STRIDE + W] = order[k]!;
  }
  for (let digit = 0; digit < 2 * W; digit++) {
    const word = W - 1 - (digit >> 1);
    const shift = (digit & 1) * 16;
    if (((differs[word]! >>> shift) & 0xffff) === 0) continue;
    buckets.fill(0);
    for (let k = 0; k < n; k++) buckets[(from[k * STRIDE + word]! >>> shift) & 0xffff]!++;
    let sum = 0;
    for (let b = 0; b < buckets.length; b++) {
      const c = buckets[b]!;
      buckets[b] = sum;
      sum += c;
    }
    for (let k = 0; k < n; k++) {
      const src = k * STRIDE;
      const dst = buckets[(from[src + word]! >>> shift) & 0xffff]!++ * STRIDE;
      for (let w = 0; w < STRIDE; w++) to[dst + w] = from[src + w]!;
    }
    [from, to] = [to, from];
  }
  for (let k = 0; k < n; k++) order[k] = from[k * STRIDE + W]!;
}

/**
 * Expands the IPv6 entries in [from, to) of `list` (default: all) to the set
 * of addresses they name, every inclusion minus every exclusion (whatever
 * their order), as rows of 4 words in lexicographic (numeric) order, without
 * duplicates, in a Uint32Array of its own.
 */
export function expandIpv6VipEntries(list: VipEntryList, from = 0, to = list.count): Uint32Array {
  return runToEnd(expandIpv6VipEntriesSteps(list, from, to));
}

/**
 * {@link expandIpv6VipEntries}, pausing between its passes and every
 * {@link ADDRESSES_PER_STEP} addresses written (a reload on the event loop,
 * config/load-on-loop.ts). One expansion at a time: the working arrays are shared.
 */
export function* expandIpv6VipEntriesSteps(list: VipEntryList, from: number, to: number): Generator<void, Uint32Array> {
  if (list.ipv6Count === 0) return NONE;
  const inc = yield* mergeEntries6(list, from, to, IPV6, scratch.inc);
  if (inc.count === 0) return NONE;
  const exc = yield* mergeEntries6(list, from, to, IPV6 | EXCLUDE, scratch.exc);
  let total = 0;
  // A merged range is at most the sum of its entries' sizes: far below 2^32.
  for (let r = 0; r < inc.count; r++) total += offsetWords(inc.first, r * W, inc.last, r * W, W) + 1;
  const out = new Uint32Array(total * W);
  let n = 0;
  let x = 0;
  for (let r = 0; r < inc.count; r++) {
    const last = r * W;
    copy(inc.first, last, cursor, 0);
    for (;;) {
      while (x < exc.count && compareWords(exc.last, x * W, cursor, 0, W) < 0) x++;
      const cut = x < exc.count && compareWords(exc.first, x * W, inc.last, last, W) <= 0;
      if (cut && compareWords(exc.first, x * W, cursor, 0, W) <= 0) {
        // The cursor is excluded: jump past the exclusion, or end the range.
        if (compareWords(exc.last, x * W, inc.last, last, W) >= 0) break;
        addWords(exc.last, x * W, 1, cursor, 0, W);
        continue;
      }
      // Up to the next exclusion, or to the range's end.
      const count = cut ? offsetWords(cursor, 0, exc.first, x * W, W) : offsetWords(cursor, 0, inc.last, last, W) + 1;
      for (let k = 0; k < count; k++, n += W) {
        copy(cursor, 0, out, n);
        addWords(cursor, 0, 1, cursor, 0, W);
        if (n % (ADDRESSES_PER_STEP * W) === 0) yield;
      }
      if (!cut) break;
    }
  }
  shrinkScratch();
  return trimmed(out, n);
}
