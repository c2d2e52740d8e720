/**
 * Daemon: applies snapshots and runs the features. An apply is a diff: new
 * groups and interfaces appear, missing ones go, roles of kept groups are
 * kept (the role machine holds them), and the VIP tables (one per family) are
 * swapped in one step so a VIP in both snapshots is never unanswered. Everything it
 * works on is handed in by the composition root (composition-root.ts); no
 * feature sees the Daemon itself.
 */
import type { Logger } from '../log/log.js';
import type { Snapshot } from '../config/snapshot.js';
import type { SnapshotApplied } from '../config/config-view.js';
import { runInSlices, runToEnd } from '../util/run-steps.js';
import { applySteps, type PreparedApply } from './apply-steps.js';
import type { RoleMachine } from '../roles/role-machine.js';
import type { SnapshotInForce } from './snapshot-in-force.js';
import type { LinkSet } from './link-set.js';
import type { ServedLink } from './link-view.js';
import type { DaemonFeature } from './feature.js';

/** Where a link reports what the LinkSet passes on as 'link-up' and 'link-phase'. */
export interface LinkReports<L> {
  onReopen(link: L): void;
  onPhaseChange(link: L): void;
}

/** Opens the link of an interface (interface-link-opener.ts; tests hand in fakes). */
export interface LinkOpener<L extends ServedLink> {
  /** @throws {SystemError} when the interface's socket cannot be opened */
  open(iface: string, reports: LinkReports<L>): L;
  /** The daemon stopped; `links` are closed. */
  stopped(links: Iterable<L>): void;
}

/** How long `prepare` runs before it gives the event loop a turn: well inside the 50 ms a reload may hold up replies (issue 16.1). */
const PREPARE_SLICE_MS = 4;

export interface DaemonOptions<L extends ServedLink> {
  log: Logger;
  roles: RoleMachine;
  inForce: SnapshotInForce;
  links: LinkSet<L>;
  opener: LinkOpener<L>;
  /** started in this order after the first apply, stopped in reverse */
  features: readonly DaemonFeature[];
}

export class Daemon<L extends ServedLink = ServedLink> {
  private readonly opts: DaemonOptions<L>;
  private readonly log: Logger;
  private stopped = false;
  private readonly reports: LinkReports<L>;

  constructor(opts: DaemonOptions<L>) {
    this.opts = opts;
    this.log = opts.log;
    this.reports = { onReopen: (link) => opts.links.emit('link-up', link), onPhaseChange: (link) => opts.links.emit('link-phase', link) };
  }

  /**
   * Applies the first snapshot (opening every interface that exists and
   * waiting for the others) and starts features.
   * @throws {SystemError} EPERM when an interface's socket cannot be opened.
   */
  async start(snapshot: Snapshot): Promise<void> {
    this.apply(snapshot, { strictInterfaces: true });
    for (const f of this.opts.features) await f.start();
  }

  /**
   * Prepares `snapshot` for apply a few milliseconds at a time (apply-steps.ts),
   * the responders answering from the table in force meanwhile; the returned
   * function applies it. Prepared against the tables in force now: if another
   * apply comes first, it prepares again, in one go.
   */
  async prepare(snapshot: Snapshot): Promise<() => SnapshotApplied> {
    const prepared = await runInSlices(applySteps(snapshot, this.opts.roles, this.opts.inForce), PREPARE_SLICE_MS);
    return () => this.apply(snapshot, { prepared });
  }

  /** Applies a validated snapshot as a diff (see the header). */
  apply(snapshot: Snapshot, opts: { strictInterfaces?: boolean; prepared?: PreparedApply } = {}): SnapshotApplied {
    const { roles, inForce, links } = this.opts;
    const p = opts.prepared;
    const fresh = p !== undefined && p.basedOn === inForce.table && p.basedOn6 === inForce.ipv6Table;
    const { table, ipv6Table, groups, ifaces, added, removed } = fresh ? p : runToEnd(applySteps(snapshot, roles, inForce));

    // Open new interfaces before the swap, so new VIPs are answered at once.
    const opened: L[] = [];
    for (const iface of ifaces) {
      if (links.has(iface)) continue;
      try {
        const link = this.opts.opener.open(iface, this.reports);
        links.add(link);
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

    const generation = inForce.replace(snapshot, table, ipv6Table);

    for (const [iface, link] of links.entries()) {
      if (!ifaces.has(iface)) {
        link.close();
        links.delete(iface);
      }
    }
    roles.replaceGroups(groups);

    const result = { generation, added, removed };
    inForce.applied(result);
    return result;
  }

  /** Stops features, then closes every socket. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const f of [...this.opts.features].reverse()) {
      try {
        await f.stop?.();
      } catch (err) {
        this.log.warn({ err, feature: f.name }, 'feature did not stop cleanly');
      }
    }
    const { links, opener } = this.opts;
    const closed = [...links.values()];
    for (const link of closed) link.close();
    links.clear();
    opener.stopped(closed);
  }
}
