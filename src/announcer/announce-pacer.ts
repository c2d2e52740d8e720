/**
 * AnnouncePacer: one per interface. Queues announcement rounds of either
 * family — gratuitous ARP and unsolicited NA, the frame bytes from each
 * round's per-family encoder (announce-encoder.ts) — and puts their frames
 * on the wire in small sendmmsg batches, never faster than
 * `announce.maxFramesPerSecond` (keepalived's vrrp_garp_interval idea: a
 * thousand VIPs must not hit a switch's CPU in one millisecond). Frames are
 * encoded at send time into one preallocated TxBatch, so a queued round costs
 * one small object, not one buffer per frame.
 *
 * The first batch of a round leaves synchronously inside `enqueue` when the
 * bucket has tokens, so a takeover's first GARP or NA is on the wire before
 * the role-change handler returns.
 */
import type { Logger } from '../log/log.js';
import type { FrameConn } from '../io/frame-conn.js';
import { TxBatch } from '../io/tx-batch.js';
import type { AnnounceEncoder } from './announce-encoder.js';
import type { FrameCounts } from './announce-counters.js';
import { TokenBucket } from './token-bucket.js';
import { SendErrorLog, sendErrorKind, trySend, type SendOutcome } from '../io/send-errors.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';

/**
 * Frames per sendmmsg call at most. A paced round sends ~10 per tick anyway
 * (PACER_TICK_MS), so this bounds unpaced rounds and the catch-up after a
 * stall. It equalled the receive batch when chosen; that grew to 256 (RX_BATCH)
 * for the ARP flood benchmark, a reason that does not apply to GARPs.
 */
export const MAX_TX_BATCH = 64;
/**
 * Bytes per frame slot: the longest announcement, an 86-byte unsolicited NA
 * (wire/ndp.ts NDP_FRAME_LENGTH), rounded up; a GARP (42) fits too. With the
 * ARP-sized default, each NA would overwrite the previous one's tail.
 */
export const ANNOUNCE_SLOT_SIZE = 128;
/**
 * Pacing granularity. Node timers fire ~1 ms late at best; waking every 5 ms
 * keeps the default 2000 frames/s at 10 frames per sendmmsg, and the bucket
 * holds one tick's worth, so any window exceeds the rate by at most that.
 */
export const PACER_TICK_MS = 5;
/**
 * Unpaced (maxFramesPerSecond 0) frames per event-loop turn: ~1-3 ms of
 * sendmmsg, so a 10,000-VIP round does not keep the responder and the control
 * socket waiting for its whole length.
 */
export const UNPACED_FRAMES_PER_TURN = 4096;
/** Wait after the kernel refused frames (EAGAIN/ENOBUFS: socket buffer or qdisc full) before retrying. */
export const TX_RETRY_MS = 2;
/** Consecutive refused sends before the queue is dropped (~100 ms of a jammed interface). */
export const MAX_TX_STALLS = 50;

/** One queued round for one group on this interface. */
interface Job {
  readonly group: string;
  /** jobs with the same key coalesce while not yet started; undefined = never */
  readonly key: string | undefined;
  ips: ArrayLike<number>;
  forms: readonly string[];
  encoder: AnnounceEncoder;
  mac: number;
  readonly counts: FrameCounts<string>;
  /** frames = addresses × forms; frame i is address i / forms in forms[i % forms] */
  total: number;
  next: number;
}

export interface AnnouncePacerOptions {
  iface: string;
  /** The interface's current connection; undefined while the interface is missing. */
  wire: () => FrameConn | undefined;
  /** frames per second; 0 = unpaced */
  maxFramesPerSecond: number;
  log: Logger;
  clock?: Clock;
}

/** What one round asks of the pacer, for one address family (the encoder's). */
export interface PacedRound<Form extends string = string> {
  group: string;
  /** coalescing key: a queued, not yet started round with the same key is replaced instead of queued twice */
  key?: string;
  /** the VIPs to announce, `encoder.wordsPerAddress` words each (a table's array is not copied) */
  ips: ArrayLike<number>;
  forms: readonly Form[];
  /** the bytes of one frame of the round's family */
  encoder: AnnounceEncoder<Form>;
  /** sender MAC */
  mac: number;
  counts: FrameCounts<Form>;
}

export class AnnouncePacer {
  readonly iface: string;
  private readonly opts: AnnouncePacerOptions;
  private readonly clock: Clock;
  private readonly bucket: TokenBucket | undefined;
  private readonly tx = new TxBatch(MAX_TX_BATCH, ANNOUNCE_SLOT_SIZE);
  private jobs: Job[] = [];
  private turn = 0;
  private timer: TimerHandle | undefined;
  private stalls = 0;
  private closed = false;
  private readonly log: Logger;
  private readonly sendErrors: SendErrorLog;

  constructor(opts: AnnouncePacerOptions) {
    this.opts = opts;
    this.iface = opts.iface;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log;
    this.sendErrors = new SendErrorLog(opts.log);
    const rate = opts.maxFramesPerSecond;
    this.bucket = rate > 0 ? new TokenBucket(rate, Math.max(1, (rate * PACER_TICK_MS) / 1000), this.clock.now()) : undefined;
  }

