/**
 * DefenceLimiter: at most one defence per VIP per interval. RFC 5227 §2.4(c):
 * a host that sees a conflicting ARP for an address it owns may defend it with
 * one announcement, but not again within DEFEND_INTERVAL (10 s); the cap is
 * what keeps two directors in split brain (or a flooding peer) from turning
 * the defence into a GARP storm. Keyed by VipKey: IPv4 and IPv6 VIPs alike.
 */
import type { VipKey } from '../vips/address-family.js';

/** RFC 5227 DEFEND_INTERVAL, the default of `diagnostics.defendIntervalMs`. */
export const DEFEND_INTERVAL_MS = 10_000;

export class DefenceLimiter {
  /** defences allowed */
  allowed = 0;
  /** defences refused because the VIP was defended within the interval */
  suppressed = 0;
  private readonly lastByVip = new Map<VipKey, number>();

  constructor(private readonly intervalMs: number = DEFEND_INTERVAL_MS) {}

  /** True (and remembers `now`) when `vip` was not defended within the interval. */
  tryDefend(vip: VipKey, now: number): boolean {
    const last = this.lastByVip.get(vip);
    if (last !== undefined && now - last < this.intervalMs) {
      this.suppressed++;
      return false;
    }
    this.lastByVip.set(vip, now);
    this.allowed++;
    return true;
  }

  /** When `vip` was last defended (epoch ms), if ever. */
  lastDefended(vip: VipKey): number | undefined {
    return this.lastByVip.get(vip);
  }
}
