/**
 * A Snapshot is a validated config with every group's VIPs expanded: the unit
 * the daemon applies, whole or not at all.
 */
import { ConfigError, type ConfigProblem, type DaemonConfig } from './load-config.js';
import { groupSettingName, type GroupConfig } from './group-config.js';
import { expandVipEntries, expandVipEntriesSteps, parseVipEntry } from '../vips/vip-spec.js';
import { expandIpv6VipEntries, expandIpv6VipEntriesSteps } from '../vips/ipv6-expand.js';
import { VipEntryList, type EntryPosition } from '../vips/vip-entry-list.js';
import { MAX_GROUPS_PER_INTERFACE } from '../vips/vip-table.js';
import { forEachIpv6Duplicate } from '../vips/ipv6-vip-table.js';
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
  /** content of every VIP file used (absolute path → its bytes), the next reload's stand-in for a file found empty */
  vipFileBytes: Map<string, Uint8Array>;
}

export interface Snapshot {
  config: DaemonConfig;
  groups: GroupSnapshot[];
  /** set by loadSnapshot; absent for snapshots built in memory */
  source?: SnapshotSource;
}

/**
 * Reads a group's `vipsFile`, adding its entries to `into` (config/vips-file.ts via load-snapshot.ts),
 * pausing where it may (util/run-steps.ts).
 * @throws {ConfigError} with every problem of the file.
 */
export type VipsFileReader = (group: GroupConfig, into: VipEntryList) => Generator<void, void>;

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
    if (g.vipsFile !== undefined) {
      if (readVipsFile === undefined) throw new ConfigError(`group "${g.name}": vipsFile is not supported here`);
      try {
        yield* readVipsFile(g, entries.list);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...err.problems);
      }
    }
    const to = entries.list.count;
    // A small group is expanded in one go: pausing inside each of 65,535
    // one-VIP groups cost the load more than its whole expansion.
    const large = to - from > ENTRIES_PER_STEP;
    const vips = large ? yield* expandVipEntriesSteps(entries.list, from, to) : expandVipEntries(entries.list, from, to);
    const ipv6Vips = large ? yield* expandIpv6VipEntriesSteps(entries.list, from, to) : expandIpv6VipEntries(entries.list, from, to);
    groups.push({ config: g, vips, ipv6Vips });
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
 * unique. IPv6 (128-bit, no such number) with one hash insert per VIP.
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
    const keys = new Float64Array(members.reduce((n, gi) => n + groups[gi]!.vips.length, 0));
    let n = 0;
    for (const gi of members) for (const ip of groups[gi]!.vips) keys[n++] = ip * GROUP_SLOTS + gi;
    yield;
    keys.sort();
    yield;
    for (let k = 1; k < keys.length; k++) {
      const ip = Math.floor(keys[k]! / GROUP_SLOTS);
      if (Math.floor(keys[k - 1]! / GROUP_SLOTS) !== ip) continue;
      const [other, gi] = [keys[k - 1]! % GROUP_SLOTS, keys[k]! % GROUP_SLOTS];
      report(() =>
        duplicateProblem(groups, other, gi, formatIpv4(ip), (g) => entries.list.findInclusion(ip, entries.start[g]!, entries.start[g + 1]!), entries, locate),
      );
    }
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
  const firstAt = first?.file === undefined ? '' : ` (${first.file}:${first.line}${first.column === undefined ? '' : `:${first.column}`})`;
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