  /** Frames queued and not yet sent. */
  get queuedFrames(): number {
    let n = 0;
    for (const j of this.jobs) n += j.total - j.next;
    return n;
  }

  /** Queues a round; sends its first batch now when the bucket allows. */
  enqueue<Form extends string>(paced: PacedRound<Form>): void {
    if (this.closed) return;
    // Jobs of every family share the queue; a job only hands its own forms back to its own encoder and counts.
    const round = paced as unknown as PacedRound;
    const total = (round.ips.length / round.encoder.wordsPerAddress) * round.forms.length;
    if (total === 0) return;
    const pending = round.key === undefined ? undefined : this.jobs.find((j) => j.key === round.key && j.next === 0);
    if (pending !== undefined) {
      pending.ips = round.ips;
      pending.forms = round.forms;
      pending.encoder = round.encoder;
      pending.mac = round.mac;
      pending.total = total;
      return;
    }
    this.jobs.push({
      group: round.group,
      key: round.key,
      ips: round.ips,
      forms: round.forms,
      encoder: round.encoder,
      mac: round.mac,
      counts: round.counts,
      total,
      next: 0,
    });
    if (this.timer === undefined) this.pump();
  }

  /** Drops every queued frame of `group` (it left MASTER); returns how many. */
  cancelGroup(group: string): number {
    let cancelled = 0;
    this.jobs = this.jobs.filter((j) => {
      if (j.group !== group) return true;
      const left = j.total - j.next;
      j.counts.cancelled += left;
      cancelled += left;
      return false;
    });
    if (this.turn >= this.jobs.length) this.turn = 0;
    if (this.jobs.length === 0) this.clearTimer();
    return cancelled;
  }

  /** Stops: clears the timer and forgets the queue. Idempotent. */
  close(): void {
    this.closed = true;
    this.clearTimer();
    this.jobs = [];
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, ms);
  }

  /** Sends as many batches as the bucket allows, round-robin over jobs, then schedules the next wakeup. */
  private pump(): void {
    let budget = this.bucket === undefined ? UNPACED_FRAMES_PER_TURN : this.bucket.available(this.clock.now());
    while (this.jobs.length > 0 && budget > 0) {
      const conn = this.opts.wire();
      if (conn === undefined) {
        this.dropAll('interface missing');
        return;
      }
      const job = this.jobs[this.turn]!;
      const want = Math.min(budget, MAX_TX_BATCH, job.total - job.next);
      const { sent, error: err } = this.sendBatch(conn, job, want);
      this.bucket?.take(sent);
      budget -= sent;
      if (job.next >= job.total) this.removeJob(this.turn);
      else this.turn = (this.turn + 1) % this.jobs.length;
      if (sent === want) {
        this.stalls = 0;
        continue;
      }
      if (err !== undefined && sendErrorKind(err.code) !== 'transient') {
        // Keyed by group and code: a new kind of failure is told at once, a repeat once a minute.
        this.sendErrors.warn(job.group, err, { group: job.group }, 'cannot send gratuitous ARP; dropping the rest of this round');
        this.dropJob(job);
        continue;
      }
      if (++this.stalls > MAX_TX_STALLS) {
        this.dropAll('the kernel kept refusing frames');
        return;
      }
      this.schedule(TX_RETRY_MS);
      return;
    }
    if (this.jobs.length === 0) return;
    if (this.bucket === undefined) {
      this.schedule(0);
      return;
    }
    const wanted = Math.min(MAX_TX_BATCH, this.queuedFrames);
    this.schedule(Math.max(1, this.bucket.msUntil(wanted, this.clock.now())));
  }

  /** Encodes up to `want` frames of `job` and sends them in one sendmmsg; advances the job by what was sent. */
  private sendBatch(conn: FrameConn, job: Job, want: number): SendOutcome {
    const tx = this.tx;
    const { forms, encoder } = job;
    const n = forms.length;
    tx.count = 0;
    for (let i = job.next; i < job.next + want; i++) {
      tx.commit(encoder.encode(tx.buf, tx.nextOffset(), forms[i % n]!, job.mac, job.ips, (i / n) | 0));
    }
    const outcome = trySend(conn, tx);
    const sent = outcome.sent;
    tx.count = 0;
    for (let i = job.next; i < job.next + sent; i++) job.counts[forms[i % n]!]++;
    job.next += sent;
    return outcome;
  }

  private removeJob(index: number): void {
    this.jobs.splice(index, 1);
    if (index < this.turn) this.turn--;
    if (this.turn >= this.jobs.length) this.turn = 0;
  }

  private dropJob(job: Job): void {
    const index = this.jobs.indexOf(job);
    if (index < 0) return;
    job.counts.dropped += job.total - job.next;
    this.removeJob(index);
  }

  private dropAll(reason: string): void {
    const frames = this.queuedFrames;
    for (const j of this.jobs) j.counts.dropped += j.total - j.next;
    this.jobs = [];
    this.turn = 0;
    this.stalls = 0;
    this.log.warn({ frames, reason }, 'dropped queued gratuitous ARP frames');
  }
}
