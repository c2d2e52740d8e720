/**
 * Arithmetic on addresses stored as big-endian 32-bit words at an offset of
 * a Uint32Array: `width` 1 for IPv4, 4 for IPv6 (wire/ipv6.ts). One
 * implementation for both families, so a VIP entry's parsing, a set
 * difference and a range check read the same whichever family they handle,
 * and none allocates.
 */

/** Words per IPv6 address in a row array (a group's sorted IPv6 VIPs hold 4 words per VIP). */
export const IPV6_WORDS = 4;

/** Compares the address at a[ai] with the one at b[bi]: negative, 0 or positive. */
export function compareWords(a: Uint32Array, ai: number, b: Uint32Array, bi: number, width: number): number {
  for (let w = 0; w < width; w++) {
    const x = a[ai + w]!;
    const y = b[bi + w]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * b − a when a ≤ b and the difference is below 2^32, else -1: how far the
 * address at b[bi] is into a range that starts at a[ai].
 */
export function offsetWords(a: Uint32Array, ai: number, b: Uint32Array, bi: number, width: number): number {
  let borrow = 0;
  let low = 0;
  for (let w = width - 1; w >= 0; w--) {
    let d = b[bi + w]! - a[ai + w]! - borrow;
    borrow = d < 0 ? 1 : 0;
    if (borrow === 1) d += 2 ** 32;
    if (w === width - 1) low = d;
    else if (d !== 0) return -1;
  }
  return borrow === 1 ? -1 : low;
}

/**
 * Writes the address at src[si] plus `n` (0 ≤ n < 2^32) to dst[di] (which may
 * be the same place); true when the sum wrapped past the top address.
 */
export function addWords(src: Uint32Array, si: number, n: number, dst: Uint32Array, di: number, width: number): boolean {
  let carry = n;
  for (let w = width - 1; w >= 0; w--) {
    const sum = src[si + w]! + carry;
    dst[di + w] = sum >>> 0;
    carry = sum > 0xffff_ffff ? 1 : 0;
  }
  return carry !== 0;
}
