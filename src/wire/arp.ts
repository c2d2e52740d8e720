/**
 * Ethernet/IPv4 ARP frames (RFC 826): pure decode and encode, no I/O.
 *
 * Frame layout (42 bytes; shorter than Ethernet's 60-byte minimum, drivers pad):
 *
 *   0  dst MAC (6)   6  src MAC (6)   12 ethertype 0x0806 (2)
 *   14 htype 1 (2)   16 ptype 0x0800 (2)   18 hlen 6 (1)   19 plen 4 (1)
 *   20 op (2)        22 sender MAC (6)     28 sender IP (4)
 *   32 target MAC (6)                      38 target IP (4)
 */
import { BROADCAST_MAC, isGroupMac, readMac, writeMac } from './mac.js';
import { readIpv4, writeIpv4 } from './ipv4.js';

export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV4 = 0x0800;
export const ARP_FRAME_LENGTH = 42;
export const ARP_HEADER_STUB_LENGTH = 22;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;

/** Why a frame was not decoded; each is counted as `malformed:<reason>`. */
export type MalformedReason = 'short' | 'not-arp' | 'htype' | 'ptype' | 'hlen' | 'plen' | 'op' | 'sender-mac';

export const MALFORMED_REASONS: readonly MalformedReason[] = ['short', 'not-arp', 'htype', 'ptype', 'hlen', 'plen', 'op', 'sender-mac'];

/** A decoded frame. MACs are numbers (see mac.ts), IPs unsigned 32-bit numbers. */
export interface ArpFrame {
  ethDst: number;
  ethSrc: number;
  op: number;
  senderMac: number;
  senderIp: number;
  targetMac: number;
  targetIp: number;
}

/** Returns a zeroed frame, for callers that decode into a reused object. */
export function emptyArpFrame(): ArpFrame {
  return { ethDst: 0, ethSrc: 0, op: 0, senderMac: 0, senderIp: 0, targetMac: 0, targetIp: 0 };
}

/**
 * Decodes the frame `buf[offset, offset+length)` into `out`.
 * Returns `undefined` on success, or the reason the frame is malformed; it
 * never reads outside the given range (nor past its first 42 bytes) and never
 * throws for any input. Bytes after the 42-byte ARP frame (Ethernet padding,
 * trailers of any length) are ignored, as the Linux kernel ignores them.
 */
export function decodeArp(buf: Uint8Array, offset: number, length: number, out: ArpFrame): MalformedReason | undefined {
  // The kernel filter passes malformed ARP as a 22-byte header stub (see
  // arp-filter.ts), so the header fields are judged before the length.
  if (length < ARP_HEADER_STUB_LENGTH || offset + Math.min(length, ARP_FRAME_LENGTH) > buf.length) return 'short';
  if (((buf[offset + 12]! << 8) | buf[offset + 13]!) !== ETHERTYPE_ARP) return 'not-arp';
  if (((buf[offset + 14]! << 8) | buf[offset + 15]!) !== 1) return 'htype';
  if (((buf[offset + 16]! << 8) | buf[offset + 17]!) !== ETHERTYPE_IPV4) return 'ptype';
  if (buf[offset + 18] !== 6) return 'hlen';
  if (buf[offset + 19] !== 4) return 'plen';
  const op = (buf[offset + 20]! << 8) | buf[offset + 21]!;
  if (op !== ARPOP_REQUEST && op !== ARPOP_REPLY) return 'op';
  if (length < ARP_FRAME_LENGTH) return 'short';
  const senderMac = readMac(buf, offset + 22);
  if (isGroupMac(senderMac)) return 'sender-mac';
  out.ethDst = readMac(buf, offset);
  out.ethSrc = readMac(buf, offset + 6);
  out.op = op;
  out.senderMac = senderMac;
  out.senderIp = readIpv4(buf, offset + 28);
  out.targetMac = readMac(buf, offset + 32);
  out.targetIp = readIpv4(buf, offset + 38);
  return undefined;
}

