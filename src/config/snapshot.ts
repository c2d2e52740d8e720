/**
 * A Snapshot is a validated config with every group's VIPs expanded: the unit
 * the daemon applies, whole or not at all.
 */
import { ConfigError, type ConfigProblem, type DaemonConfig } from './load-config.js';
import type { GroupConfig } from './group-config.js';
import { expandVipEntries, parseVipEntry, type VipEntry } from '../vips/vip-spec.js';
import { formatIpv4 } from '../wire/ipv4.js';

export interface GroupSnapshot {
  config: GroupConfig;
  /** expanded, ascending */
  vips: number[];
}

/** Where a snapshot was read from, so a reloader can tell what changed and what to watch. */
export interface SnapshotSource {
  /** sha256 of every file read (file-set.ts) */
  hash: string;
  /** absolute paths of the config file and every VIP file read */
  paths: string[];
}

export interface Snapshot {
  config: DaemonConfig;
  groups: GroupSnapshot[];
  /** set by loadSnapshot; absent for snapshots built in memory */
  source?: SnapshotSource;
}

/** An entry and, when known, where it is written (for error messages). */
export type LocatedVipEntry = VipEntry & { file?: string; line?: number; column?: number };

/**
 * Reads a group's `vipsFile` into entries (config/vips-file.ts via load-snapshot.ts).
 * @throws {ConfigError} with every problem of the file.
 */
export type VipsFileReader = (group: GroupConfig) => LocatedVipEntry[];

/** Where inline entry `vips[index]` of group `groupIndex` is written, when known. */
export type InlineLocator = (groupIndex: number, index: number) => ConfigProblem | undefined;

/** Duplicates listed in one error before "and N more": enough to see the pattern. */
const MAX_DUPLICATES_LISTED = 20;

function inlineEntries(group: GroupConfig, groupIndex: number, locate: InlineLocator | undefined): LocatedVipEntry[] {
  return group.vips.map((text, i) => {
    const r = parseVipEntry(text);
    if (!r.ok) throw new ConfigError(`group "${group.name}": ${r.message}`);
    return { ...r.entry, ...locate?.(groupIndex, i) };
  });
}

/**
 * Expands every group's VIPs and checks that no VIP is in two groups on one
 * interface (on different interfaces it is fine: each LAN has its own ARP).
 * Collects every problem of every group before failing.
 * @throws {ConfigError} listing every bad VIP-file line and every duplicate, each with where it is written.
 */
export function buildSnapshot(config: DaemonConfig, readVipsFile?: VipsFileReader, locate?: InlineLocator): Snapshot {
  const problems: ConfigProblem[] = [];
  const entriesOf: LocatedVipEntry[][] = [];
  const groups = config.groups.map((g, gi) => {
    const entries = inlineEntries(g, gi, locate);
    if (g.vipsFile !== undefined) {
      if (readVipsFile === undefined) throw new ConfigError(`group "${g.name}": vipsFile is not supported here`);
      try {
        for (const e of readVipsFile(g)) entries.push(e);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...err.problems);
      }
    }
    entriesOf.push(entries);
    return { config: g, vips: expandVipEntries(entries) };
  });
  problems.push(...duplicateProblems(groups, entriesOf));
  if (problems.length > 0) throw ConfigError.fromProblems(problems);
  return { config, groups };
}

function duplicateProblems(groups: GroupSnapshot[], entriesOf: LocatedVipEntry[][]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  let more = 0;
  // Keyed by `ip | 0` (vipKey): small integers, not one heap double per VIP above 127.255.255.255.
  const ownerByIface = new Map<string, Map<number, number>>();
  groups.forEach((g, gi) => {
    let owner = ownerByIface.get(g.config.interface);
    if (owner === undefined) ownerByIface.set(g.config.interface, (owner = new Map()));
    for (const ip of g.vips) {
      const other = owner.get(ip | 0);
      if (other === undefined) {
        owner.set(ip | 0, gi);
        continue;
      }
      if (problems.length >= MAX_DUPLICATES_LISTED) {
        more++;
        continue;
      }
      const first = entryOf(entriesOf[other]!, ip);
      const here = entryOf(entriesOf[gi]!, ip);
      const firstAt = first?.file === undefined ? '' : ` (${first.file}:${first.line}${first.column === undefined ? '' : `:${first.column}`})`;
      problems.push({
        file: here?.file,
        line: here?.line,
        column: here?.column,
        message:
          `VIP ${formatIpv4(ip)} is in group "${groups[other]!.config.name}"${firstAt} and group "${g.config.name}" on interface ` +
          `${g.config.interface}; a VIP may belong to one group per interface (remove it from one, or exclude it with "!${formatIpv4(ip)}")`,
      });
    }
  });
  if (more > 0) problems.push({ message: `${more} more VIPs are in two groups on one interface` });
  return problems;
}

/** The first inclusion that names `ip` (only used to point at a duplicate). */
function entryOf(entries: LocatedVipEntry[], ip: number): LocatedVipEntry | undefined {
  return entries.find((e) => !e.exclude && e.first <= ip && ip <= e.last);
}
