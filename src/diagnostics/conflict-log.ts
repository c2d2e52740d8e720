/**
 * ConflictLog: every (VIP, foreign MAC) pair seen claiming one of our VIPs,
 * with counts and times, and the decision when a log line is due. It sits on
 * the receive path, so `observe` is two Map lookups and a few counter updates:
 * no allocation except the first time a pair is seen, no I/O, no logging.
 */
import { zeroKindCounts, type ConflictKind, type ConflictKindCounts } from './conflict-kind.js';
import type { VipKey } from '../vips/address-family.js';

/**
 * A pair that keeps claiming the VIP is logged again at most this often,
 * with the count since the last line: enough to see it is still happening,
 * not enough to flood the journal when a realserver leaks ARP all day.
 */
export const CONFLICT_RELOG_MS = 60_000;
/**
 * Log lines per second over all pairs: a flood with spoofed MACs makes a new
 * pair per frame, and each first sighting would be a line.
 */
export const CONFLICT_LOGS_PER_SECOND = 10;
/**
 * Pairs remembered. A spoofing flood could create one per frame; past this
 * the frames are still counted (`untracked`) but no new pair is stored.
 */
export const MAX_CONFLICT_RECORDS = 4096;

export interface ConflictRecord {
  /** the VIP claimed, family-tagged by its key type (address-family.ts) */
  readonly vip: VipKey;
  readonly mac: number;
  iface: string;
  group: string;
  /** epoch ms */
  readonly firstSeen: number;
  lastSeen: number;
  count: number;
  /** kind of the latest frame */
  kind: ConflictKind;
  /** frames per kind, every kind of the VIP's protocol listed */
  kinds: ConflictKindCounts;
  /** the host's IP from the director's neighbour table; null = looked up, unknown; undefined = not yet */
  hostIp: string | null | undefined;
  /** when the last log line for this pair was written (0 = never) */
  loggedAt: number;
  /** count when the last log line was written */
  loggedCount: number;
  /** when a handover grace for this claim ran out with this director still MASTER (epoch ms; 0 = never) */
  splitBrainAt: number;
}

export interface ConflictLogOptions {
  relogMs?: number;
  logsPerSecond?: number;
  maxRecords?: number;
}

export class ConflictLog {
  /** frames seen claiming a VIP with a foreign MAC */
  frames = 0;
  /** frames of pairs not stored because {@link MAX_CONFLICT_RECORDS} was reached */
  untracked = 0;
  /** log lines not written because of the global rate limit */
  logsSuppressed = 0;
  private readonly byVip = new Map<VipKey, Map<number, ConflictRecord>>();
  private size = 0;
  private readonly relogMs: number;
  private readonly logsPerSecond: number;
  private readonly maxRecords: number;
  private logWindowStart = 0;
  private logsInWindow = 0;

  constructor(opts: ConflictLogOptions = {}) {
    this.relogMs = opts.relogMs ?? CONFLICT_RELOG_MS;
    this.logsPerSecond = opts.logsPerSecond ?? CONFLICT_LOGS_PER_SECOND;
    this.maxRecords = opts.maxRecords ?? MAX_CONFLICT_RECORDS;
  }

  /**
   * Counts one frame of `mac` claiming `vip`. Returns the pair's record when
   * a log line is due now (the first sighting, or {@link CONFLICT_RELOG_MS}
   * since the last line and the global budget allows), else undefined.
   * The caller logs and then calls {@link markLogged}.
   */
  observe(iface: string, group: string, vip: VipKey, mac: number, kind: ConflictKind, now: number): ConflictRecord | undefined {
    this.frames++;
    let macs = this.byVip.get(vip);
    let rec = macs?.get(mac);
    if (rec === undefined) {
      if (this.size >= this.maxRecords) {
        this.untracked++;
        return undefined;
      }
      if (macs === undefined) this.byVip.set(vip, (macs = new Map()));
      rec = {
        vip,
        mac,
        iface,
        group,
        firstSeen: now,
        lastSeen: now,
        count: 0,
        kind,
        kinds: zeroKindCounts(kind),
        hostIp: undefined,
        loggedAt: 0,
        loggedCount: 0,
        splitBrainAt: 0,
      };
      macs.set(mac, rec);
      this.size++;
    }
    rec.iface = iface;
    rec.group = group;
    rec.lastSeen = now;
    rec.count++;
    rec.kind = kind;
    rec.kinds[kind] = (rec.kinds[kind] ?? 0) + 1;
    if (rec.loggedAt !== 0 && now - rec.loggedAt < this.relogMs) return undefined;
    if (now - this.logWindowStart >= 1000) {
      this.logWindowStart = now;
      this.logsInWindow = 0;
    }
    if (this.logsInWindow >= this.logsPerSecond) {
      this.logsSuppressed++;
      return undefined;
    }
    this.logsInWindow++;
    // Claim the slot now, so frames arriving while the caller looks up the
    // host's IP do not ask for a second line.
    rec.loggedAt = now;
    return rec;
  }

  /** The record of `mac` claiming `vip`, if stored. */
  get(vip: VipKey, mac: number): ConflictRecord | undefined {
    return this.byVip.get(vip)?.get(mac);
  }

  /** Records that a line covering the pair's count so far was written. */
  markLogged(rec: ConflictRecord): void {
    rec.loggedCount = rec.count;
  }

  /** Every pair, most recently seen first. */
  records(): ConflictRecord[] {
    const out: ConflictRecord[] = [];
    for (const macs of this.byVip.values()) out.push(...macs.values());
    return out.sort((a, b) => b.lastSeen - a.lastSeen);
  }

  /** Number of pairs stored. */
  get pairs(): number {
    return this.size;
  }

  /** Forgets every pair (the counters stay: they are monotonic for metrics). */
  clear(): void {
    this.byVip.clear();
    this.size = 0;
  }
}
