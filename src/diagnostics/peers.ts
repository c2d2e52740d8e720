/**
 * `diagnostics.peers`: MACs of the other directors, whose claims on our VIPs
 * are failover, not conflict.
 */
import { parseMac } from '../wire/mac.js';

export interface PeerMacs {
  macs: Set<number>;
  /** entries that are not MACs, for a warning */
  invalid: string[];
}

/** Parses the configured peer list. Pure. */
export function parsePeerMacs(peers: readonly string[]): PeerMacs {
  const macs = new Set<number>();
  const invalid: string[] = [];
  for (const p of peers) {
    const mac = parseMac(p);
    if (mac === undefined) invalid.push(p);
    else macs.add(mac);
  }
  return { macs, invalid };
}
