/**
 * Fixtures for the announcer and state-file unit tests: a fake clock, a
 * recording FrameConn, and a real Daemon on `lo` whose wire is that fake (no
 * root, no packets leave).
 */
import { createLogger } from '../../src/log.js';
import { Daemon, type DaemonFeature } from '../../src/daemon/daemon.js';
import { buildSnapshot, type Snapshot } from '../../src/config/snapshot.js';
import { normalizeGroup } from '../../src/config/group-config.js';
import type { DaemonConfig } from '../../src/config/load-config.js';
import type { FrameBatch, FrameConn } from '../../src/io/frame-conn.js';
import type { Clock } from '../../src/announcer/clock.js';
import { decodeArp, emptyArpFrame, type ArpFrame } from '../../src/wire/arp.js';

/** A clock whose time moves only when the test says so. */
export class FakeClock implements Clock {
  time = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): number {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  /** Moves time forward by `ms`, firing due timers in time order (timers they set fire too when due). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (next === undefined || e[1].at < next[1].at)) next = e;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].fn();
    }
    this.time = end;
  }
}

/** A sent frame with the (fake) time it was sent. */
export interface SentFrame extends ArpFrame {
  at: number;
}

/** FrameConn fake: decodes and records every frame sent; `refuse` makes send fail or take fewer. */
export class RecordingConn implements FrameConn {
  sent: SentFrame[] = [];
  sends = 0;
  /** frames accepted per call (the rest are "refused", as sendmmsg returning a short count) */
  accept = Infinity;
  /** thrown by send when set */
  error: (Error & { code?: string }) | undefined;
  constructor(private readonly clock: { now(): number } = { now: () => 0 }) {}
  start(): void {}
  send(batch: FrameBatch): number {
    this.sends++;
    if (this.error !== undefined) throw this.error;
    const n = Math.min(batch.count, this.accept);
    for (let i = 0; i < n; i++) {
      const f = emptyArpFrame();
      const bad = decodeArp(batch.buf, i * batch.slotSize, batch.lengths[i]!, f);
      if (bad !== undefined) throw new Error(`sent a malformed frame: ${bad}`);
      this.sent.push({ ...f, at: this.clock.now() });
    }
    return n;
  }
  close(): void {}
}

/** A DaemonConfig around `groups` (raw group objects as in the config file). */
export function configWith(groups: Record<string, unknown>[], extra: Partial<DaemonConfig> = {}): DaemonConfig {
  return {
    groups: groups.map(normalizeGroup),
    stateFile: '/nonexistent/state.json',
    control: { socket: '', mode: '0660', group: '', maxClients: 32, maxLineBytes: 65536, idleTimeoutMs: 30000 },
    announce: { maxFramesPerSecond: 0 },
    keepalived: { notifyFifo: '' },
    watch: { enabled: false, debounceMs: 100 },
    metrics: { listen: '' },
    diagnostics: { peers: [], defendIntervalMs: 10000, handoverGraceMs: 2000 },
    fastPath: 'off',
    log: { level: 'silent' },
    ...extra,
  };
}

export function snapshotOf(config: DaemonConfig): Snapshot {
  return buildSnapshot(config);
}

/** A daemon on `lo` whose wire is `conn`, started with `features`. */
export async function startDaemon(config: DaemonConfig, conn: FrameConn, features: DaemonFeature[]): Promise<Daemon> {
  const daemon = new Daemon({ log: createLogger('silent'), features, openConn: () => conn });
  await daemon.start(snapshotOf(config));
  return daemon;
}
