/**
 * The interfaces the daemon serves, as features read them: each one's link
 * (socket, MAC, phase, counters) and the events of links coming and going.
 * Implemented by link-set.ts.
 */
import type { Subscribable } from './subscribable.js';
import type { InterfaceLink } from './interface-link.js';

export interface LinkEvents {
  /** an interface's socket was reopened or the link came up */
  'link-up': [InterfaceLink];
  /** an interface went missing, appeared, went down or came up (InterfaceLink.phase) */
  'link-phase': [InterfaceLink];
}

export interface LinkView extends Subscribable<LinkEvents> {
  get(iface: string): InterfaceLink | undefined;
  has(iface: string): boolean;
  values(): IterableIterator<InterfaceLink>;
  keys(): IterableIterator<string>;
  readonly size: number;
}
