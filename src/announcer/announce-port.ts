/**
 * What the rest of the daemon may ask of the announcer (announcer.ts):
 * control's `garp` and the conflict monitor's defence and handover hold.
 */
import type { VipSet } from '../vips/vip-table.js';

export interface AnnouncePort {
  /** Sends one announcement round for `sets` now (paced), in each group's configured mode; non-MASTER groups are skipped. */
  announceOnce(sets: readonly VipSet[], reason: string): void;
  /**
   * Holds `group`'s own scheduled rounds (bursts, refresh, reload and link-up
   * rounds; `announceOnce` still goes out) and drops its frames still queued,
   * until {@link AnnouncePort.resumeRounds} or the group's next role change.
   */
  holdRounds(group: string): void;
  /** Ends a hold of {@link AnnouncePort.holdRounds}; rounds skipped meanwhile are not sent late. */
  resumeRounds(group: string): void;
}
