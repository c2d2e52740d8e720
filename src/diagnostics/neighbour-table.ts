/**
 * Who is that MAC? The director's own neighbour table usually knows: in
 * LVS-DR it forwards to every realserver by MAC, so it holds an entry RIP →
 * MAC for each of them, and a conflict's MAC maps back to the culprit's RIP.
 * Read from /proc/net/arp (packet-free, no subprocess, the daemon's own
 * network namespace), off the receive path, cached.
 */
import { fs } from '../util/node-builtins.js';
import { parseMac } from '../wire/mac.js';
import { parseIpv4 } from '../wire/ipv4.js';

/** ATF_COM (include/uapi/linux/if_arp.h): the entry has a resolved MAC. */
const ATF_COM = 0x02;

/**
 * A table read is reused for this long: a conflict flood then costs one read
 * per second, and a host's entry that appears a moment later is still found.
 */
export const NEIGHBOUR_CACHE_MS = 1000;

/**
 * Parses /proc/net/arp into MAC → IPs (complete entries only; several IPs
 * for one MAC happen with aliases or a router). Pure.
 *
 * Format (net/ipv4/arp.c arp_format_neigh_entry), one header line, then:
 * `192.0.2.20       0x1         0x2         02:00:00:00:00:02     *        eth0`
 */
export function parseProcNetArp(text: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const line of text.split('\n').slice(1)) {
    const [ip, , flags, hw] = line.trim().split(/\s+/);
    if (ip === undefined || flags === undefined || hw === undefined) continue;
    if ((Number.parseInt(flags, 16) & ATF_COM) === 0) continue;
    const mac = parseMac(hw);
    if (mac === undefined || mac === 0) continue;
    const ips = out.get(mac);
    if (ips === undefined) out.set(mac, [ip]);
    else ips.push(ip);
  }
  return out;
}

export interface NeighbourCacheOptions {
  /** Reads the table text; default /proc/net/arp. */
  read?: () => Promise<string>;
  now?: () => number;
  maxAgeMs?: number;
}

/** Cached MAC → IP lookups; concurrent lookups share one read. */
export class NeighbourCache {
  private table: Map<number, string[]> | undefined;
  private readAt = 0;
  private pending: Promise<Map<number, string[]>> | undefined;
  private readonly read: () => Promise<string>;
  private readonly now: () => number;
  private readonly maxAgeMs: number;

  constructor(opts: NeighbourCacheOptions = {}) {
    this.read = opts.read ?? (() => fs.promises.readFile('/proc/net/arp', 'utf8'));
    this.now = opts.now ?? Date.now;
    this.maxAgeMs = opts.maxAgeMs ?? NEIGHBOUR_CACHE_MS;
  }

  /**
   * The IP the neighbour table gives `mac`, skipping our VIPs (an entry
   * VIP → foreign MAC names the symptom, not the host), or null when the
   * table does not know it. Never rejects: an unreadable table is "unknown".
   */
  async ipOf(mac: number, isVip: (ip: number) => boolean): Promise<string | null> {
    const table = await this.current();
    return table.get(mac)?.find((ip) => !isVip(parseIpv4(ip) ?? 0)) ?? null;
  }

  private async current(): Promise<Map<number, string[]>> {
    if (this.table !== undefined && this.now() - this.readAt < this.maxAgeMs) return this.table;
    this.pending ??= this.read()
      .then(parseProcNetArp, () => new Map<number, string[]>())
      .then((t) => {
        this.table = t;
        this.readAt = this.now();
        this.pending = undefined;
        return t;
      });
    return this.pending;
  }
}
