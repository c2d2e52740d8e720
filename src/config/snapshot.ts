/**
 * A Snapshot is a validated config with every group's VIPs expanded: the unit
 * the daemon applies, whole or not at all.
 */
import { ConfigError, type ConfigProblem, type DaemonConfig } from './load-config.js';
import { groupSettingName, type GroupConfig } from './group-config.js';
import { expandVipEntries, expandVipEntriesSteps, parseVipEntry } from '../vips/vip-spec.js';
import { expandIpv6VipEntries, expandIpv6VipEntriesSteps } from '../vips/ipv6-expand.js';
import { VipEntryList, type EntryPosition } from '../vips/vip-entry-list.js';
import { exclusionsOf, vipsFileContentSteps, type VipsFileContent } from '../vips/vips-file-content.js';
import { MAX_GROUPS_PER_INTERFACE } from '../vips/vip-table.js';
import { forEachIpv6Duplicate } from '../vips/ipv6-vip-table.js';
import { sortedIpv4Has } from '../vips/sorted-set.js';
import { releaseBuffers } from '../util/release-buffer.js';
import { IPV6_WORDS } from '../vips/address-words.js';
import { formatIpv4 } from '../wire/ipv4.js';
import { formatIpv6 } from '../wire/ipv6.js';
import { runToEnd } from '../util/run-steps.js';

export interface GroupSnapshot {
  config: GroupConfig;
  /** IPv4 VIPs: expanded, ascending, unique */
  vips: Uint32Array;
  /**
   * IPv6 VIPs: expanded, 4 words per address (wire/ipv6.ts), ascending
   * (lexicographic, which is numeric), unique; diff with sortedIpv6Difference
   * (vips/sorted-set.ts), look up with Ipv6VipTable (vips/ipv6-vip-table.ts).
   */
  ipv6Vips: Uint32Array;
  /**
   * What the group's `vipsFile` gave (absolute path and content), the next
   * reload's stand-in for the file if it is found empty; absent when there
   * is no file or it was empty with nothing to stand in for it.
   */
  vipsFile?: LoadedVipsFile;
}

/** A group's VIP file as loaded: its absolute path and what it gave (vips/vips-file-content.ts). */
export interface LoadedVipsFile extends VipsFileContent {
  path: string;
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
}

export interface Snapshot {
  config: DaemonConfig;
  groups: GroupSnapshot[];
  /** set by loadSnapshot; absent for snapshots built in memory */
  source?: SnapshotSource;
}

/**
 * Reads a group's `vipsFile`, adding its entries to `into` (config/vips-file.ts via load-snapshot.ts),
 * pausing where it may (util/run-steps.ts). Says which file it was, with the
 * content it added in place of the file's (an empty file's stand-in), if so;
 * undefined when it added nothing (an empty file with no stand-in).
 * @throws {ConfigError} with every problem of the file.
 */
export type VipsFileReader = (group: GroupConfig, into: VipEntryList) => Generator<void, VipsFileAdded>;

export type VipsFileAdded = { path: string; standIn?: LoadedVipsFile } | undefined;

/**
 * Where a setting (`['groups', 3, 'vips', 7]`) is written in the config file,
 * when known. Only called to place an error, so a valid config never pays for
 * locating anything.
 */
export type SettingLocator = (path: Array<string | number>) => EntryPosition | undefined;

/** Inline entries parsed between two pauses of a load on the event loop: about a millisecond. */
const ENTRIES_PER_STEP = 4096;
/** Small groups expanded between two such pauses. */
const GROUPS_PER_STEP = 256;

/** Duplicates listed in one error before "and N more": enough to see the pattern. */
const MAX_DUPLICATES_LISTED = 20;

/**
 * Every group's entries, in one list (one set of columns for the whole config
 * instead of six typed arrays per group): group `gi` has entries
 * [start[gi], start[gi + 1]), its inline ones first, so entry start[gi] + i is
 * its `vips[i]` — unless some of its inline entries did not parse: their
 * indices are in `unparsed`, so positions can still be found.
 */
interface ConfigEntries {
  list: VipEntryList;
  start: number[];
  unparsed: Map<number, number[]>;
}

/**
 * Parses the group's inline entries once, into the list (with no position:
 * {@link entryPosition} finds it when an error needs it); the entries that do
 * not parse are problems, placed at their string in the config file.
 */
