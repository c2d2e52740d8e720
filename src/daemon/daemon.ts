/**
 * Daemon: the running vip-arpd. Holds the current snapshot, VIP table, group
 * states and interface links, applies new snapshots as a diff, and changes
 * roles. Everything else (control socket, announcer, watcher, metrics,
 * systemd, diagnostics) is a DaemonFeature that plugs in through events and
 * the command registry.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import type { Snapshot } from '../config/snapshot.js';
import type { DaemonConfig } from '../config/load-config.js';
import { VipTable, type GroupVips, type VipSet } from '../vips/vip-table.js';
import type { GroupState } from '../vips/group-state.js';
import type { Role } from '../roles/role.js';
import { prepareNow, type PreparedApply } from './apply-steps.js';
import { InterfaceLink } from './interface-link.js';
import { LinkMonitor } from '../iface/link-monitor.js';
import { CommandRegistry } from '../control/command-registry.js';
import type { ForeignClaimListener } from '../responder/responder.js';
import type { FrameConn } from '../io/frame-conn.js';

/** What the rest of the daemon may ask of the announcer (announcer/). */
export interface Announcer {
  /** Sends one gratuitous ARP round for `sets` now (paced), in each group's configured mode. */
  announceOnce(sets: readonly VipSet[], reason: string): void;
  /**
   * Holds `group`'s own scheduled rounds (bursts, refresh, reload and link-up
   * rounds; `announceOnce` still goes out) and drops its frames still queued,
   * until {@link Announcer.resumeRounds} or the group's next role change.
   */
  holdRounds(group: string): void;
  /** Ends a hold of {@link Announcer.holdRounds}; rounds skipped meanwhile are not sent late. */
  resumeRounds(group: string): void;
}

/** A part of the daemon started after the first snapshot is applied. */
export interface DaemonFeature {
  readonly name: string;
  start(daemon: Daemon): void | Promise<void>;
  stop?(): void | Promise<void>;
}

export interface RoleChange {
  group: string;
  from: Role;
  to: Role;
  /** who asked: `config`, `control`, `keepalived`, `state-file`, … */
  source: string;
}

export interface SnapshotApplied {
  generation: number;
  /** per group, the VIPs it answers now and did not before */
  added: GroupVips[];
  /** per group (of the old table), the VIPs it no longer answers */
  removed: GroupVips[];
}

/** How a reload ended; the reloader emits it after 'reload-started'. */
export interface ReloadFinished {
  ok: boolean;
  /** generation in force afterwards (unchanged when the reload failed) */
  generation: number;
  /** why it failed; the last good snapshot stays in force */
  error?: string;
}

export interface DaemonEvents {
  'role-changed': [RoleChange];
  'snapshot-applied': [SnapshotApplied];
  /** a reload began (SIGHUP, control `reload`, file watch); systemd hears RELOADING=1 */
  'reload-started': [];
  /** a reload ended, applied or rejected; systemd hears READY=1 again */
  'reload-finished': [ReloadFinished];
  /** an interface's socket was reopened or the link came up */
  'link-up': [InterfaceLink];
  /** an interface went missing, appeared, went down or came up (InterfaceLink.phase) */
  'link-phase': [InterfaceLink];
  stopping: [];
}

export interface DaemonOptions {
  log: Logger;
  features?: DaemonFeature[];
  onForeignClaim?: ForeignClaimListener;
  openConn?: (iface: string, ifindex: number) => FrameConn;
}

export class Daemon extends EventEmitter<DaemonEvents> {
  readonly log: Logger;
  readonly commands = new CommandRegistry();
  /** Replaced whole by each apply (apply-steps.ts builds the next one). */
  private groupStates: ReadonlyMap<string, GroupState> = new Map();
  readonly links = new Map<string, InterfaceLink>();
  readonly startedAt = Date.now();
  private current: Snapshot | undefined;
  private vipTable = new VipTable();
  private gen = 0;
  private readonly features: DaemonFeature[];
  private readonly opts: DaemonOptions;
  /** Set by the announcer feature; diagnostics use it to defend a VIP. */
  announcer: Announcer | undefined;
  /** Set by diagnostics; read by the responders of every link. */
  foreignClaimListener: ForeignClaimListener | undefined;
  private stopped = false;
  /** One rtnetlink socket for every link's watch. */
  readonly linkMonitor: LinkMonitor;

  constructor(opts: DaemonOptions) {
    super();
    this.opts = opts;
    this.log = opts.log;
    this.features = opts.features ?? [];
    this.foreignClaimListener = opts.onForeignClaim;
    this.linkMonitor = new LinkMonitor({ log: opts.log });
  }

