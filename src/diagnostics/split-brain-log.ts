/**
 * SplitBrainLog: the split brains seen, one entry per group: a handover
 * grace that ran out with this director still MASTER while another director
 * claimed the group's VIPs. Feeds `status`, `conflicts` and the counters.
 * Pure: times are passed in.
 */
import { formatVipKey, type VipKey } from '../vips/address-family.js';
import { formatMac } from '../wire/mac.js';

/** One split brain as it is recorded. */
export interface SplitBrainEntry {
  group: string;
  iface: string;
  /** the first VIP claimed in the grace, and the MAC that claimed it */
  vip: VipKey;
  mac: number;
  /** VIPs claimed in the grace */
  vips: number;
  /** the MAC is a configured peer (`diagnostics.peers`): reported, not defended against */
  peer: boolean;
  /** the defence of the first VIP */
  defence: string;
}

/** One group's split brain as `status` shows it. */
export interface SplitBrainView {
  group: string;
  iface: string;
  vip: string;
  mac: string;
  vips: number;
  peer: boolean;
  defence: string;
  /** graces that ran out for this group */
  count: number;
  firstSeen: string;
  lastSeen: string;
}

interface Stored extends SplitBrainEntry {
  count: number;
  first: number;
  last: number;
}

export class SplitBrainLog {
  /** graces that ran out with this director still MASTER, over all groups */
  total = 0;
  private readonly byGroup = new Map<string, Stored>();

  /** Records one grace that ran out at `now` (epoch ms). */
  record(e: SplitBrainEntry, now: number): void {
    this.total++;
    const seen = this.byGroup.get(e.group);
    if (seen === undefined) this.byGroup.set(e.group, { ...e, count: 1, first: now, last: now });
    else Object.assign(seen, e, { count: seen.count + 1, last: now });
  }

  /** Groups whose last split brain is at or after `since`, most recent first. */
  since(since: number): SplitBrainView[] {
    return [...this.byGroup.values()]
      .filter((s) => s.last >= since)
      .sort((a, b) => b.last - a.last)
      .map((s) => ({
        group: s.group,
        iface: s.iface,
        vip: formatVipKey(s.vip),
        mac: formatMac(s.mac),
        vips: s.vips,
        peer: s.peer,
        defence: s.defence,
        count: s.count,
        firstSeen: new Date(s.first).toISOString(),
        lastSeen: new Date(s.last).toISOString(),
      }));
  }

  /** Forgets every entry (`conflicts --clear`); `total` stays monotonic for metrics. */
  clear(): void {
    this.byGroup.clear();
  }
}