function* addInlineEntries(
  entries: ConfigEntries,
  group: GroupConfig,
  gi: number,
  locate: SettingLocator | undefined,
  problems: ConfigProblem[],
): Generator<void, void> {
  entries.list.reserve(entries.list.count + group.vips.length);
  for (let i = 0; i < group.vips.length; i++) {
    if (i % ENTRIES_PER_STEP === ENTRIES_PER_STEP - 1) yield;
    const r = parseVipEntry(group.vips[i]!, entries.list);
    if (r === undefined) continue;
    const unparsed = entries.unparsed.get(gi) ?? [];
    if (unparsed.push(i) === 1) entries.unparsed.set(gi, unparsed);
    problems.push({ ...locate?.(['groups', gi, 'vips', i]), message: `${groupSettingName(gi, group.name, ['vips', i])}: ${r.message}` });
  }
}

/**
 * Expands every group's VIPs of both families and checks that no VIP is in
 * two groups on one interface (on different interfaces it is fine: each LAN
 * has its own ARP and NDP). Collects every problem of every group before
 * failing.
 * @throws {ConfigError} listing every bad entry and every duplicate, each with where it is written.
 */
export function buildSnapshot(config: DaemonConfig, readVipsFile?: VipsFileReader, locate?: SettingLocator): Snapshot {
  return runToEnd(buildSnapshotSteps(config, readVipsFile, locate));
}

/** {@link buildSnapshot}, pausing between groups and every few thousand entries (util/run-steps.ts). */
export function* buildSnapshotSteps(config: DaemonConfig, readVipsFile?: VipsFileReader, locate?: SettingLocator): Generator<void, Snapshot> {
  const problems: ConfigProblem[] = [];
  const entries: ConfigEntries = { list: new VipEntryList(), start: [], unparsed: new Map() };
  const groups: GroupSnapshot[] = [];
  for (let gi = 0; gi < config.groups.length; gi++) {
    const g = config.groups[gi]!;
    const from = entries.list.count;
    entries.start.push(from);
    yield* addInlineEntries(entries, g, gi, locate, problems);
    const fileFrom = entries.list.count;
    let added: VipsFileAdded;
    if (g.vipsFile !== undefined) {
      if (readVipsFile === undefined) throw new ConfigError(`group "${g.name}": vipsFile is not supported here`);
      try {
        added = yield* readVipsFile(g, entries.list);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...err.problems);
      }
    }
    const to = entries.list.count;
    const fileOnly = added !== undefined && fileFrom === from;
    // A small group is expanded in one go: pausing inside each of 65,535
    // one-VIP groups cost the load more than its whole expansion.
    const large = to - from > ENTRIES_PER_STEP;
    let vips: Uint32Array;
    let ipv6Vips: Uint32Array;
    if (fileOnly && added!.standIn !== undefined) {
      ({ vips, ipv6Vips } = added!.standIn);
    } else {
      vips = large ? yield* expandVipEntriesSteps(entries.list, from, to) : expandVipEntries(entries.list, from, to);
      ipv6Vips = large ? yield* expandIpv6VipEntriesSteps(entries.list, from, to) : expandIpv6VipEntries(entries.list, from, to);
    }
    const group: GroupSnapshot = { config: g, vips, ipv6Vips };
    if (added?.standIn !== undefined) group.vipsFile = added.standIn;
    // With no inline VIPs the file's content is the group's arrays: kept at no cost.
    else if (fileOnly) group.vipsFile = { path: added!.path, vips, ipv6Vips, ...exclusionsOf(entries.list, fileFrom, to) };
    else if (added !== undefined) group.vipsFile = { path: added.path, ...(yield* vipsFileContentSteps(entries.list, fileFrom, to)) };
    groups.push(group);
    if (large || gi % GROUPS_PER_STEP === GROUPS_PER_STEP - 1) yield;
  }
  entries.start.push(entries.list.count);
  problems.push(...(yield* duplicateProblems(groups, entries, locate)));
  // Every problem's text is made: nothing reads the entries again.
  entries.list.release();
  if (problems.length > 0) throw ConfigError.fromProblems(problems);
  return { config, groups };
}

/** VIPs of both families in a snapshot's groups. */
export interface VipCounts {
  ipv4: number;
  ipv6: number;
}

/** How many VIPs of each family `groups` have. */
export function vipCounts(groups: readonly GroupSnapshot[]): VipCounts {
  let ipv4 = 0;
  let ipv6 = 0;
  for (const g of groups) {
    ipv4 += g.vips.length;
    ipv6 += g.ipv6Vips.length / IPV6_WORDS;
  }
  return { ipv4, ipv6 };
}

/**
 * Duplicate check, IPv4 as one sort per interface instead of a map of every
 * VIP: each (VIP, group) pair is the number `ip × 2^20 + group index` (exact
 * in a double for up to 2^20 groups), so equal VIPs of two groups end up next
 * to each other, the earlier group first. A group's own VIPs are already
 * unique. IPv6 (128-bit, no such number) with one hash insert per VIP. In
 * both, the interface's largest group is binary-searched instead of sorted or
 * hashed: a 100,000-VIP group beside small ones costs no copy of itself.
 */
