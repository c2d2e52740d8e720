/** Set operations on ascending, duplicate-free address arrays (a snapshot's VIPs). */

/** Empty, so never written: shared by every empty difference. */
const NONE = new Uint32Array(0);

/** The addresses of `a` that are not in `b`, ascending; `a` itself when nothing is removed. */
export function sortedDifference(a: Uint32Array, b: Uint32Array): Uint32Array {
  // Counted first, allocated only for a partial result: a reload diffs every
  // group, and most lose nothing (`a` itself) or everything (one shared empty
  // array), so 65,535 groups must not cost 65,535 allocations.
  const kept = countNotIn(a, b);
  if (kept === a.length) return a;
  if (kept === 0) return NONE;
  const out = new Uint32Array(kept);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const ip = a[i]!;
    while (j < b.length && b[j]! < ip) j++;
    if (j < b.length && b[j] === ip) continue;
    out[n++] = ip;
  }
  return out;
}

/** How many addresses of `a` are not in `b`. */
function countNotIn(a: Uint32Array, b: Uint32Array): number {
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const ip = a[i]!;
    while (j < b.length && b[j]! < ip) j++;
    if (j >= b.length || b[j] !== ip) n++;
  }
  return n;
}
