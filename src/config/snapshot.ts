/**
 * A Snapshot is a validated config with every group's VIPs expanded: the unit
 * the daemon applies, whole or not at all.
 */
import { ConfigError, type ConfigProblem, type DaemonConfig } from './load-config.js';
import type { GroupConfig } from './group-config.js';
import { expandVipEntries, parseVipEntry } from '../vips/vip-spec.js';
import { VipEntryList, type EntryPosition } from '../vips/vip-entry-list.js';
import { MAX_GROUPS_PER_INTERFACE } from '../vips/vip-table.js';
import { formatIpv4 } from '../wire/ipv4.js';

export interface GroupSnapshot {
  config: GroupConfig;
  /** expanded, ascending, unique */
  vips: Uint32Array;
}

/** A VIP file that was 0 bytes when the snapshot was loaded (load-snapshot.ts). */
export interface EmptyVipFile {
  file: string;
  group: string;
  /** true: its last good content was used; false: there was none, so it gave no VIPs */
  kept: boolean;
}

/** Where a snapshot was read from, so a reloader can tell what changed and what to watch. */
export interface SnapshotSource {
  /** sha256 of every file read (file-set.ts) */
  hash: string;
  /** absolute paths of the config file and every VIP file read */
  paths: string[];
  /** VIP files that were empty, taken as not yet written */
  emptyVipFiles: EmptyVipFile[];
  /** text of every VIP file used (absolute path → text), the next reload's stand-in for a file found empty */
  vipFileTexts: Map<string, string>;
}

export interface Snapshot {
  config: DaemonConfig;
  groups: GroupSnapshot[];
  /** set by loadSnapshot; absent for snapshots built in memory */
  source?: SnapshotSource;
}

/**
 * Reads a group's `vipsFile`, adding its entries to `into` (config/vips-file.ts via load-snapshot.ts).
 * @throws {ConfigError} with every problem of the file.
 */
export type VipsFileReader = (group: GroupConfig, into: VipEntryList) => void;

/**
 * Where a setting (`['groups', 3, 'vips', 7]`) is written in the config file,
 * when known. Only called to place an error, so a valid config never pays for
 * locating anything.
 */
export type SettingLocator = (path: Array<string | number>) => EntryPosition | undefined;

/** Duplicates listed in one error before "and N more": enough to see the pattern. */
const MAX_DUPLICATES_LISTED = 20;

/**
 * Every group's entries, in one list (one set of columns for the whole config
 * instead of six typed arrays per group): group `gi` has entries
 * [start[gi], start[gi + 1]), its inline ones first, so entry start[gi] + i is
 * its `vips[i]`.
 */
interface ConfigEntries {
  list: VipEntryList;
  start: number[];
}

/**
 * Appends the group's inline entries, with no position: {@link entryPosition}
 * finds it when an error needs it.
 */
function addInlineEntries(list: VipEntryList, group: GroupConfig, groupIndex: number, locate: SettingLocator | undefined): void {
  list.reserve(list.count + group.vips.length);
  group.vips.forEach((text, i) => {
    const r = parseVipEntry(text);
    if (!r.ok) throw new ConfigError(`group "${group.name}": ${r.message}`, locate?.(['groups', groupIndex, 'vips', i]) ?? {});
    list.push(r.entry.exclude, r.entry.first, r.entry.last);
  });
}

/**
 * Expands every group's VIPs and checks that no VIP is in two groups on one
 * interface (on different interfaces it is fine: each LAN has its own ARP).
 * Collects every problem of every group before failing.
 * @throws {ConfigError} listing every bad VIP-file line and every duplicate, each with where it is written.
 */
export function buildSnapshot(config: DaemonConfig, readVipsFile?: VipsFileReader, locate?: SettingLocator): Snapshot {
  const problems: ConfigProblem[] = [];
  const entries: ConfigEntries = { list: new VipEntryList(), start: [] };
  const groups = config.groups.map((g, gi) => {
    const from = entries.list.count;
    entries.start.push(from);
    addInlineEntries(entries.list, g, gi, locate);
    if (g.vipsFile !== undefined) {
      if (readVipsFile === undefined) throw new ConfigError(`group "${g.name}": vipsFile is not supported here`);
      try {
        readVipsFile(g, entries.list);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...err.problems);
      }
    }
    return { config: g, vips: expandVipEntries(entries.list, from, entries.list.count) };
  });
  entries.start.push(entries.list.count);
  problems.push(...duplicateProblems(groups, entries, locate));
  if (problems.length > 0) throw ConfigError.fromProblems(problems);
  return { config, groups };
}

