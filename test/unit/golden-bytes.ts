/**
 * Helpers for the golden-byte tests of the wire codecs: frames written out by
 * hand as hex fields, and IPv6 addresses from text.
 */
import type { Test } from 'tap';
import { parseIpv6 } from '../../src/wire/ipv6.js';
import { icmpv6Checksum } from '../../src/wire/ndp.js';

/** Joins hex fields (spaces allowed) into bytes. */
export function hex(...fields: string[]): Buffer {
  return Buffer.from(fields.join('').replace(/ /g, ''), 'hex');
}

/** Runs an encoder into a fresh buffer of `length` bytes, checks it reports writing them all, gives the bytes. */
export function encoded(t: Test, length: number, encode: (buf: Buffer) => number): Buffer {
  const buf = Buffer.alloc(length);
  t.equal(encode(buf), length, `returns ${length} bytes written`);
  return buf;
}

/** An IPv6 address from text the test knows is valid. */
export function ipv6(text: string): Uint32Array {
  const out = new Uint32Array(4);
  const err = parseIpv6(text, out);
  if (err !== undefined) throw new Error(err.message);
  return out;
}

/** Rewrites the ICMPv6 checksum of an Ethernet/IPv6 frame after a test changed it; returns the frame. */
export function fixIcmpv6Checksum(frame: Buffer): Buffer {
  const icmpLength = frame.readUInt16BE(18);
  frame.writeUInt16BE(0, 56);
  frame.writeUInt16BE(icmpv6Checksum(frame, 14, icmpLength), 56);
  return frame;
}
