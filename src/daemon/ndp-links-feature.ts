/**
 * Keeps every link's NDP side (ndp-link.ts) in line with the IPv6 table in
 * force: after each apply (the links are opened before the table is swapped
 * in, so only then do they see a new interface's IPv6 VIPs) it opens or
 * closes NDP sockets and joins or leaves solicited-node groups. A link that
 * reappears does the same on its own.
 */
import type { DaemonFeature } from './feature.js';
import type { ConfigView } from '../config/config-view.js';
import type { LinkView } from './link-view.js';

/** The one call the feature makes on a link. */
export interface Ipv6SyncedLink {
  syncIpv6(): void;
}

export interface NdpLinksFeatureOptions {
  config: Pick<ConfigView, 'on' | 'off'>;
  links: Pick<LinkView<Ipv6SyncedLink>, 'values'>;
}

export class NdpLinksFeature implements DaemonFeature {
  readonly name = 'ndp-links';
  private readonly opts: NdpLinksFeatureOptions;
  private readonly onApplied = (): void => this.syncAll();

  constructor(opts: NdpLinksFeatureOptions) {
    this.opts = opts;
  }

  /** Syncs the links of the first apply, then after every apply. */
  start(): void {
    this.syncAll();
    this.opts.config.on('snapshot-applied', this.onApplied);
  }

  stop(): void {
    this.opts.config.off('snapshot-applied', this.onApplied);
  }

  private syncAll(): void {
    for (const link of this.opts.links.values()) link.syncIpv6();
  }
}