/**
 * Duplicate check as one sort per interface instead of a map of every VIP:
 * each (VIP, group) pair is the number `ip × 2^20 + group index` (exact in a
 * double for up to 2^20 groups), so equal VIPs of two groups end up next to
 * each other, the earlier group first. A group's own VIPs are already unique.
 */
const GROUP_SLOTS = 2 ** 20;

function duplicateProblems(groups: GroupSnapshot[], entries: ConfigEntries, locate: SettingLocator | undefined): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  let more = 0;
  const byIface = new Map<string, number[]>();
  groups.forEach((g, gi) => {
    const list = byIface.get(g.config.interface);
    if (list === undefined) byIface.set(g.config.interface, [gi]);
    else list.push(gi);
  });
  for (const [iface, members] of byIface) {
    if (members.length > MAX_GROUPS_PER_INTERFACE) {
      const over = members[MAX_GROUPS_PER_INTERFACE]!;
      problems.push({
        ...locate?.(['groups', over]),
        message:
          `groups[${over}] ("${groups[over]!.config.name}") is group ${MAX_GROUPS_PER_INTERFACE + 1} of ${members.length} on interface ${iface}; ` +
          `at most ${MAX_GROUPS_PER_INTERFACE} groups may share one interface (merge groups that fail over together)`,
      });
      continue;
    }
    if (members.length < 2) continue;
    const keys = new Float64Array(members.reduce((n, gi) => n + groups[gi]!.vips.length, 0));
    let n = 0;
    for (const gi of members) for (const ip of groups[gi]!.vips) keys[n++] = ip * GROUP_SLOTS + gi;
    keys.sort();
    for (let k = 1; k < keys.length; k++) {
      const ip = Math.floor(keys[k]! / GROUP_SLOTS);
      if (Math.floor(keys[k - 1]! / GROUP_SLOTS) !== ip) continue;
      if (problems.length >= MAX_DUPLICATES_LISTED) {
        more++;
        continue;
      }
      problems.push(duplicateProblem(groups, entries, locate, ip, keys[k - 1]! % GROUP_SLOTS, keys[k]! % GROUP_SLOTS));
    }
  }
  if (more > 0) problems.push({ message: `${more} more VIPs are in two groups on one interface` });
  return problems;
}

/** The error for `ip` in groups `other` (listed first) and `gi`, pointing at both entries. */
function duplicateProblem(groups: GroupSnapshot[], entries: ConfigEntries, locate: SettingLocator | undefined, ip: number, other: number, gi: number): ConfigProblem {
  const g = groups[gi]!;
  const first = entryPosition(entries, locate, other, ip);
  const here = entryPosition(entries, locate, gi, ip);
  const firstAt = first?.file === undefined ? '' : ` (${first.file}:${first.line}${first.column === undefined ? '' : `:${first.column}`})`;
  return {
    file: here?.file,
    line: here?.line,
    column: here?.column,
    message:
      `VIP ${formatIpv4(ip)} is in group "${groups[other]!.config.name}"${firstAt} and group "${g.config.name}" on interface ` +
      `${g.config.interface}; a VIP may belong to one group per interface (remove it from one, or exclude it with "!${formatIpv4(ip)}")`,
  };
}

/** Where the first entry of group `gi` that includes `ip` is written: its VIP file line, or its place in the config. */
function entryPosition(entries: ConfigEntries, locate: SettingLocator | undefined, gi: number, ip: number): EntryPosition | undefined {
  const from = entries.start[gi]!;
  const i = entries.list.findInclusion(ip, from, entries.start[gi + 1]!);
  if (i < 0) return undefined;
  const at = entries.list.positionOf(i);
  return at.file === undefined ? locate?.(['groups', gi, 'vips', i - from]) : at;
}
