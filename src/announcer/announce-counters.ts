/**
 * Counters of announcement frames (gratuitous ARP and unsolicited NA), per
 * group and interface, as plain numbers the metrics feature reads (no
 * metrics library in the hot path).
 */
import type { GarpForm } from '../wire/arp.js';
import type { NaForm } from './na-announce.js';

/** Frames of one group on one interface, for a family whose announcement has the forms `Form`. */
export type FrameCounts<Form extends string> = Record<Form, number> & {
  /** frames not sent: socket errors, interface missing, or retries exhausted */
  dropped: number;
  /** frames dropped from the queue because the group left MASTER, or its rounds were held, first */
  cancelled: number;
};

/** Every announcement form: gratuitous ARP's two (IPv4) and the unsolicited NA (IPv6). */
export type AnnounceForm = GarpForm | NaForm;

const FORMS: readonly AnnounceForm[] = ['request', 'reply', 'na'];

/** Announcement frames the kernel took, by form (ARP request, ARP reply, NA), and those not sent (both families). */
export type AnnounceFrameCounts = FrameCounts<AnnounceForm>;

/** Zeroed counts. */
export function zeroAnnounceFrameCounts(): AnnounceFrameCounts {
  return { request: 0, reply: 0, na: 0, dropped: 0, cancelled: 0 };
}

/** One row of {@link AnnounceCounters.rows}, for exporters. */
export interface AnnounceCounterRow {
  group: string;
  iface: string;
  mode: AnnounceForm;
  frames: number;
}

export class AnnounceCounters {
  /** group → interface → counts; entries are created on first use and kept. */
  readonly byGroup = new Map<string, Map<string, AnnounceFrameCounts>>();
  /** rounds started (takeover, refresh, reload, link-up, announceOnce) */
  rounds = 0;
  /** scheduled rounds skipped because another director claimed the group's VIPs (announcer `holdRounds`) */
  roundsHeld = 0;

  /** The counts object of (`group`, `iface`), created at zero if new. Callers keep it to count without lookups. */
  of(group: string, iface: string): AnnounceFrameCounts {
    let byIface = this.byGroup.get(group);
    if (byIface === undefined) this.byGroup.set(group, (byIface = new Map()));
    let counts = byIface.get(iface);
    if (counts === undefined) byIface.set(iface, (counts = zeroAnnounceFrameCounts()));
    return counts;
  }

  /** Frames sent, one row per (group, interface, form). */
  rows(): AnnounceCounterRow[] {
    const out: AnnounceCounterRow[] = [];
    for (const [group, byIface] of this.byGroup) {
      for (const [iface, c] of byIface) for (const mode of FORMS) out.push({ group, iface, mode, frames: c[mode] });
    }
    return out;
  }

  /** Sum over every group and interface. */
  totals(): AnnounceFrameCounts {
    const t = zeroAnnounceFrameCounts();
    for (const byIface of this.byGroup.values()) for (const c of byIface.values()) addAnnounceFrameCounts(t, c);
    return t;
  }
}

/** Adds `c` into `sum`. */
export function addAnnounceFrameCounts(sum: AnnounceFrameCounts, c: Readonly<AnnounceFrameCounts>): void {
  for (const form of FORMS) sum[form] += c[form];
  sum.dropped += c.dropped;
  sum.cancelled += c.cancelled;
}
