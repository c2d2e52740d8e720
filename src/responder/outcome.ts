/**
 * Every received frame ends in exactly one outcome, counted per interface.
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
  /** unicast to a MAC that is not ours (seen only in promiscuous mode) */
  | 'not-for-us'
  | `malformed:${MalformedReason}`;

export const OUTCOMES: readonly Outcome[] = [
  'answered', 'not-a-vip', 'wrong-interface', 'not-master', 'not-request', 'gratuitous', 'not-for-us',
  ...MALFORMED_REASONS.map((r) => `malformed:${r}` as const),
];

export type OutcomeCounts = Record<Outcome, number>;

/** Returns a counter per outcome, all zero. */
export function zeroOutcomeCounts(): OutcomeCounts {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;
}
