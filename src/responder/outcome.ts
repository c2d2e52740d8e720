/**
 * Every received frame ends in exactly one outcome, counted per interface.
 * Each protocol has its own outcome set (ARP's below; the rules that lead to
 * each are listed, in order, in arp-rules.ts) and counts it the same way: a
 * plain number per outcome (zeroCounts), which metrics and status read.
 */
import { MALFORMED_REASONS, type MalformedReason } from '../wire/arp.js';

export type Outcome =
  | 'answered'
  /** target IP is not a VIP anywhere */
  | 'not-a-vip'
  /** target IP is a VIP, but on another interface */
  | 'wrong-interface'
  /** the VIP's group is BACKUP or FAULT here */
  | 'not-master'
  /** an ARP reply: nothing to answer (may still be a conflict) */
  | 'not-request'
  /** a gratuitous request (sender IP = target IP): an announcement, never answered */
  | 'gratuitous'
  /** addressed to a MAC that does not answer for the VIP: a multicast MAC, another group's MAC */
  | 'not-for-us'
  /** tagged for a VLAN this interface has no device for (802.1Q/802.1ad VID other than 0) */
  | 'foreign-vlan'
  /** the kernel marked it PACKET_OTHERHOST: unicast to another host's MAC */
  | 'other-host'
  /** a request from a sender IP the kernel never answers (loopback, multicast, broadcast, 0/8, 240/4) */
  | 'martian-sender'
  | `malformed:${MalformedReason}`;

export const OUTCOMES: readonly Outcome[] = [
  'answered',
  'not-a-vip',
  'wrong-interface',
  'not-master',
  'not-request',
  'gratuitous',
  'not-for-us',
  'foreign-vlan',
  'other-host',
  'martian-sender',
  ...MALFORMED_REASONS.map((r) => `malformed:${r}` as const),
];

/** A counter per outcome of one protocol's set (ARP's by default). */
export type OutcomeCounts<O extends string = Outcome> = Record<O, number>;

/** A counter per outcome of `outcomes`, all zero. */
export function zeroCounts<O extends string>(outcomes: readonly O[]): OutcomeCounts<O> {
  return Object.fromEntries(outcomes.map((o) => [o, 0])) as OutcomeCounts<O>;
}

/** A counter per ARP outcome, all zero. */
export function zeroOutcomeCounts(): OutcomeCounts {
  return zeroCounts(OUTCOMES);
}
