/**
 * What kind of foreign claim on a VIP a frame is, for both protocols, and
 * what each kind means for a handover. Pure.
 */
import { ARPOP_REPLY, type ArpFrame } from '../wire/arp.js';
import type { NdpClaimKind } from '../responder/ndp-rules.js';

/**
 * ARP (IPv4):
 * - `gratuitous`: sender IP = target IP, request or reply form: a host
 *   announcing the VIP as its own (a second director, a realserver bringing the
 *   VIP up on eth0, or the §6.7.3 boot-order trap).
 * - `reply`: an answer to someone's who-has VIP: a realserver whose kernel
 *   answers for the VIP (HOWTO §6.1).
 * - `request-as-sender`: "who-has X tell VIP": a realserver asking for the
 *   gateway with the VIP as source (HOWTO §6.14, problem 3; §6.8 "fatal
 *   attractor"); every listener that caches the sender learns the wrong MAC.
 */
export type ArpConflictKind = 'reply' | 'request-as-sender' | 'gratuitous';

/** Both protocols' kinds: ARP's above, NDP's (`advertisement`, `solicited-advertisement`, `dad-probe`, `solicitation-source`: ndp-rules.ts). */
export type ConflictKind = ArpConflictKind | NdpClaimKind;

/** Each kind's count, zero for every kind of the record's protocol. */
export type ConflictKindCounts = Partial<Record<ConflictKind, number>>;

/** Classifies a frame already known to carry one of our VIPs as sender IP. */
export function classifyConflict(frame: Readonly<ArpFrame>): ArpConflictKind {
  if (frame.senderIp === frame.targetIp) return 'gratuitous';
  return frame.op === ARPOP_REPLY ? 'reply' : 'request-as-sender';
}

/**
 * What a claim of `kind` is in a handover: `announcement`, a host saying the
 * VIP is its own (another director's takeover: gratuitous ARP, an unsolicited
 * NA); `answer`, a reply to a request or a solicited NA (the new MASTER
 * answering, or a realserver leaking one); `leak`, never a director's (a request or NS with the VIP as
 * source, a DAD probe for an address a director keeps on lo with nodad).
 */
export function handoverRole(kind: ConflictKind): 'announcement' | 'answer' | 'leak' {
  switch (kind) {
    case 'gratuitous':
    case 'advertisement':
      return 'announcement';
    case 'reply':
    case 'solicited-advertisement':
      return 'answer';
    case 'request-as-sender':
    case 'solicitation-source':
    case 'dad-probe':
      return 'leak';
  }
}

/** The zeroed per-kind counts of a record of `kind`'s protocol. */
export function zeroKindCounts(kind: ConflictKind): ConflictKindCounts {
  return kind === 'reply' || kind === 'request-as-sender' || kind === 'gratuitous'
    ? { reply: 0, 'request-as-sender': 0, gratuitous: 0 }
    : { advertisement: 0, 'solicited-advertisement': 0, 'dad-probe': 0, 'solicitation-source': 0 };
}
