/** Set operations on ascending, duplicate-free address arrays (a snapshot's VIPs). */

/** The addresses of `a` that are not in `b`, ascending; `a` itself when nothing is removed. */
export function sortedDifference(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const ip = a[i]!;
    while (j < b.length && b[j]! < ip) j++;
    if (j < b.length && b[j] === ip) continue;
    out[n++] = ip;
  }
  return n === a.length ? a : out.slice(0, n);
}
