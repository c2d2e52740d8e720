/**
 * The interface links the daemon has open, by interface name. The daemon
 * (daemon.ts) opens and closes them on apply; each link reports its events
 * here (`onReopen`, `onPhaseChange`).
 */
import { EventEmitter } from 'node:events';
import type { InterfaceLink } from './interface-link.js';
import type { LinkEvents, LinkView } from './link-view.js';

export class LinkSet extends EventEmitter<LinkEvents> implements LinkView {
  private readonly links = new Map<string, InterfaceLink>();

  get(iface: string): InterfaceLink | undefined {
    return this.links.get(iface);
  }
  has(iface: string): boolean {
    return this.links.has(iface);
  }
  values(): IterableIterator<InterfaceLink> {
    return this.links.values();
  }
  keys(): IterableIterator<string> {
    return this.links.keys();
  }
  entries(): IterableIterator<[string, InterfaceLink]> {
    return this.links.entries();
  }
  get size(): number {
    return this.links.size;
  }
  add(link: InterfaceLink): void {
    this.links.set(link.iface, link);
  }
  delete(iface: string): void {
    this.links.delete(iface);
  }
  clear(): void {
    this.links.clear();
  }
}
