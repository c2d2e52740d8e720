/**
 * Set operations on ascending, duplicate-free address arrays (a snapshot's
 * VIPs): IPv4 one word per address, IPv6 four words per address in
 * lexicographic order (address-words.ts).
 */
import { IPV6_WORDS, compareWords } from './address-words.js';

/** Empty, so never written: shared by every empty difference. */
const NONE = new Uint32Array(0);

/** The IPv4 addresses of `a` that are not in `b`, ascending; `a` itself when nothing is removed. */
export function sortedDifference(a: Uint32Array, b: Uint32Array): Uint32Array {
  return difference(a, b, 1);
}

/** The IPv6 addresses (4 words each) of `a` that are not in `b`, in order; `a` itself when nothing is removed. */
export function sortedIpv6Difference(a: Uint32Array, b: Uint32Array): Uint32Array {
  return difference(a, b, IPV6_WORDS);
}

/** Whether `ip` is one of `sorted` (ascending IPv4 addresses): a binary search. */
export function sortedIpv4Has(sorted: Uint32Array, ip: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === ip) return true;
    if (v < ip) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Whether the IPv6 address at words[at] is one of `sorted` (4 words each, ascending): a binary search. */
export function sortedIpv6Has(sorted: Uint32Array, words: Uint32Array, at = 0): boolean {
  let lo = 0;
  let hi = sorted.length / IPV6_WORDS - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareWords(sorted, mid * IPV6_WORDS, words, at, IPV6_WORDS);
    if (c === 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function difference(a: Uint32Array, b: Uint32Array, width: number): Uint32Array {
  // Counted first, allocated only for a partial result: a reload diffs every
  // group, and most lose nothing (`a` itself) or everything (one shared empty
  // array), so 65,535 groups must not cost 65,535 allocations.
  const kept = keptOf(a, b, width, undefined);
  if (kept === a.length) return a;
  if (kept === 0) return NONE;
  const out = new Uint32Array(kept);
  keptOf(a, b, width, out);
  return out;
}

/** Words of the addresses of `a` that are not in `b`, copied into `out` when given. */
function keptOf(a: Uint32Array, b: Uint32Array, width: number, out: Uint32Array | undefined): number {
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i += width) {
    let c = 1;
    while (j < b.length && (c = compareWords(b, j, a, i, width)) < 0) j += width;
    if (j < b.length && c === 0) continue;
    if (out !== undefined) for (let w = 0; w < width; w++) out[n + w] = a[i + w]!;
    n += width;
  }
  return n;
}
