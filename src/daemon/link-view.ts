/**
 * The interfaces the daemon serves, as features read them: each one's link
 * and the events of links coming back or changing phase. Implemented by
 * link-set.ts. A feature names the link members it reads (`L`): the
 * announcer only a socket and a MAC (AnnounceLink), status and metrics the
 * whole InterfaceLink; tests hand in fakes of the smaller shapes.
 */
import type { Subscribable } from './subscribable.js';
import type { InterfaceLink } from './interface-link.js';
import type { FrameConn } from '../io/frame-conn.js';

/** What every link the daemon keeps has: a name, its socket while open, its MAC, and an end. */
export interface ServedLink {
  readonly iface: string;
  /** the socket, undefined while the interface is missing */
  readonly wire: FrameConn | undefined;
  readonly macAddress: number;
  close(): void;
}

export interface LinkEvents<L = InterfaceLink> {
  /** an interface's socket was reopened or the link came up */
  'link-up': [L];
  /** an interface went missing, appeared, went down or came up (InterfaceLink.phase) */
  'link-phase': [L];
}

export interface LinkView<L = InterfaceLink> extends Subscribable<LinkEvents<L>> {
  get(iface: string): L | undefined;
  has(iface: string): boolean;
  values(): IterableIterator<L>;
  keys(): IterableIterator<string>;
  readonly size: number;
}
