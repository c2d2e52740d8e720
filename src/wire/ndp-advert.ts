/**
 * Decoding a received Neighbor Advertisement (RFC 4861 §4.4, §7.1.2), beside
 * the NS codec of ndp.ts: `probe` lists every MAC that advertises a VIP, and
 * only a valid NA may count. Pure, no I/O.
 *
 * The frame layout is ndp.ts's (Ethernet 14, IPv6 header 40, ICMPv6 from 54);
 * the NA's own part:
 *
 *   54 type 136 (1)   55 code 0 (1)   56 checksum (2)
 *   58 flags: R 0x80, S 0x40, O 0x20 in the first byte, the rest reserved (4)
 *   62 target address (16)
 *   78 options: type (1), length in 8-byte units (1), data; the Target
 *      Link-Layer Address option is type 2, length 1, the MAC (6)
 */
import { readMac } from './mac.js';
import { isIpv6Multicast, readIpv6, type Ipv6Address } from './ipv6.js';
import { LLA_ABSENT, scanLlaOption } from './ndp-options.js';
import { checkNdpHeader, ICMPV6_NEIGHBOR_ADVERTISEMENT, NDP_LAYOUT } from './ndp.js';

const {
  ipv6Offset: IPV6_OFFSET,
  icmpv6Offset: ICMPV6_OFFSET,
  messageLength: NA_MESSAGE_LENGTH,
  optionTargetLla: OPTION_TARGET_LLA,
  flagRouter: FLAG_ROUTER,
  flagSolicited: FLAG_SOLICITED,
  flagOverride: FLAG_OVERRIDE,
} = NDP_LAYOUT;

/**
 * Why a frame is not a valid NA: 'short' to 'not-na' say it is not one at
 * all or is cut; the rest are the RFC 4861 §7.1.2 checks, plus 'target-lla'
 * (a Target Link-Layer Address option that is not one 8-byte unit).
 */
export type NaInvalidReason = (typeof NA_INVALID_REASONS)[number];

/** Every reason, in the order decodeNa checks them (the NDP responder counts each). */
export const NA_INVALID_REASONS = [
  'short',
  'not-ipv6',
  'not-icmpv6',
  'not-na',
  'hop-limit',
  'icmp-code',
  'icmp-length',
  'checksum',
  'target-multicast',
  'solicited-multicast',
  'option-length',
  'target-lla',
] as const;

/** A decoded NA. MACs are numbers (mac.ts), addresses four words (ipv6.ts). */
export interface NeighborAdvertisement {
  ethDst: number;
  ethSrc: number;
  source: Ipv6Address;
  destination: Ipv6Address;
  target: Ipv6Address;
  router: boolean;
  solicited: boolean;
  override: boolean;
  hasTargetLla: boolean;
  /** The first Target Link-Layer Address option's MAC; 0 when hasTargetLla is false. */
  targetLla: number;
}

/** Returns a zeroed NA, for callers that decode into a reused object. */
export function emptyNeighborAdvertisement(): NeighborAdvertisement {
  return {
    ethDst: 0,
    ethSrc: 0,
    source: new Uint32Array(4),
    destination: new Uint32Array(4),
    target: new Uint32Array(4),
    router: false,
    solicited: false,
    override: false,
    hasTargetLla: false,
    targetLla: 0,
  };
}

/**
 * Decodes the frame `buf[offset, offset+length)` as an NA into `out`, with
 * every check RFC 4861 §7.1.2 asks of a receiver. Returns undefined for a
 * valid NA, else the first reason it is not one (`out` is then meaningless).
 * `length` is the frame's length on the wire; the buffer must hold the whole
 * ICMPv6 message. Never reads outside the buffer, never throws.
 */
export function decodeNa(buf: Uint8Array, offset: number, length: number, out: NeighborAdvertisement): NaInvalidReason | undefined {
  const messageLength = checkNdpHeader(buf, offset, length, ICMPV6_NEIGHBOR_ADVERTISEMENT, 'not-na');
  if (typeof messageLength === 'string') return messageLength;
  const ip = offset + IPV6_OFFSET;
  const icmp = offset + ICMPV6_OFFSET;
  const end = icmp + messageLength;
  readIpv6(buf, icmp + 8, out.target);
  if (isIpv6Multicast(out.target)) return 'target-multicast';
  readIpv6(buf, ip + 24, out.destination);
  const flags = buf[icmp + 4]!;
  if ((flags & FLAG_SOLICITED) !== 0 && isIpv6Multicast(out.destination)) return 'solicited-multicast';
  const lla = scanLlaOption(buf, icmp + NA_MESSAGE_LENGTH, end, OPTION_TARGET_LLA, 'target-lla');
  if (typeof lla === 'string') return lla;
  out.hasTargetLla = lla !== LLA_ABSENT;
  out.targetLla = lla === LLA_ABSENT ? 0 : readMac(buf, lla);
  readIpv6(buf, ip + 8, out.source);
  out.ethDst = readMac(buf, offset);
  out.ethSrc = readMac(buf, offset + 6);
  out.router = (flags & FLAG_ROUTER) !== 0;
  out.solicited = (flags & FLAG_SOLICITED) !== 0;
  out.override = (flags & FLAG_OVERRIDE) !== 0;
  return undefined;
}

/**
 * The MAC an NA tells its receivers to use for the target: the Target LLA
 * option's, or the frame's Ethernet source when the option is absent (RFC
 * 4861 §7.2.5 leaves the cache as it is then; the sender is still who spoke).
 */
export function advertisedMac(na: NeighborAdvertisement): number {
  return na.hasTargetLla ? na.targetLla : na.ethSrc;
}
