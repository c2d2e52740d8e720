/**
 * Counters of gratuitous ARP frames, per group and interface, as plain
 * numbers the metrics feature reads (no metrics library in the hot path).
 */
import type { GarpForm } from '../wire/arp.js';

/** Frames of one group on one interface, for a family whose announcement has the forms `Form`. */
export type FrameCounts<Form extends string> = Record<Form, number> & {
  /** frames not sent: socket errors, interface missing, or retries exhausted */
  dropped: number;
  /** frames dropped from the queue because the group left MASTER, or its rounds were held, first */
  cancelled: number;
};

/** Gratuitous ARP frames the kernel took, by form (request, reply), and those not sent. */
export type GarpFrameCounts = FrameCounts<GarpForm>;

/** One row of {@link GarpCounters.rows}, for exporters. */
export interface GarpCounterRow {
  group: string;
  iface: string;
  mode: GarpForm;
  frames: number;
}

export class GarpCounters {
  /** group → interface → counts; entries are created on first use and kept. */
  readonly byGroup = new Map<string, Map<string, GarpFrameCounts>>();
  /** rounds started (takeover, refresh, reload, link-up, announceOnce) */
  rounds = 0;
  /** scheduled rounds skipped because another director claimed the group's VIPs (announcer `holdRounds`) */
  roundsHeld = 0;

  /** The counts object of (`group`, `iface`), created at zero if new. Callers keep it to count without lookups. */
  of(group: string, iface: string): GarpFrameCounts {
    let byIface = this.byGroup.get(group);
    if (byIface === undefined) this.byGroup.set(group, (byIface = new Map()));
    let counts = byIface.get(iface);
    if (counts === undefined) byIface.set(iface, (counts = { request: 0, reply: 0, dropped: 0, cancelled: 0 }));
    return counts;
  }

  /** Frames sent, one row per (group, interface, form). */
  rows(): GarpCounterRow[] {
    const out: GarpCounterRow[] = [];
    for (const [group, byIface] of this.byGroup) {
      for (const [iface, c] of byIface) {
        out.push({ group, iface, mode: 'request', frames: c.request }, { group, iface, mode: 'reply', frames: c.reply });
      }
    }
    return out;
  }

  /** Sum over every group and interface. */
  totals(): GarpFrameCounts {
    const t = { request: 0, reply: 0, dropped: 0, cancelled: 0 };
    for (const byIface of this.byGroup.values()) {
      for (const c of byIface.values()) {
        t.request += c.request;
        t.reply += c.reply;
        t.dropped += c.dropped;
        t.cancelled += c.cancelled;
      }
    }
    return t;
  }
}
