/**
 * The interface links the daemon has open, by interface name. The daemon
 * (daemon.ts) opens and closes them on apply; each link reports its events
 * here (`link-up`, `link-phase`).
 */
import { EventEmitter } from 'node:events';
import type { InterfaceLink } from './interface-link.js';
import type { LinkEvents, LinkView, ServedLink } from './link-view.js';

export class LinkSet<L extends ServedLink = InterfaceLink> extends EventEmitter<LinkEvents<L>> implements LinkView<L> {
  private readonly links = new Map<string, L>();

  get(iface: string): L | undefined {
    return this.links.get(iface);
  }
  has(iface: string): boolean {
    return this.links.has(iface);
  }
  values(): IterableIterator<L> {
    return this.links.values();
  }
  keys(): IterableIterator<string> {
    return this.links.keys();
  }
  entries(): IterableIterator<[string, L]> {
    return this.links.entries();
  }
  get size(): number {
    return this.links.size;
  }
  add(link: L): void {
    this.links.set(link.iface, link);
  }
  delete(iface: string): void {
    this.links.delete(iface);
  }
  clear(): void {
    this.links.clear();
  }
}
