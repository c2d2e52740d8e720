/**
 * A Snapshot is a validated config with every group's VIPs expanded: the unit
 * the daemon applies, whole or not at all.
 */
import { ConfigError, type DaemonConfig } from './load-config.js';
import type { GroupConfig } from './group-config.js';
import { expandVipEntries, parseVipEntry, type VipEntry } from '../vips/vip-spec.js';
import { formatIpv4 } from '../wire/ipv4.js';

export interface GroupSnapshot {
  config: GroupConfig;
  /** expanded, ascending */
  vips: number[];
}

export interface Snapshot {
  config: DaemonConfig;
  groups: GroupSnapshot[];
}

/** Reads a group's `vipsFile` into entries; replaced by the VIP-file parser. */
export type VipsFileReader = (group: GroupConfig) => VipEntry[];

function inlineEntries(group: GroupConfig): VipEntry[] {
  return group.vips.map((text) => {
    const r = parseVipEntry(text);
    if (!r.ok) throw new ConfigError(`group "${group.name}": ${r.message}`);
    return r.entry;
  });
}

/**
 * Expands every group's VIPs and checks that no VIP is in two groups on one
 * interface.
 * @throws {ConfigError} naming the VIP and both groups.
 */
export function buildSnapshot(config: DaemonConfig, readVipsFile?: VipsFileReader): Snapshot {
  const groups = config.groups.map((g) => {
    const entries = inlineEntries(g);
    if (g.vipsFile !== undefined) {
      if (readVipsFile === undefined) throw new ConfigError(`group "${g.name}": vipsFile is not supported here`);
      entries.push(...readVipsFile(g));
    }
    return { config: g, vips: expandVipEntries(entries) };
  });
  const ownerByIface = new Map<string, Map<number, string>>();
  for (const g of groups) {
    let owner = ownerByIface.get(g.config.interface);
    if (owner === undefined) ownerByIface.set(g.config.interface, (owner = new Map()));
    for (const ip of g.vips) {
      const other = owner.get(ip);
      if (other !== undefined) {
        throw new ConfigError(`VIP ${formatIpv4(ip)} is in groups "${other}" and "${g.config.name}" on interface ${g.config.interface}; a VIP may belong to one group per interface`);
      }
      owner.set(ip, g.config.name);
    }
  }
  return { config, groups };
}
