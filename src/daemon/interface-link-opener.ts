/**
 * Opens the daemon's InterfaceLinks (packet socket, responder, NDP side,
 * watch) for the daemon's applies, all watched through one rtnetlink socket, and logs
 * each link's final counters when the daemon stops.
 */
import type { Logger } from '../log/log.js';
import type { FrameConn } from '../io/frame-conn.js';
import type { ForeignClaimSink } from '../responder/foreign-claim.js';
import type { VipSource } from '../vips/vip-lookup.js';
import type { NdpForeignClaimListener } from '../responder/ndp-responder.js';
import type { NdpLinkVips } from './ndp-link.js';
import { LinkMonitor } from '../iface/link-monitor.js';
import { InterfaceLink } from './interface-link.js';
import type { LinkOpener, LinkReports } from './daemon.js';

export interface InterfaceLinkOpenerOptions {
  log: Logger;
  /** the tables in force, read per received batch */
  vips: VipSource;
  /** told of every ARP frame that claims one of our VIPs from another MAC */
  foreignClaims: ForeignClaimSink;
  /** told of every NDP message that claims one of our IPv6 VIPs from another MAC; undefined: not watched */
  ndpForeignClaims?: NdpForeignClaimListener;
  /** ndp.maxSolicitedNodeGroups in force */
  maxSolicitedNodeGroups?: () => number;
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
    const { log, vips, foreignClaims, ndpForeignClaims, openConn, maxSolicitedNodeGroups } = this.opts;
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
      ndp: {
        vips: ipv6VipsOf(vips, iface),
        ...(ndpForeignClaims === undefined ? {} : { onForeignClaim: ndpForeignClaims }),
        ...(maxSolicitedNodeGroups === undefined ? {} : { maxGroups: maxSolicitedNodeGroups }),
      },
    });
  }

  /** Logs the final counters of `links` (closed already) and closes the shared rtnetlink socket. */
  stopped(links: Iterable<InterfaceLink>): void {
    for (const link of links) {
      const r = link.responder;
      const ndp = link.ndp?.responder;
      this.opts.log.info(
        {
          iface: link.iface,
          counts: r.counts,
          txDropped: r.txDropped,
          socketErrors: link.socketErrors,
          reopens: link.reopens,
          flaps: link.flaps,
          sendErrors: link.sendErrors,
          ...(ndp === undefined ? {} : { ndpCounts: ndp.counts, ndpTxDropped: ndp.txDropped }),
        },
        'final counters',
      );
    }
    this.monitor?.close();
    this.monitor = undefined;
  }
}

/** The IPv6 table in force as one interface's NDP side reads it. */
function ipv6VipsOf(vips: VipSource, iface: string): NdpLinkVips {
  return {
    onInterface: () => vips.ipv6Table.forInterface(iface),
    isVip: (addr) => vips.ipv6Table.isVip(addr),
    vipSets: () => [...vips.ipv6Table.sets()].filter((s) => s.iface === iface && s.ips.length > 0).map((s) => s.ips),
  };
}
