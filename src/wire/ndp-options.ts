/**
 * The option walk of an NS or NA (RFC 4861 §4.6), shared by the NS decoder
 * (ndp.ts) and the NA decoder (ndp-advert.ts). Pure, no I/O.
 *
 * Each option is type (1), length in 8-byte units (1), data; a link-layer
 * address option (Source 1, Target 2) is one unit: type, length, the MAC (6).
 */

/** scanLlaOption's answer when the message has no option of the type asked for. */
export const LLA_ABSENT = -1;

/**
 * Walks the options in `buf[start, end)` and finds the first option of type
 * `llaType`. Returns the offset of its MAC, {@link LLA_ABSENT} when there is
 * none, 'option-length' for an option of length 0 or one running past `end`,
 * or `llaLengthReason` (the caller's name for it) when that option is not one
 * 8-byte unit, which Linux drops too. Later options of the type are ignored,
 * as Linux ignores them; every option's length is still checked. Never reads
 * outside `buf[start, end)` (the caller makes sure `end` is within `buf`).
 */
export function scanLlaOption<T extends string>(
  buf: Uint8Array,
  start: number,
  end: number,
  llaType: number,
  llaLengthReason: T,
): number | 'option-length' | T {
  let mac = LLA_ABSENT;
  for (let o = start; o < end; ) {
    const units = o + 1 < end ? buf[o + 1]! : 0;
    if (units === 0 || o + units * 8 > end) return 'option-length';
    if (buf[o] === llaType && mac === LLA_ABSENT) {
      if (units !== 1) return llaLengthReason;
      mac = o + 2;
    }
    o += units * 8;
  }
  return mac;
}
