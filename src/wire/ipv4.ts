/**
 * IPv4 addresses as unsigned 32-bit numbers, the form the VIP table keys on.
 */

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses dotted-quad IPv4 (no leading zeros, exactly four octets); undefined otherwise. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** Formats an unsigned 32-bit number as dotted-quad IPv4. */
export function formatIpv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

/** Reads a big-endian IPv4 address at `offset` as an unsigned number. */
export function readIpv4(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 24) >>> 0) + ((buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!);
}

/** Writes an unsigned number as a big-endian IPv4 address at `offset`. */
export function writeIpv4(buf: Uint8Array, offset: number, ip: number): void {
  buf[offset] = ip >>> 24;
  buf[offset + 1] = (ip >>> 16) & 0xff;
  buf[offset + 2] = (ip >>> 8) & 0xff;
  buf[offset + 3] = ip & 0xff;
}
