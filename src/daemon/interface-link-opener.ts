/**
 * Opens the daemon's InterfaceLinks (packet socket, responder, watch) for
 * the daemon's applies, all watched through one rtnetlink socket, and logs
 * each link's final counters when the daemon stops.
 */
import type { Logger } from '../log.js';
import type { FrameConn } from '../io/frame-conn.js';
import type { ForeignClaimSink } from '../responder/foreign-claim.js';
import type { VipSource } from '../vips/vip-lookup.js';
import { LinkMonitor } from '../iface/link-monitor.js';
import { InterfaceLink } from './interface-link.js';
import type { LinkOpener, LinkReports } from './daemon.js';

export interface InterfaceLinkOpenerOptions {
  log: Logger;
  /** the table in force, read per received batch */
  vips: VipSource;
  /** told of every frame that claims one of our VIPs from another MAC */
  foreignClaims: ForeignClaimSink;
  /** opens an interface's wire; tests may inject a fake */
  openConn?: (iface: string, ifindex: number) => FrameConn;
}

export class InterfaceLinkOpener implements LinkOpener<InterfaceLink> {
  private readonly opts: InterfaceLinkOpenerOptions;
  private monitor: LinkMonitor | undefined;

  constructor(opts: InterfaceLinkOpenerOptions) {
    this.opts = opts;
  }

  /** @throws {SystemError} when the interface exists and its socket cannot be opened */
  open(iface: string, reports: LinkReports<InterfaceLink>): InterfaceLink {
    const { log, vips, foreignClaims, openConn } = this.opts;
    this.monitor ??= new LinkMonitor({ log });
    return new InterfaceLink({
      iface,
      log,
      vips: { onInterface: () => vips.table.forInterface(iface), isVip: (ip) => vips.table.isVip(ip) },
      onForeignClaim: foreignClaims,
      onReopen: reports.onReopen,
      onPhaseChange: reports.onPhaseChange,
      monitor: this.monitor,
      ...(openConn === undefined ? {} : { openConn }),
    });
  }

  /** Logs the final counters of `links` (closed already) and closes the shared rtnetlink socket. */
  stopped(links: Iterable<InterfaceLink>): void {
    for (const link of links) {
      const r = link.responder;
      this.opts.log.info({ iface: link.iface, counts: r.counts, txDropped: r.txDropped, socketErrors: link.socketErrors, reopens: link.reopens, flaps: link.flaps, sendErrors: link.sendErrors }, 'final counters');
    }
    this.monitor?.close();
    this.monitor = undefined;
  }
}
