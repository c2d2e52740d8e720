/**
 * IPv4 addresses as unsigned 32-bit numbers, the form the VIP table keys on.
 */

/**
 * Parses dotted-quad IPv4 (no leading zeros, exactly four octets); undefined
 * otherwise. A hand-written scanner: config files hold up to 100,000 of these.
 */
export function parseIpv4(text: string): number | undefined {
  let value = 0;
  let octets = 0;
  let i = 0;
  const n = text.length;
  while (octets < 4) {
    const start = i;
    let octet = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && text.charCodeAt(start) === 48)) return undefined;
    value = value * 256 + octet;
    octets++;
    if (octets < 4) {
      if (i >= n || text.charCodeAt(i) !== 46) return undefined;
      i++;
    }
  }
  return i === n ? value : undefined;
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
