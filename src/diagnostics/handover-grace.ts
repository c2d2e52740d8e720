/**
 * HandoverGrace: what a MASTER does with another director's gratuitous claim
 * on one of its VIPs. That claim is either a make-before-break handover
 * (keepalived may run `takeover` on the new MASTER before `release` here) or
 * a split brain, and only time tells them apart: the HA manager's release
 * ends a handover within moments, a split brain outlasts any wait. So the
 * first such claim opens a grace for the VIP's group; the caller holds its
 * defence and its scheduled rounds meanwhile. The group leaving MASTER ends
 * the grace as a handover (`end`); a grace that runs out calls `onExpired`
 * with what was claimed, and the caller decides whether it is still MASTER.
 * Pure apart from the injected clock's timer.
 */
import type { VipKey } from '../vips/address-family.js';

/**
 * The time source and timer a grace needs, injected so tests drive it with
 * a fake clock (the announcer's `Clock`, announcer/clock.ts, is one).
 */
export interface GraceTimer {
  /** monotonic ms */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** One VIP claimed during a grace, by the latest MAC that claimed it. */
export interface GraceClaim {
  iface: string;
  vip: VipKey;
  mac: number;
  /** the MAC is in `diagnostics.peers`: expected, never defended against */
  peer: boolean;
}

/** A grace that ran out with the group (as far as this module knows) still MASTER. */
export interface ExpiredGrace {
  group: string;
  /** clock ms when the grace opened */
  openedAt: number;
  /** one per VIP claimed, in the order first claimed */
  claims: GraceClaim[];
}

export interface HandoverGraceOptions {
  /** the grace to open with (`diagnostics.handoverGraceMs`, read at each opening so a reload applies) */
  graceMs: () => number;
  clock: GraceTimer;
  onExpired: (grace: ExpiredGrace) => void;
}

interface OpenGrace {
  openedAt: number;
  timer: unknown;
  claims: Map<VipKey, GraceClaim>;
}

export class HandoverGrace {
  private readonly open = new Map<string, OpenGrace>();

  constructor(private readonly opts: HandoverGraceOptions) {}

  /**
   * Adds a claim to `group`'s grace, opening one if none is open. Returns
   * true when this call opened it (the caller starts holding), false when it
   * joined an open one.
   */
  claim(group: string, c: GraceClaim): boolean {
    const open = this.open.get(group);
    if (open !== undefined) {
      const seen = open.claims.get(c.vip);
      if (seen === undefined) open.claims.set(c.vip, { ...c });
      else Object.assign(seen, c);
      return false;
    }
    const timer = this.opts.clock.setTimeout(() => this.expire(group), this.opts.graceMs());
    this.open.set(group, { openedAt: this.opts.clock.now(), timer, claims: new Map([[c.vip, { ...c }]]) });
    return true;
  }

  /** Whether `group` has a grace open, and `mac` (if given) claimed in it. */
  isOpen(group: string, mac?: number): boolean {
    const open = this.open.get(group);
    if (open === undefined) return false;
    if (mac === undefined) return true;
    for (const c of open.claims.values()) if (c.mac === mac) return true;
    return false;
  }

  /**
   * The group's role changed (it left MASTER: the release came): closes its
   * grace without expiring it. Returns how long it was open (ms), or
   * undefined when none was.
   */
  end(group: string): number | undefined {
    const open = this.open.get(group);
    if (open === undefined) return undefined;
    this.opts.clock.clearTimeout(open.timer);
    this.open.delete(group);
    return this.opts.clock.now() - open.openedAt;
  }

  /** Closes every grace without expiring it (the monitor stops). Returns the groups that had one. */
  clear(): string[] {
    const groups = [...this.open.keys()];
    for (const open of this.open.values()) this.opts.clock.clearTimeout(open.timer);
    this.open.clear();
    return groups;
  }

  private expire(group: string): void {
    const open = this.open.get(group);
    if (open === undefined) return;
    this.open.delete(group);
    this.opts.onExpired({ group, openedAt: open.openedAt, claims: [...open.claims.values()] });
  }
}
