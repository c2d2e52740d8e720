/**
 * Daemon: applies snapshots and runs the features. An apply is a diff: new
 * groups and interfaces appear, missing ones go, roles of kept groups are
 * kept (the role machine holds them), and the VIP tables (one per family) are
 * swapped in one step so a VIP in both snapshots is never unanswered. Everything it
 * works on is handed in by the composition root (composition-root.ts); no
 * feature sees the Daemon itself.
 */
import type { Logger } from '../log.js';
import type { Snapshot } from '../config/snapshot.js';
import type { SnapshotApplied } from '../config/config-view.js';
import { VipTable, type GroupVips } from '../vips/vip-table.js';
import { Ipv6VipTable, type Ipv6GroupVips } from '../vips/ipv6-vip-table.js';
import type { AnyGroupVips } from '../vips/vip-lookup.js';
import { sortedDifference, sortedIpv6Difference } from '../vips/sorted-set.js';
import type { GroupState } from '../vips/group-state.js';
import { parseMac } from '../wire/mac.js';
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

  /** Applies a validated snapshot as a diff (see the header). */
  apply(snapshot: Snapshot, opts: { strictInterfaces?: boolean } = {}): SnapshotApplied {
    const { roles, inForce, links } = this.opts;
    // One pass: each group's state (kept or new) and its VIP sets for the new tables.
    const sets: GroupVips[] = [];
    const ipv6Sets: Ipv6GroupVips[] = [];
    const states: GroupState[] = [];
    const ifaces = new Set<string>();
    for (const g of snapshot.groups) {
      const c = g.config;
      const state = roles.stateFor({ name: c.name, initialRole: c.initialRole === 'master' ? 'MASTER' : 'BACKUP', mac: c.mac === undefined ? undefined : parseMac(c.mac), ndpRouter: c.ndpRouter === 'auto' ? undefined : c.ndpRouter });
      states.push(state);
      sets.push({ family: 'ipv4', group: state, iface: c.interface, ips: g.vips });
      ipv6Sets.push({ family: 'ipv6', group: state, iface: c.interface, ips: g.ipv6Vips });
      ifaces.add(c.interface);
    }
    const before = inForce.table;
    const before6 = inForce.ipv6Table;
    const table = new VipTable(sets);
    const ipv6Table = new Ipv6VipTable(ipv6Sets);

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
    roles.replaceGroups(states);

    const added: AnyGroupVips[] = [...vipsGained(before, table, sortedDifference), ...vipsGained(before6, ipv6Table, sortedIpv6Difference)];
    const removed: AnyGroupVips[] = [...vipsGained(table, before, sortedDifference), ...vipsGained(ipv6Table, before6, sortedIpv6Difference)];
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

/** The two reads of a family's table that a diff needs. */
interface FamilySets<S extends AnyGroupVips> {
  sets(): Iterable<S>;
  vipsOf(groupName: string): S | undefined;
}

/**
 * Per group of `after` (one family's table), the VIPs it has that it did not
 * have in `before` (same group, same interface): one merge of two sorted
 * arrays per group (`difference` of the family), and a group whose VIPs did
 * not change yields nothing.
 */
function vipsGained<S extends AnyGroupVips>(before: FamilySets<S>, after: FamilySets<S>, difference: (a: Uint32Array, b: Uint32Array) => Uint32Array): S[] {
  const gained: S[] = [];
  for (const set of after.sets()) {
    const old = before.vipsOf(set.group.name);
    if (old === undefined || old.iface !== set.iface || old.group !== set.group) {
      // All of it gained: the table's own set, no copy.
      if (set.ips.length > 0) gained.push(set);
      continue;
    }
    const ips = difference(set.ips, old.ips);
    if (ips.length > 0) gained.push(ips === set.ips ? set : { ...set, ips });
  }
  return gained;
}
