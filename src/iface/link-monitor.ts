/**
 * LinkMonitor: the daemon's one rtnetlink socket on RTNLGRP_LINK. It decodes
 * every link message the kernel multicasts (src/iface/rtnetlink.ts) and hands
 * it, in order, to the watches of the interface it names, so a flap shorter
 * than any poll (a down and an up in the same read) is still seen as one.
 *
 * Where AF_NETLINK is not allowed (a sandbox without it), `available` is
 * false and the watches fall back to polling.
 */
import type { Logger } from '../log/log.js';
import { NetlinkSocket, groupMask, type NetlinkHandlers } from '../native/netlink-socket.js';
import { NETLINK_ROUTE, RTNLGRP_LINK } from '../native/socket-constants.js';
import { decodeLinkMessages, type LinkMessage } from './rtnetlink.js';

/** What a watch gets from the monitor. */
export interface LinkListener {
  /** A message about any link, in kernel order; the listener picks its own. */
  onLinkMessage(m: LinkMessage): void;
  /** Messages were lost: read the state again, and assume a flap may have been missed. */
  onLinkResync(): void;
}

/** The socket as the monitor uses it; tests inject a fake. */
export interface LinkEventSource {
  start(h: NetlinkHandlers): void;
  close(): void;
}

export interface LinkMonitorOptions {
  log: Logger;
  /** Opens the event source; default: a NETLINK_ROUTE socket on RTNLGRP_LINK. */
  open?: () => LinkEventSource;
}

export class LinkMonitor {
  private readonly opts: LinkMonitorOptions;
  private readonly listeners = new Set<LinkListener>();
  private source: LinkEventSource | undefined;
  private failed = false;
  /** messages decoded, datagrams that held undecodable bytes, resyncs after lost messages */
  readonly counts = { messages: 0, malformed: 0, resyncs: 0 };

  constructor(opts: LinkMonitorOptions) {
    this.opts = opts;
  }

  /** True while link events are delivered; false when the socket could not be opened. */
  get available(): boolean {
    this.ensureOpen();
    return this.source !== undefined;
  }

  /** Adds a listener (opening the socket on first use); returns the function that removes it. */
  subscribe(l: LinkListener): () => void {
    this.ensureOpen();
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private ensureOpen(): void {
    if (this.source !== undefined || this.failed) return;
    try {
      const source = (this.opts.open ?? (() => new NetlinkSocket(NETLINK_ROUTE, groupMask(RTNLGRP_LINK))))();
      source.start({
        onDatagram: (buf, length) => this.dispatch(buf, length),
        onOverflow: () => this.resync(),
        onError: (err) => this.opts.log.warn({ code: (err as NodeJS.ErrnoException).code, reason: err.message }, 'link event socket error'),
      });
      this.source = source;
    } catch (err) {
      this.failed = true;
      const e = err as NodeJS.ErrnoException;
      this.opts.log.warn({ code: e.code, reason: e.message }, 'no link events (AF_NETLINK refused); interfaces are polled instead');
    }
  }

  private dispatch(buf: Buffer, length: number): void {
    const { links, malformed } = decodeLinkMessages(buf, length);
    this.counts.messages += links.length;
    if (malformed > 0) {
      this.counts.malformed++;
      this.resync();
    }
    for (const m of links) for (const l of this.listeners) l.onLinkMessage(m);
  }

  private resync(): void {
    this.counts.resyncs++;
    for (const l of this.listeners) l.onLinkResync();
  }

  close(): void {
    this.source?.close();
    this.source = undefined;
    this.listeners.clear();
  }
}
