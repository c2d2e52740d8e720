/**
 * IPv6 addresses for the NDP responder (issue 13): parsing every form
 * inet_pton(3) accepts, RFC 5952 text, the classes a VIP must not be, and the
 * solicited-node group an NS for a VIP is sent to. Pure, no I/O.
 *
 * An address is four unsigned 32-bit words, most significant first (word i
 * holds bytes 4i..4i+3 read big-endian), in a Uint32Array. 128 bits do not fit
 * one number as IPv4's 32 do; a BigInt or a string allocates on every read and
 * compares slowly. Words let a VIP table keep 100,000 addresses in one
 * Uint32Array (row i at 4i, hashed and compared as four integers) and let a
 * decoder read a frame's addresses into a reused object without allocating,
 * which is why parseIpv6 writes into an array at an index.
 */
import { formatIpv4, parseIpv4 } from './ipv4.js';

/** An IPv6 address as four big-endian 32-bit words (see the header). */
export type Ipv6Address = Uint32Array;

/** Why a text is not an IPv6 address: a code to branch on, a message to show. */
export interface Ipv6ParseError {
  code: 'empty' | 'zone-index' | 'character' | 'group' | 'colon' | 'double-colon' | 'group-count' | 'ipv4';
  message: string;
}

/** The eight 16-bit groups of the address being parsed (parsing is not reentrant, and need not be). */
const groups = new Uint16Array(8);

function failure(code: Ipv6ParseError['code'], message: string): Ipv6ParseError {
  return { code, message };
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Parses `text` as inet_pton(AF_INET6) does — hex groups of one to four
 * digits in either case, one `::` for one or more zero groups, a dotted-quad
 * IPv4 address as the last 32 bits (`::ffff:192.0.2.1`) — into
 * `out[at, at+4)`. A zone index (`fe80::1%eth0`) is refused with its own
 * code: inet_pton refuses it too, and a VIP is never scoped to a link.
 * Returns undefined on success; `out` is left partly written on failure.
 */
export function parseIpv6(text: string, out: Uint32Array, at = 0): Ipv6ParseError | undefined {
  const n = text.length;
  if (n === 0) return failure('empty', 'an empty string is not an IPv6 address');
  const zone = text.indexOf('%');
  if (zone >= 0) {
    return failure('zone-index', `"${text}" has a zone index ("${text.slice(zone)}"); write the address without it`);
  }
  let count = 0;
  let gap = -1; // index in `groups` where `::` stands, -1 without one
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return failure('colon', `"${text}" starts with a single colon`);
    gap = 0;
    i = 2;
  }
  while (i < n) {
    const start = i;
    let value = 0;
    let digit: number;
    while (i < n && (digit = hexValue(text.charCodeAt(i))) >= 0) {
      value = value * 16 + digit;
      i++;
    }
    if (i < n && text.charCodeAt(i) === 46) {
      // A dotted quad ends the address and fills its last two groups.
      const ipv4 = parseIpv4(text.slice(start));
      if (ipv4 === undefined) return failure('ipv4', `"${text}" ends in "${text.slice(start)}", which is not a dotted-quad IPv4 address`);
      if (count > 6) return failure('group-count', `"${text}" has too many groups before its IPv4 part`);
      groups[count++] = ipv4 >>> 16;
      groups[count++] = ipv4 & 0xffff;
      i = n;
      break;
    }
    const digits = i - start;
    if (digits === 0) {
      const c = text.charCodeAt(i);
      return c === 58 || i === n
        ? failure('colon', `"${text}" has a colon where a group should be`)
        : failure('character', `"${text}" has "${text[i]}", which is not a hex digit, ':' or '.'`);
    }
    if (digits > 4) return failure('group', `"${text}" has a group of more than four hex digits ("${text.slice(start, i)}")`);
    if (count === 8) return failure('group-count', `"${text}" has more than eight groups`);
    groups[count++] = value;
    if (i === n) break;
    if (text.charCodeAt(i) !== 58) return failure('character', `"${text}" has "${text[i]}", which is not a hex digit, ':' or '.'`);
    i++;
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return failure('double-colon', `"${text}" has "::" more than once`);
      gap = count;
      i++;
    } else if (i === n) {
      return failure('colon', `"${text}" ends with a single colon`);
    }
  }
  if (gap < 0 && count !== 8) return failure('group-count', `"${text}" has ${count} groups; an address without "::" has eight`);
  if (gap >= 0 && count === 8) return failure('group-count', `"${text}" has eight groups and a "::", which must stand for at least one`);
  if (gap >= 0) {
    const shift = 8 - count;
    for (let g = count - 1; g >= gap; g--) groups[g + shift] = groups[g]!;
    groups.fill(0, gap, gap + shift);
  }
  for (let w = 0; w < 4; w++) out[at + w] = ((groups[2 * w]! << 16) | groups[2 * w + 1]!) >>> 0;
  return undefined;
}

