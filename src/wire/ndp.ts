/**
 * Ethernet/IPv6/ICMPv6 Neighbor Discovery frames (RFC 4861): the codec used by
 * the NDP responder (issue 13) beside arp.ts. Pure decode and encode, no I/O.
 *
 * Frame layout (86 bytes for the NS and NA written here; a received NS may
 * carry other options):
 *
 *   0  dst MAC (6)    6  src MAC (6)    12 ethertype 0x86dd (2)
 *   14 IPv6: version 6, traffic class, flow label (4)
 *   18 payload length (2)   20 next header 58 (1)   21 hop limit 255 (1)
 *   22 source address (16)  38 destination address (16)
 *   54 ICMPv6 type: 135 NS, 136 NA (1)   55 code 0 (1)   56 checksum (2)
 *   58 NS: reserved (4) / NA: R S O flags in the top 3 bits, reserved (4)
 *   62 target address (16)
 *   78 options, each: type (1), length in units of 8 bytes (1), data;
 *      the link-layer address options are type 1 (source) / 2 (target),
 *      length 1, the MAC (6) (RFC 2464 §8)
 *
 * The ICMPv6 checksum (RFC 4443 §2.3) covers a pseudo-header (RFC 8200 §8.1:
 * source, destination, the ICMPv6 length as 32 bits, three zero bytes, next
 * header 58) and the whole ICMPv6 message, options included.
 */
import { readMac, writeMac } from './mac.js';
import {
  isIpv6Multicast,
  isIpv6Unspecified,
  isSolicitedNodeMulticast,
  multicastMac,
  readIpv6,
  solicitedNodeAddress,
  writeIpv6,
  type Ipv6Address,
} from './ipv6.js';
import { LLA_ABSENT, scanLlaOption } from './ndp-options.js';

export const ETHERTYPE_IPV6 = 0x86dd;
export const IPPROTO_ICMPV6 = 58;
export const ICMPV6_NEIGHBOR_SOLICITATION = 135;
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
/** RFC 4861 §7.1: a neighbour message that crossed a router arrives with less. */
export const NDP_HOP_LIMIT = 255;
/** The NS and NA this module writes: headers, the 24-byte message, one link-layer address option. */
export const NDP_FRAME_LENGTH = 86;

const IPV6_OFFSET = 14;
const ICMPV6_OFFSET = 54;
/** Type, code, checksum, reserved/flags, target: the shortest valid NS or NA (RFC 4861 §7.1.1). */
const NDP_MESSAGE_LENGTH = 24;
const OPTION_SOURCE_LLA = 1;
const OPTION_TARGET_LLA = 2;
const NA_FLAG_ROUTER = 0x80;
const NA_FLAG_SOLICITED = 0x40;
const NA_FLAG_OVERRIDE = 0x20;

/**
 * Why a frame is not a valid NS. 'short' to 'not-ns' say it is not an NS
 * at all or is cut; the rest are the RFC 4861 §7.1.1 validity checks, plus
 * 'source-lla' (a Source Link-Layer Address option that is not one 8-byte
 * unit, which Linux drops too).
 */
export type NsInvalidReason = (typeof NS_INVALID_REASONS)[number];

export const NS_INVALID_REASONS = [
  'short',
  'not-ipv6',
  'not-icmpv6',
  'not-ns',
  'hop-limit',
  'icmp-code',
  'icmp-length',
  'checksum',
  'target-multicast',
  'option-length',
  'source-lla',
  'dad-destination',
  'dad-source-lla',
] as const;

/** A decoded NS. MACs are numbers (mac.ts), addresses four words (ipv6.ts). */
export interface NeighborSolicitation {
  ethDst: number;
  ethSrc: number;
  /** :: for a DAD probe (RFC 4862 §5.4.2). */
  source: Ipv6Address;
  destination: Ipv6Address;
  target: Ipv6Address;
  hasSourceLla: boolean;
  /** The first Source Link-Layer Address option's MAC; 0 when hasSourceLla is false. */
  sourceLla: number;
}

/** Returns a zeroed NS, for callers that decode into a reused object. */
export function emptyNeighborSolicitation(): NeighborSolicitation {
  return {
    ethDst: 0,
    ethSrc: 0,
    source: new Uint32Array(4),
    destination: new Uint32Array(4),
    target: new Uint32Array(4),
    hasSourceLla: false,
    sourceLla: 0,
  };
}

/**
 * The ICMPv6 checksum of the message that follows the IPv6 header at
 * `buf[ip]`, `icmpLength` bytes long, over its pseudo-header. With the
 * checksum field zero this is the value to write; with the field as
 * received it is 0 for an intact message.
 */
export function icmpv6Checksum(buf: Uint8Array, ip: number, icmpLength: number): number {
  let sum = IPPROTO_ICMPV6 + icmpLength; // below 65,536: the length's high 16 bits are zero
  for (let i = ip + 8; i < ip + 40; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  const end = ip + 40 + icmpLength;
  let i = ip + 40;
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x1_0000);
  return ~sum & 0xffff;
}