/**
 * Encodes `frame` as a 42-byte Ethernet/ARP frame at `buf[offset]`.
 * Returns the number of bytes written.
 * @throws {RangeError} when fewer than 42 bytes are available.
 */
export function encodeArp(buf: Uint8Array, offset: number, frame: ArpFrame): number {
  return writeArp(buf, offset, frame.ethDst, frame.ethSrc, frame.op, frame.senderMac, frame.senderIp, frame.targetMac, frame.targetIp);
}

/**
 * encodeArp with the fields as arguments: the reply path calls it once per
 * answered request, and building an ArpFrame object for each reply was most
 * of the responder's garbage (a young-generation collection every ~50 ms
 * under a flood).
 * @throws {RangeError} when fewer than 42 bytes are available.
 */
function writeArp(
  buf: Uint8Array,
  offset: number,
  ethDst: number,
  ethSrc: number,
  op: number,
  senderMac: number,
  senderIp: number,
  targetMac: number,
  targetIp: number,
): number {
  if (offset < 0 || offset + ARP_FRAME_LENGTH > buf.length) {
    throw new RangeError(`Cannot encode ARP: need ${ARP_FRAME_LENGTH} bytes at offset ${offset}, buffer has ${buf.length}`);
  }
  writeMac(buf, offset, ethDst);
  writeMac(buf, offset + 6, ethSrc);
  buf[offset + 12] = ETHERTYPE_ARP >>> 8;
  buf[offset + 13] = ETHERTYPE_ARP & 0xff;
  buf[offset + 14] = 0;
  buf[offset + 15] = 1;
  buf[offset + 16] = ETHERTYPE_IPV4 >>> 8;
  buf[offset + 17] = ETHERTYPE_IPV4 & 0xff;
  buf[offset + 18] = 6;
  buf[offset + 19] = 4;
  buf[offset + 20] = op >>> 8;
  buf[offset + 21] = op & 0xff;
  writeMac(buf, offset + 22, senderMac);
  writeIpv4(buf, offset + 28, senderIp);
  writeMac(buf, offset + 32, targetMac);
  writeIpv4(buf, offset + 38, targetIp);
  return ARP_FRAME_LENGTH;
}

/**
 * Writes the reply to `request` claiming `ip` for `mac`: unicast to the
 * requester (RFC 826). For an RFC 5227 probe the sender IP is 0.0.0.0 and the
 * reply's target IP is 0.0.0.0 too, as the Linux kernel answers it.
 */
export function encodeArpReply(buf: Uint8Array, offset: number, request: ArpFrame, mac: number, ip: number): number {
  return writeArp(buf, offset, request.senderMac, mac, ARPOP_REPLY, mac, ip, request.senderMac, request.senderIp);
}

/** Gratuitous ARP forms: `request` (arping -U) and `reply` (arping -A). */
export type GarpForm = 'request' | 'reply';

/**
 * Writes a gratuitous ARP for (`mac`, `ip`), Ethernet broadcast, sender IP =
 * target IP = `ip`. Request form: target MAC zero (RFC 5227 announcement,
 * `arping -U`). Reply form: target MAC = `mac` (`arping -A`, send_arp).
 */
export function encodeGarp(buf: Uint8Array, offset: number, form: GarpForm, mac: number, ip: number): number {
  const request = form === 'request';
  return writeArp(buf, offset, BROADCAST_MAC, mac, request ? ARPOP_REQUEST : ARPOP_REPLY, mac, ip, request ? 0 : mac, ip);
}

/**
 * Writes an ARP request from (`mac`, `senderIp`) asking who has `targetIp`,
 * Ethernet broadcast (used by `probe`, which asks from the director's own address).
 */
export function encodeArpRequest(buf: Uint8Array, offset: number, mac: number, senderIp: number, targetIp: number): number {
  return writeArp(buf, offset, BROADCAST_MAC, mac, ARPOP_REQUEST, mac, senderIp, 0, targetIp);
}