/**
 * Formats `a` as RFC 5952 §4 says: lower case, no leading zeros, the longest
 * run of two or more zero groups (the first of equal runs) as `::`; an
 * IPv4-mapped address (::ffff:0:0/96) in mixed notation (§5).
 */
export function formatIpv6(a: Ipv6Address): string {
  if (a[0] === 0 && a[1] === 0 && a[2] === 0xffff) return `::ffff:${formatIpv4(a[3]!)}`;
  const g: number[] = [];
  for (let w = 0; w < 4; w++) g.push(a[w]! >>> 16, a[w]! & 0xffff);
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not shortened (§4.2.2)
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    g
      .slice(from, to)
      .map((x) => x.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** Reads 16 bytes at `offset` into `out`. */
export function readIpv6(buf: Uint8Array, offset: number, out: Ipv6Address): void {
  for (let w = 0; w < 4; w++) {
    const o = offset + 4 * w;
    out[w] = ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
  }
}

/** Writes `a` as 16 bytes at `offset`. */
export function writeIpv6(buf: Uint8Array, offset: number, a: Ipv6Address): void {
  for (let w = 0; w < 4; w++) {
    const o = offset + 4 * w;
    const word = a[w]!;
    buf[o] = word >>> 24;
    buf[o + 1] = (word >>> 16) & 0xff;
    buf[o + 2] = (word >>> 8) & 0xff;
    buf[o + 3] = word & 0xff;
  }
}

/** True for ff00::/8 (RFC 4291 §2.7). */
export function isIpv6Multicast(a: Ipv6Address): boolean {
  return a[0]! >>> 24 === 0xff;
}

/** True for the link-local unicast prefix fe80::/10 (RFC 4291 §2.5.6). */
export function isIpv6LinkLocal(a: Ipv6Address): boolean {
  return a[0]! >>> 22 === 0xfe80 >>> 6;
}

/** True for ::1. */
export function isIpv6Loopback(a: Ipv6Address): boolean {
  return a[0] === 0 && a[1] === 0 && a[2] === 0 && a[3] === 1;
}

/** True for ::, the source of a DAD probe (RFC 4862 §5.4.2). */
export function isIpv6Unspecified(a: Ipv6Address): boolean {
  return a[0] === 0 && a[1] === 0 && a[2] === 0 && a[3] === 0;
}

/** True for a solicited-node multicast address, ff02::1:ff00:0/104 (RFC 4291 §2.7.1). */
export function isSolicitedNodeMulticast(a: Ipv6Address): boolean {
  return a[0] === 0xff02_0000 && a[1] === 0 && a[2] === 1 && a[3]! >>> 24 === 0xff;
}

/** Writes into `out` the solicited-node group of `a`: ff02::1:ff plus its low 24 bits. */
export function solicitedNodeAddress(a: Ipv6Address, out: Ipv6Address): void {
  out[0] = 0xff02_0000;
  out[1] = 0;
  out[2] = 1;
  out[3] = (0xff00_0000 | (a[3]! & 0xff_ffff)) >>> 0;
}

/**
 * The Ethernet address of multicast group `group` (RFC 2464 §7): 33:33 and
 * the group's low 32 bits, e.g. 33:33:ff:xx:xx:xx for a solicited-node group.
 * A MAC number, as in mac.ts.
 */
export function multicastMac(group: Ipv6Address): number {
  return 0x3333_0000_0000 + group[3]!;
}