const GROUP_SLOTS = 2 ** 20;

function* duplicateProblems(groups: GroupSnapshot[], entries: ConfigEntries, locate: SettingLocator | undefined): Generator<void, ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  let more = 0;
  const report = (problem: () => ConfigProblem): void => {
    if (problems.length < MAX_DUPLICATES_LISTED) problems.push(problem());
    else more++;
  };
  const byIface = new Map<string, number[]>();
  groups.forEach((g, gi) => {
    const list = byIface.get(g.config.interface);
    if (list === undefined) byIface.set(g.config.interface, [gi]);
    else list.push(gi);
  });
  for (const [iface, members] of byIface) {
    yield;
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
    let largest = members[0]!;
    for (const gi of members) if (groups[gi]!.vips.length > groups[largest]!.vips.length) largest = gi;
    const big = groups[largest]!.vips;
    const keys = new Float64Array(members.reduce((n, gi) => (gi === largest ? n : n + groups[gi]!.vips.length), 0));
    let n = 0;
    for (const gi of members) if (gi !== largest) for (const ip of groups[gi]!.vips) keys[n++] = ip * GROUP_SLOTS + gi;
    yield;
    keys.sort();
    yield;
    for (let k = 0; k < keys.length; ) {
      const ip = Math.floor(keys[k]! / GROUP_SLOTS);
      let end = k + 1;
      while (end < keys.length && Math.floor(keys[end]! / GROUP_SLOTS) === ip) end++;
      const inBig = sortedIpv4Has(big, ip);
      if (end - k > 1 || inBig) {
        // The groups that hold it, in order: the run's, and the largest among them.
        const holders: number[] = [];
        for (let j = k; j < end; j++) holders.push(keys[j]! % GROUP_SLOTS);
        if (inBig) holders.splice(holders.filter((gi) => gi < largest).length, 0, largest);
        const find = (g: number) => entries.list.findInclusion(ip, entries.start[g]!, entries.start[g + 1]!);
        for (let h = 1; h < holders.length; h++) report(() => duplicateProblem(groups, holders[h - 1]!, holders[h]!, formatIpv4(ip), find, entries, locate));
      }
      k = end;
    }
    releaseBuffers(keys);
    yield;
    const with6 = members.filter((gi) => groups[gi]!.ipv6Vips.length > 0);
    if (with6.length < 2) continue;
    forEachIpv6Duplicate(
      with6.map((gi) => groups[gi]!.ipv6Vips),
      (earlier, later, rows, at) => {
        const [other, gi] = [with6[earlier]!, with6[later]!];
        report(() =>
          duplicateProblem(
            groups,
            other,
            gi,
            formatIpv6(rows.subarray(at, at + IPV6_WORDS)),
            (g) => entries.list.findIpv6Inclusion(rows, at, entries.start[g]!, entries.start[g + 1]!),
            entries,
            locate,
          ),
        );
      },
    );
  }
  if (more > 0) problems.push({ message: `${more} more VIPs are in two groups on one interface` });
  return problems;
}

/**
 * The error for `vip` in groups `other` (listed first) and `gi`, pointing at
 * both entries; `find(g)` is the index of group g's first entry that includes it.
 */
function duplicateProblem(
  groups: GroupSnapshot[],
  other: number,
  gi: number,
  vip: string,
  find: (g: number) => number,
  entries: ConfigEntries,
  locate: SettingLocator | undefined,
): ConfigProblem {
  const g = groups[gi]!;
  const first = entryPosition(entries, locate, other, find(other));
  const here = entryPosition(entries, locate, gi, find(gi));
  const firstAt =
    first?.file === undefined
      ? ''
      : ` (${first.file}${first.line === undefined ? '' : `:${first.line}`}${first.column === undefined ? '' : `:${first.column}`})`;
  return {
    file: here?.file,
    line: here?.line,
    column: here?.column,
    message:
      `VIP ${vip} is in group "${groups[other]!.config.name}"${firstAt} and group "${g.config.name}" on interface ` +
      `${g.config.interface}; a VIP may belong to one group per interface (remove it from one, or exclude it with "!${vip}")`,
  };
}

/** Where entry `i` of group `gi` is written: its VIP file line, or its place in the config. */
function entryPosition(entries: ConfigEntries, locate: SettingLocator | undefined, gi: number, i: number): EntryPosition | undefined {
  if (i < 0) return undefined;
  const at = entries.list.positionOf(i);
  if (at.file !== undefined) return at;
  // An inline entry: the k-th that parsed.
  let index = i - entries.start[gi]!;
  for (const skipped of entries.unparsed.get(gi) ?? []) if (skipped <= index) index++;
  return locate?.(['groups', gi, 'vips', index]);
}
