/**
 * Every NDP frame the NDP socket receives ends in exactly one outcome,
 * counted per interface, named in the style of the ARP outcomes (outcome.ts).
 * The rules that lead to each are listed, in order, in ndp-rules.ts.
 */
import { NS_INVALID_REASONS, type NsInvalidReason } from '../wire/ndp.js';
import { NA_INVALID_REASONS, type NaInvalidReason } from '../wire/ndp-advert.js';

export type NdpOutcome =
  | 'answered'
  /** target is not a VIP anywhere */
  | 'not-a-vip'
  /** target is a VIP, but on another interface */
  | 'wrong-interface'
  /** the VIP's group is BACKUP or FAULT here */
  | 'not-master'
  /** a valid NA: nothing to answer (may still be a conflict) */
  | 'advertisement'
  /** addressed (IPv6 or Ethernet destination) to neither the target's solicited-node group nor the VIP at the MAC that answers for it */
  | 'not-for-us'
  /** tagged for a VLAN this interface has no device for (802.1Q/802.1ad VID other than 0) */
  | 'foreign-vlan'
  /** the kernel marked it PACKET_OTHERHOST: unicast to another host's MAC */
  | 'other-host'
  /** an NS from a source the kernel never accepts (multicast, loopback) */
  | 'martian-source'
  /** an NS failing a check of RFC 4861 §7.1.1 (../wire/ndp.ts) */
  | `malformed:${NsInvalidReason}`
  /** an NA failing a check of RFC 4861 §7.1.2 */
  | `malformed-na:${NaInvalidReason}`;

export const NDP_OUTCOMES: readonly NdpOutcome[] = [
  'answered',
  'not-a-vip',
  'wrong-interface',
  'not-master',
  'advertisement',
  'not-for-us',
  'foreign-vlan',
  'other-host',
  'martian-source',
  ...NS_INVALID_REASONS.map((r) => `malformed:${r}` as const),
  ...NA_INVALID_REASONS.map((r) => `malformed-na:${r}` as const),
];

export type NdpOutcomeCounts = Record<NdpOutcome, number>;

/** Returns a counter per NDP outcome, all zero. */
export function zeroNdpOutcomeCounts(): NdpOutcomeCounts {
  return Object.fromEntries(NDP_OUTCOMES.map((o) => [o, 0])) as NdpOutcomeCounts;
}