/** Why a frame is not a valid NS or NA before its options are read. */
type HeaderReason = 'short' | 'not-ipv6' | 'not-icmpv6' | 'hop-limit' | 'icmp-code' | 'icmp-length' | 'checksum';

/**
 * The checks RFC 4861 §7.1.1 and §7.1.2 make of an NS or NA before its
 * options, in the order decodeNs and decodeNa report them. Returns the ICMPv6
 * length, `wrongType` when the message is another ICMPv6 type than `type`,
 * or the reason.
 */
export function checkNdpHeader<T extends string>(buf: Uint8Array, offset: number, length: number, type: number, wrongType: T): number | HeaderReason | T {
  if (length < ICMPV6_OFFSET + 4 || offset < 0 || offset + ICMPV6_OFFSET + 4 > buf.length) return 'short';
  const ip = offset + IPV6_OFFSET;
  if (((buf[offset + 12]! << 8) | buf[offset + 13]!) !== ETHERTYPE_IPV6 || buf[ip]! >>> 4 !== 6) return 'not-ipv6';
  if (buf[ip + 6] !== IPPROTO_ICMPV6) return 'not-icmpv6';
  const icmp = offset + ICMPV6_OFFSET;
  if (buf[icmp] !== type) return wrongType;
  if (buf[ip + 7] !== NDP_HOP_LIMIT) return 'hop-limit';
  if (buf[icmp + 1] !== 0) return 'icmp-code';
  const icmpLength = (buf[ip + 4]! << 8) | buf[ip + 5]!;
  if (icmpLength < NDP_MESSAGE_LENGTH) return 'icmp-length';
  if (ICMPV6_OFFSET + icmpLength > length || offset + ICMPV6_OFFSET + icmpLength > buf.length) return 'short';
  if (icmpv6Checksum(buf, ip, icmpLength) !== 0) return 'checksum';
  return icmpLength;
}

/**
 * Decodes the frame `buf[offset, offset+length)` as an NS into `out` and
 * checks it as RFC 4861 §7.1.1 says a node must before acting on it.
 * Returns undefined for a valid NS, or the first reason it is not one; `out`
 * is meaningful only for a valid NS. `length` is the frame's length on the
 * wire; the buffer must hold the whole ICMPv6 message (the checksum covers
 * it), not what follows it (Ethernet padding, which is ignored). Never reads
 * outside the buffer, never throws.
 */
export function decodeNs(buf: Uint8Array, offset: number, length: number, out: NeighborSolicitation): NsInvalidReason | undefined {
  const icmpLength = checkNdpHeader(buf, offset, length, ICMPV6_NEIGHBOR_SOLICITATION, 'not-ns');
  if (typeof icmpLength === 'string') return icmpLength;
  const ip = offset + IPV6_OFFSET;
  const icmp = offset + ICMPV6_OFFSET;
  readIpv6(buf, icmp + 8, out.target);
  if (isIpv6Multicast(out.target)) return 'target-multicast';
  const lla = scanLlaOption(buf, icmp + NDP_MESSAGE_LENGTH, icmp + icmpLength, OPTION_SOURCE_LLA, 'source-lla');
  if (typeof lla === 'string') return lla;
  readIpv6(buf, ip + 8, out.source);
  readIpv6(buf, ip + 24, out.destination);
  if (isIpv6Unspecified(out.source)) {
    if (!isSolicitedNodeMulticast(out.destination)) return 'dad-destination';
    if (lla !== LLA_ABSENT) return 'dad-source-lla';
  }
  out.ethDst = readMac(buf, offset);
  out.ethSrc = readMac(buf, offset + 6);
  out.hasSourceLla = lla !== LLA_ABSENT;
  out.sourceLla = lla === LLA_ABSENT ? 0 : readMac(buf, lla);
  return undefined;
}

/** ff02::1, where a DAD probe is answered and unsolicited NAs go (RFC 4861 §7.2.4, §7.2.6). */
const ALL_NODES: Ipv6Address = Uint32Array.of(0xff02_0000, 0, 0, 1);
const ALL_NODES_MAC = multicastMac(ALL_NODES);
/** Scratch for encodeNs's destination; encoding is synchronous. */
const solicitedGroup = new Uint32Array(4);

/**
 * Writes an 86-byte NS or NA: one shape, the type, flags and which
 * link-layer option differ.
 * @throws {RangeError} when fewer than 86 bytes are available.
 */
