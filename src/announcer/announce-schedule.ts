/**
 * When the rounds of an announcement burst go out (gratuitous ARP and
 * unsolicited NA keep the same `garp` schedule), and which gratuitous ARP
 * forms a `garp.mode` sends. Pure; the announcer turns the offsets into timers.
 */
import type { GarpConfig, GarpMode } from '../config/group-config.js';
import type { GarpForm } from '../wire/arp.js';

const FORMS: Record<GarpMode, readonly GarpForm[]> = {
  request: ['request'],
  reply: ['reply'],
  // Both forms, request first: some routers heed only one kind
  // (resource-agents PR #977, kube-vip PR #82); send_arp sends this pair too.
  both: ['request', 'reply'],
};

/** The frame forms sent for each VIP in one round of `mode`. */
export function garpForms(mode: GarpMode): readonly GarpForm[] {
  return FORMS[mode];
}

/**
 * Offsets (ms after the takeover) of every round of a takeover burst: `count`
 * rounds `intervalMs` apart, and when `delayMs` > 0 a second block of `count`
 * rounds starting `delayMs` after the takeover (keepalived's
 * garp_master_delay / garp_master_repeat). Ascending; the first is 0.
 */
export function takeoverRoundOffsets(garp: Pick<GarpConfig, 'count' | 'intervalMs' | 'delayMs'>): number[] {
  const block = (start: number): number[] => Array.from({ length: garp.count }, (_, i) => start + i * garp.intervalMs);
  const offsets = block(0);
  if (garp.delayMs > 0) offsets.push(...block(garp.delayMs));
  return offsets.sort((a, b) => a - b);
}

/** Offsets of the rounds announcing VIPs added to a MASTER group by a reload: one block, no delayed second block. */
export function addedRoundOffsets(garp: Pick<GarpConfig, 'count' | 'intervalMs'>): number[] {
  return takeoverRoundOffsets({ ...garp, delayMs: 0 });
}
