/**
 * MAC addresses as plain numbers (48 bits fit a double exactly), so the hot
 * path compares and stores them without allocating.
 */

const TWO_32 = 0x1_0000_0000;

/** The Ethernet broadcast address ff:ff:ff:ff:ff:ff. */
export const BROADCAST_MAC = 0xffff_ffff_ffff;

/** Reads 6 bytes at `offset` as a MAC number. */
export function readMac(buf: Uint8Array, offset: number): number {
  return (
    ((buf[offset]! << 8) | buf[offset + 1]!) * TWO_32 +
    ((buf[offset + 2]! << 24) >>> 0) +
    ((buf[offset + 3]! << 16) | (buf[offset + 4]! << 8) | buf[offset + 5]!)
  );
}

/** Writes a MAC number as 6 bytes at `offset`. */
export function writeMac(buf: Uint8Array, offset: number, mac: number): void {
  const hi = Math.floor(mac / TWO_32);
  const lo = mac - hi * TWO_32;
  buf[offset] = hi >>> 8;
  buf[offset + 1] = hi & 0xff;
  buf[offset + 2] = lo >>> 24;
  buf[offset + 3] = (lo >>> 16) & 0xff;
  buf[offset + 4] = (lo >>> 8) & 0xff;
  buf[offset + 5] = lo & 0xff;
}

/** True for group (multicast and broadcast) addresses: the I/G bit of the first octet. */
export function isGroupMac(mac: number): boolean {
  return (Math.floor(mac / TWO_32) & 0x0100) !== 0;
}

/** Formats a MAC number as `aa:bb:cc:dd:ee:ff`. */
export function formatMac(mac: number): string {
  const bytes = new Uint8Array(6);
  writeMac(bytes, 0, mac);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

const MAC_PATTERN = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** Parses `aa:bb:cc:dd:ee:ff` (or dashes); returns undefined when it is not a MAC. */
export function parseMac(text: string): number | undefined {
  if (!MAC_PATTERN.test(text)) return undefined;
  return Number.parseInt(text.replace(/[:-]/g, ''), 16);
}

/** Converts a 6-byte buffer to a MAC number. */
export function macFromBytes(bytes: Uint8Array): number {
  return readMac(bytes, 0);
}
