/**
 * The working ranges both VIP expansions merge entries into (vip-spec.ts for
 * IPv4, ipv6-expand.ts for IPv6): `count` ranges, `width` words an address,
 * in `first`/`last`, which may be longer (they are reused and grown as
 * ranges are merged).
 */
import { releaseBuffers } from '../util/release-buffer.js';

export interface MergedRanges {
  first: Uint32Array;
  last: Uint32Array;
  count: number;
}

/** Room for `words` words of range starts and ends. */
export function mergedRanges(words: number): MergedRanges {
  return { first: new Uint32Array(words), last: new Uint32Array(words), count: 0 };
}

/** Doubles the room of `r`, keeping its ranges. */
export function growRanges(r: MergedRanges): void {
  const wider = mergedRanges(2 * r.first.length);
  wider.first.set(r.first);
  wider.last.set(r.last);
  releaseBuffers(r.first, r.last);
  r.first = wider.first;
  r.last = wider.last;
}

/** Lets go of the room of `r` past `keptWords` words, grown by a large list. */
export function shrinkRanges(r: MergedRanges, keptWords: number): void {
  if (r.first.length <= keptWords) return;
  releaseBuffers(r.first, r.last);
  Object.assign(r, mergedRanges(keptWords));
}

/** `out`'s first `n` elements: `out` itself when that is all of it, else a copy, `out` freed. */
export function trimmed(out: Uint32Array, n: number): Uint32Array {
  if (n === out.length) return out;
  const kept = out.slice(0, n);
  releaseBuffers(out);
  return kept;
}
