/**
 * Fixtures for the unit tests of the daemon's pieces: a fake clock, a
 * recording FrameConn, config helpers, and a daemon assembled from the same
 * ports the composition root joins, with fake links (startFakeDaemon). No
 * addon, no root: nothing here loads src/native/. A daemon with real
 * InterfaceLinks on `lo` is lo-daemon-fixture.ts.
 */
import { EventEmitter } from 'node:events';
import { createLogger, type Logger } from '../../src/log/log.js';
import { Daemon, type LinkOpener } from '../../src/daemon/daemon.js';
import type { DaemonFeature } from '../../src/daemon/feature.js';
import { SnapshotInForce } from '../../src/daemon/snapshot-in-force.js';
import { LinkSet } from '../../src/daemon/link-set.js';
import type { ServedLink } from '../../src/daemon/link-view.js';
import { RoleMachine } from '../../src/roles/role-machine.js';
import type { Role } from '../../src/roles/role.js';
import type { RoleChange } from '../../src/roles/role-source.js';
import type { ReloadEventMap } from '../../src/config/reload-events.js';
import type { SnapshotApplied } from '../../src/config/config-view.js';
import { CommandRegistry } from '../../src/control/command-registry.js';
import { buildSnapshot, type Snapshot } from '../../src/config/snapshot.js';
import { normalizeGroup } from '../../src/config/group-config.js';
import type { DaemonConfig } from '../../src/config/load-config.js';
import type { FrameBatch, FrameConn } from '../../src/io/frame-conn.js';
import type { Clock } from '../../src/announcer/clock.js';
import { decodeArp, emptyArpFrame, type ArpFrame } from '../../src/wire/arp.js';
import { decodeNa, emptyNeighborAdvertisement, type NeighborAdvertisement } from '../../src/wire/ndp-advert.js';
import { ETHERTYPE_IPV6 } from '../../src/wire/ndp.js';
import { formatIpv6 } from '../../src/wire/ipv6.js';

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

/** A sent NA, its target as text, with the (fake) time it was sent and its bytes. */
export interface SentNa extends NeighborAdvertisement {
  targetText: string;
  at: number;
  bytes: Buffer;
}

/** FrameConn fake: decodes and records every frame sent (ARP in `sent`, NA in `sentNa`); `refuse` makes send fail or take fewer. */
export class RecordingConn implements FrameConn {
  sent: SentFrame[] = [];
  sentNa: SentNa[] = [];
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
      const at = i * batch.slotSize;
      const length = batch.lengths[i]!;
      if (batch.buf.readUInt16BE(at + 12) === ETHERTYPE_IPV6) {
        const na = emptyNeighborAdvertisement();
        const bad = decodeNa(batch.buf, at, length, na);
        if (bad !== undefined) throw new Error(`sent a malformed NA: ${bad}`);
        this.sentNa.push({ ...na, targetText: formatIpv6(na.target), at: this.clock.now(), bytes: Buffer.from(batch.buf.subarray(at, at + length)) });
        continue;
      }
      const f = emptyArpFrame();
      const bad = decodeArp(batch.buf, at, length, f);
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
    ndp: { maxSolicitedNodeGroups: 4096 },
    log: { level: 'silent' },
    ...extra,
  };
}

export function snapshotOf(config: DaemonConfig): Snapshot {
  return buildSnapshot(config);
}

/** A link without a socket of its own: its wire is the test's conn. */
export class FakeLink implements ServedLink {
  closed = false;
  constructor(
    readonly iface: string,
    public wire: FrameConn | undefined,
    public macAddress = 0,
  ) {}
  close(): void {
    this.closed = true;
  }
}

/** Opens a FakeLink on `conn` for every interface. */
export function fakeLinkOpener(conn: FrameConn): LinkOpener<FakeLink> {
  return { open: (iface) => new FakeLink(iface, conn), stopped: () => {} };
}

/** What a test's features are built from: the ports of the composition root. */
export interface Ports<L extends ServedLink> {
  log: Logger;
  roles: RoleMachine;
  config: SnapshotInForce;
  vips: SnapshotInForce;
  links: LinkSet<L>;
  commands: CommandRegistry;
  /** reload events, emitted by the test (no reloader runs) */
  reloads: EventEmitter<ReloadEventMap>;
  startedAt: number;
  /** the daemon's apply */
  apply: (snapshot: Snapshot) => SnapshotApplied;
  /** the daemon's prepare (the reloader's port) */
  prepare: (snapshot: Snapshot) => Promise<() => SnapshotApplied>;
}

/** A started daemon and its ports, with the readings tests look at. */
export interface TestDaemon<L extends ServedLink> extends Ports<L> {
  daemon: Daemon<L>;
  inForce: SnapshotInForce;
  readonly groups: RoleMachine['groups'];
  readonly table: SnapshotInForce['table'];
  readonly generation: number;
  setRole(group: string, to: Role, source: string): RoleChange;
  stop(): Promise<void>;
}

export interface FixtureOptions {
  log?: Logger;
  /** start the role machine first, persisting with the boot id read here (off: roles are not persisted) */
  bootIdPath?: string;
}

export type Build<L extends ServedLink> = (ports: Ports<L>) => DaemonFeature[];

export async function assemble<L extends ServedLink>(
  config: DaemonConfig | Snapshot,
  opener: (vips: SnapshotInForce) => LinkOpener<L>,
  build: Build<L>,
  opts: FixtureOptions,
): Promise<TestDaemon<L>> {
  const log = opts.log ?? createLogger('silent');
  const inForce = new SnapshotInForce();
  const roles = new RoleMachine({ log, stateFile: () => inForce.config.stateFile, ...(opts.bootIdPath === undefined ? {} : { bootIdPath: opts.bootIdPath }) });
  const links = new LinkSet<L>();
  const ports: Ports<L> = {
    log,
    roles,
    config: inForce,
    vips: inForce,
    links,
    commands: new CommandRegistry(),
    reloads: new EventEmitter<ReloadEventMap>(),
    startedAt: Date.now(),
    apply: (s) => daemon.apply(s),
    prepare: (s) => daemon.prepare(s),
  };
  const features = build(ports);
  const daemon: Daemon<L> = new Daemon({
    log,
    roles,
    inForce,
    links,
    opener: opener(inForce),
    features: opts.bootIdPath === undefined ? features : [roles, ...features],
  });
  await daemon.start('config' in config ? config : snapshotOf(config));
  return {
    ...ports,
    daemon,
    inForce,
    get groups() {
      return roles.groups;
    },
    get table() {
      return inForce.table;
    },
    get generation() {
      return inForce.generation;
    },
    setRole: (group, to, source) => roles.setRole(group, to, source),
    stop: () => daemon.stop(),
  };
}

/** A daemon with fake links whose wire is `conn`, started on `config` with the features `build` makes: no addon, no root. */
export function startFakeDaemon(
  config: DaemonConfig | Snapshot,
  conn: FrameConn,
  build: Build<FakeLink> = () => [],
  opts: FixtureOptions = {},
): Promise<TestDaemon<FakeLink>> {
  return assemble(config, () => fakeLinkOpener(conn), build, opts);
}
