/**
 * What kind of foreign claim on a VIP a frame is. Pure.
 */
import { ARPOP_REPLY, type ArpFrame } from '../wire/arp.js';

/**
 * - `gratuitous`: sender IP = target IP, request or reply form: a host
 *   announcing the VIP as its own (a second director, a realserver bringing the
 *   VIP up on eth0, or the §6.7.3 boot-order trap).
 * - `reply`: an answer to someone's who-has VIP: a realserver whose kernel
 *   answers for the VIP (HOWTO §6.1).
 * - `request-as-sender`: "who-has X tell VIP": a realserver asking for the
 *   gateway with the VIP as source (HOWTO §6.14, problem 3; §6.8 "fatal
 *   attractor"); every listener that caches the sender learns the wrong MAC.
 */
export type ConflictKind = 'reply' | 'request-as-sender' | 'gratuitous';

/** Classifies a frame already known to carry one of our VIPs as sender IP. */
export function classifyConflict(frame: Readonly<ArpFrame>): ConflictKind {
  if (frame.senderIp === frame.targetIp) return 'gratuitous';
  return frame.op === ARPOP_REPLY ? 'reply' : 'request-as-sender';
}