  /** Every group's state, by name, in the order of the snapshot in force. */
  get groups(): ReadonlyMap<string, GroupState> {
    return this.groupStates;
  }

  /** The snapshot in force. */
  get snapshot(): Snapshot {
    if (this.current === undefined) throw new Error('daemon has no snapshot yet');
    return this.current;
  }

  get config(): DaemonConfig {
    return this.snapshot.config;
  }

  get table(): VipTable {
    return this.vipTable;
  }

  /** Config generation: 1 after the first apply, +1 per applied reload. */
  get generation(): number {
    return this.gen;
  }

  /**
   * Applies the first snapshot (opening every interface that exists and
   * waiting for the others) and starts features.
   * @throws {SystemError} EPERM when an interface's socket cannot be opened.
   */
  async start(snapshot: Snapshot): Promise<void> {
    this.apply(snapshot, { strictInterfaces: true });
    for (const f of this.features) await f.start(this);
  }

  /**
   * Applies a validated snapshot as a diff: new groups and interfaces appear,
   * missing ones go, roles of kept groups are kept, and the VIP table is
   * swapped in one assignment so a VIP in both snapshots is never unanswered.
   */
  apply(snapshot: Snapshot, opts: { strictInterfaces?: boolean; prepared?: PreparedApply } = {}): SnapshotApplied {
    // Each group's state (kept or new), the new table and the diff (apply-steps.ts):
    // prepared over several turns by a reload, when still against the table in force.
    const p = opts.prepared;
    const { table, groups, ifaces, macs, added, removed } =
      p !== undefined && p.snapshot === snapshot && p.basedOn === this.vipTable ? p : prepareNow(snapshot, this.groups, this.vipTable);

    // Open new interfaces before the swap, so new VIPs are answered at once.
    const opened: InterfaceLink[] = [];
    for (const iface of ifaces) {
      if (this.links.has(iface)) continue;
      try {
        const link = this.openLink(iface);
        this.links.set(iface, link);
        opened.push(link);
      } catch (err) {
        if (opts.strictInterfaces) {
          for (const l of opened) l.close();
          throw err;
        }
        const e = err as NodeJS.ErrnoException;
        this.log.error({ iface, code: e.code, reason: e.message }, 'cannot open a socket on the interface; its VIPs are not answered');
      }
    }

    this.vipTable = table;
    this.current = snapshot;
    this.gen++;
    for (const [state, mac] of macs) state.mac = mac;

    for (const [iface, link] of this.links) {
      if (!ifaces.has(iface)) {
        link.close();
        this.links.delete(iface);
      }
    }
    this.groupStates = groups;

    const result = { generation: this.gen, added, removed };
    this.emit('snapshot-applied', result);
    return result;
  }

  private openLink(iface: string): InterfaceLink {
    return new InterfaceLink({
      iface,
      log: this.log,
      vips: { onInterface: () => this.vipTable.forInterface(iface), isVip: (ip) => this.vipTable.isVip(ip) },
      onForeignClaim: (i, g, f, mac) => this.foreignClaimListener?.(i, g, f, mac),
      onReopen: (link) => this.emit('link-up', link),
      onPhaseChange: (link) => this.emit('link-phase', link),
      monitor: this.linkMonitor,
      ...(this.opts.openConn === undefined ? {} : { openConn: this.opts.openConn }),
    });
  }

  /**
   * Sets a group's role. Leaving MASTER takes effect before this returns: the
   * very next frame for the group's VIPs is not answered.
   * @throws {Error} for an unknown group.
   */
  setRole(groupName: string, to: Role, source: string): RoleChange {
    const group = this.groups.get(groupName);
    if (group === undefined) throw new Error(`unknown group "${groupName}"`);
    const change = { group: groupName, from: group.role, to, source };
    group.role = to;
    this.emit('role-changed', change);
    // Logged after the listeners ran: a synchronous log write must not delay the first GARP.
    this.log.info({ group: groupName, from: change.from, to, source }, 'role changed');
    return change;
  }

  /** Stops features, then closes every socket. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.emit('stopping');
    for (const f of [...this.features].reverse()) {
      try {
        await f.stop?.();
      } catch (err) {
        this.log.warn({ err, feature: f.name }, 'feature did not stop cleanly');
      }
    }
    for (const link of this.links.values()) {
      link.close();
      const r = link.responder;
      this.log.info({ iface: link.iface, counts: r.counts, txDropped: r.txDropped, socketErrors: link.socketErrors, reopens: link.reopens, flaps: link.flaps, sendErrors: link.sendErrors }, 'final counters');
    }
    this.links.clear();
    this.linkMonitor.close();
  }
}