function writeNdp(
  buf: Uint8Array,
  offset: number,
  ethDst: number,
  mac: number,
  source: Ipv6Address,
  destination: Ipv6Address,
  type: number,
  flags: number,
  target: Ipv6Address,
  option: number,
): number {
  if (offset < 0 || offset + NDP_FRAME_LENGTH > buf.length) {
    throw new RangeError(`Cannot encode NDP: need ${NDP_FRAME_LENGTH} bytes at offset ${offset}, buffer has ${buf.length}`);
  }
  const ip = offset + IPV6_OFFSET;
  const icmp = offset + ICMPV6_OFFSET;
  const icmpLength = NDP_FRAME_LENGTH - ICMPV6_OFFSET;
  writeMac(buf, offset, ethDst);
  writeMac(buf, offset + 6, mac);
  buf[offset + 12] = ETHERTYPE_IPV6 >>> 8;
  buf[offset + 13] = ETHERTYPE_IPV6 & 0xff;
  buf[ip] = 0x60; // version 6, traffic class 0, flow label 0, as the kernel writes NDP
  buf[ip + 1] = 0;
  buf[ip + 2] = 0;
  buf[ip + 3] = 0;
  buf[ip + 4] = icmpLength >>> 8;
  buf[ip + 5] = icmpLength & 0xff;
  buf[ip + 6] = IPPROTO_ICMPV6;
  buf[ip + 7] = NDP_HOP_LIMIT;
  writeIpv6(buf, ip + 8, source);
  writeIpv6(buf, ip + 24, destination);
  buf[icmp] = type;
  buf[icmp + 1] = 0;
  buf[icmp + 2] = 0; // checksum, filled in below
  buf[icmp + 3] = 0;
  buf[icmp + 4] = flags;
  buf[icmp + 5] = 0;
  buf[icmp + 6] = 0;
  buf[icmp + 7] = 0;
  writeIpv6(buf, icmp + 8, target);
  buf[icmp + 24] = option;
  buf[icmp + 25] = 1;
  writeMac(buf, icmp + 26, mac);
  const checksum = icmpv6Checksum(buf, ip, icmpLength);
  buf[icmp + 2] = checksum >>> 8;
  buf[icmp + 3] = checksum & 0xff;
  return NDP_FRAME_LENGTH;
}

/**
 * Writes the NA answering `ns` for its target with `mac` (RFC 4861 §7.2.4):
 * from the target address, O=1 (so that it corrects a cache still pointing at
 * another director), R=`router`, the Target Link-Layer Address option. Unicast
 * to the solicitor with S=1 — to its Source LLA option's MAC, else the frame's
 * Ethernet source; a DAD probe (source ::) is answered to ff02::1 with S=0.
 * Returns the number of bytes written.
 * @throws {RangeError} when fewer than 86 bytes are available.
 */
export function encodeNaReply(buf: Uint8Array, offset: number, ns: NeighborSolicitation, mac: number, router: boolean): number {
  const routerFlag = router ? NA_FLAG_ROUTER : 0;
  if (isIpv6Unspecified(ns.source)) {
    return writeNdp(
      buf,
      offset,
      ALL_NODES_MAC,
      mac,
      ns.target,
      ALL_NODES,
      ICMPV6_NEIGHBOR_ADVERTISEMENT,
      routerFlag | NA_FLAG_OVERRIDE,
      ns.target,
      OPTION_TARGET_LLA,
    );
  }
  return writeNdp(
    buf,
    offset,
    ns.hasSourceLla ? ns.sourceLla : ns.ethSrc,
    mac,
    ns.target,
    ns.source,
    ICMPV6_NEIGHBOR_ADVERTISEMENT,
    routerFlag | NA_FLAG_SOLICITED | NA_FLAG_OVERRIDE,
    ns.target,
    OPTION_TARGET_LLA,
  );
}

/**
 * Writes an unsolicited NA announcing `target` at `mac` (RFC 4861 §7.2.6), the
 * IPv6 counterpart of a gratuitous ARP: to ff02::1, S=0, O=1, R=`router`, the
 * Target Link-Layer Address option.
 * @throws {RangeError} when fewer than 86 bytes are available.
 */
export function encodeUnsolicitedNa(buf: Uint8Array, offset: number, mac: number, target: Ipv6Address, router: boolean): number {
  return writeNdp(
    buf,
    offset,
    ALL_NODES_MAC,
    mac,
    target,
    ALL_NODES,
    ICMPV6_NEIGHBOR_ADVERTISEMENT,
    (router ? NA_FLAG_ROUTER : 0) | NA_FLAG_OVERRIDE,
    target,
    OPTION_TARGET_LLA,
  );
}

/**
 * Writes an NS from (`mac`, `source`) asking for `target`, to the target's
 * solicited-node group, with the Source Link-Layer Address option (used by
 * `probe`, which solicits from the director's link-local address).
 * @throws {RangeError} when fewer than 86 bytes are available.
 */
export function encodeNs(buf: Uint8Array, offset: number, mac: number, source: Ipv6Address, target: Ipv6Address): number {
  solicitedNodeAddress(target, solicitedGroup);
  return writeNdp(buf, offset, multicastMac(solicitedGroup), mac, source, solicitedGroup, ICMPV6_NEIGHBOR_SOLICITATION, 0, target, OPTION_SOURCE_LLA);
}

// --- The layout above, for the NA decoder (ndp-advert.ts) ------------------

/** Offsets, sizes and NA flag bits of the frame layout in the header, shared with ndp-advert.ts. */
export const NDP_LAYOUT = {
  ipv6Offset: IPV6_OFFSET,
  icmpv6Offset: ICMPV6_OFFSET,
  messageLength: NDP_MESSAGE_LENGTH,
  optionTargetLla: OPTION_TARGET_LLA,
  flagRouter: NA_FLAG_ROUTER,
  flagSolicited: NA_FLAG_SOLICITED,
  flagOverride: NA_FLAG_OVERRIDE,
} as const;
