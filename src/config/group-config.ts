/**
 * The `groups[]` section: types, defaults and validation of one group. Pure;
 * load-config.ts checks `groups` with {@link groupsProblems}.
 */
import { parseMac } from '../wire/mac.js';
import { isObject } from '../util/is-object.js';

export type GarpMode = 'request' | 'reply' | 'both';

/** Gratuitous ARP settings; defaults follow keepalived (see GARP_DEFAULTS). */
export interface GarpConfig {
  mode: GarpMode;
  /** rounds per burst */
  count: number;
  /** between rounds; past Linux's 1 s ARP locktime (MetalLB #172) so each round can move a cache */
  intervalMs: number;
  /** a second burst this long after takeover (keepalived garp_master_delay); 0 = off */
  delayMs: number;
  /** periodic re-announce while MASTER (keepalived garp_master_refresh); 0 = off */
  refreshMs: number;
}

export const GARP_DEFAULTS: Readonly<GarpConfig> = {
  mode: 'both',
  count: 5,
  intervalMs: 1100,
  delayMs: 5000,
  refreshMs: 0,
};

export interface GroupConfig {
  name: string;
  interface: string;
  /** inline VIP entries as written; empty in a snapshot loaded by a reload (snapshot-worker.ts) */
  vips: string[];
  /** plain-text VIP file, one entry a line (config/vips-file.ts) */
  vipsFile?: string;
  /** MAC to answer with; default: the interface's own */
  mac?: string;
  initialRole: 'master' | 'backup';
  /** keepalived VRRP instance or sync-group names that drive this group */
  keepalived: string[];
  garp: GarpConfig;
  /** defend the VIPs with a GARP when a foreign MAC claims them (RFC 5227) */
  defend: boolean;
  /** the R flag of this group's NAs: 'auto' = the interface's IPv6 `forwarding` */
  ndpRouter: NdpRouter;
}

/** The R (router) flag of a group's Neighbor Advertisements: from the interface's `forwarding`, or fixed. */
export type NdpRouter = 'auto' | boolean;

const GROUP_KEYS = new Set(['name', 'interface', 'vips', 'vipsFile', 'mac', 'initialRole', 'keepalived', 'garp', 'defend', 'ndpRouter']);
const GARP_KEYS = new Set(Object.keys(GARP_DEFAULTS));
const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** IFNAMSIZ - 1 */
const MAX_IFNAME = 15;

function nonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * One problem with a group setting: `path` locates it in the JSON file
 * (json-locate.ts), `where` names it for people (`groups[2] ("web").vips[5]`).
 */
export interface GroupProblem {
  path: Array<string | number>;
  where: string;
  message: string;
}

/** `where: message`, the form used in config errors and logs. */
export function groupProblemText(p: GroupProblem): string {
  return `${p.where}: ${p.message}`;
}

/** Validates one garp object. */
function garpProblems(v: unknown, add: (sub: Array<string | number>, message: string) => void): void {
  if (v === undefined) return;
  if (!isObject(v)) {
    add(['garp'], 'must be an object');
    return;
  }
  for (const key of Object.keys(v)) if (!GARP_KEYS.has(key)) add(['garp', key], 'unknown setting');
  if (v.mode !== undefined && !['request', 'reply', 'both'].includes(v.mode as string)) {
    add(['garp', 'mode'], 'must be "request", "reply" or "both"');
  }
  if (v.count !== undefined && (!nonNegativeInt(v.count) || v.count < 1 || v.count > 100)) add(['garp', 'count'], 'must be an integer 1-100');
  for (const key of ['intervalMs', 'delayMs', 'refreshMs'] as const) {
    if (v[key] !== undefined && !nonNegativeInt(v[key])) add(['garp', key], 'must be a whole number of milliseconds');
  }
}

/** A group setting as named for people: `groups[2] ("web").vips[5]`. */
export function groupSettingName(index: number, name: string | undefined, sub: Array<string | number>): string {
  const at = name === undefined ? `groups[${index}]` : `groups[${index}] ("${name}")`;
  return `${at}${sub.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')}`;
}

/**
 * Validates one raw group; returns every problem found. Its VIP entries are
 * only checked to be strings here: each is parsed once, into the snapshot's
 * typed columns (snapshot.ts), which reports the entries that do not parse.
 */
export function groupProblems(index: number, g: unknown): GroupProblem[] {
  const problems: GroupProblem[] = [];
  const name = isObject(g) && typeof g.name === 'string' ? g.name : undefined;
  const add = (sub: Array<string | number>, message: string): void => {
    problems.push({ path: ['groups', index, ...sub], where: groupSettingName(index, name, sub), message });
  };
  if (!isObject(g)) {
    add([], 'must be an object');
    return problems;
  }
  for (const key of Object.keys(g)) if (!GROUP_KEYS.has(key)) add([key], 'unknown setting');
  if (name === undefined || !NAME_PATTERN.test(name)) add(['name'], 'must be 1-64 letters, digits, "_", "." or "-"');
  if (typeof g.interface !== 'string' || g.interface === '' || g.interface.length > MAX_IFNAME || /[\s/:]/.test(g.interface)) {
    add(['interface'], `must be an interface name (1-${MAX_IFNAME} characters, no spaces, "/" or ":")`);
  }
  if (g.vips !== undefined && (!Array.isArray(g.vips) || g.vips.some((v) => typeof v !== 'string'))) {
    add(['vips'], 'must be a list of strings');
  }
  if (g.vipsFile !== undefined && (typeof g.vipsFile !== 'string' || g.vipsFile === '')) add(['vipsFile'], 'must be a file path');
  if (g.vips === undefined && g.vipsFile === undefined) add([], 'needs "vips" or "vipsFile"');
  if (g.mac !== undefined && (typeof g.mac !== 'string' || parseMac(g.mac) === undefined)) {
    add(['mac'], 'must be a MAC like 00:00:5e:00:01:0a');
  }
  if (g.initialRole !== undefined && g.initialRole !== 'master' && g.initialRole !== 'backup') {
    add(['initialRole'], 'must be "master" or "backup"');
  }
  if (g.keepalived !== undefined && (!Array.isArray(g.keepalived) || g.keepalived.some((v) => typeof v !== 'string' || v === ''))) {
    add(['keepalived'], 'must be a list of VRRP instance or group names');
  }
  if (g.defend !== undefined && typeof g.defend !== 'boolean') add(['defend'], 'must be true or false');
  if (g.ndpRouter !== undefined && g.ndpRouter !== 'auto' && typeof g.ndpRouter !== 'boolean') add(['ndpRouter'], 'must be "auto", true or false');
  garpProblems(g.garp, add);
  return problems;
}

/** Every problem of the whole `groups` list, including names used twice. */
export function groupsProblems(groups: unknown): GroupProblem[] {
  if (!Array.isArray(groups)) return [{ path: ['groups'], where: 'groups', message: 'must be a list of groups' }];
  const problems = groups.flatMap((g, i) => groupProblems(i, g));
  const firstByName = new Map<string, number>();
  groups.forEach((g, i) => {
    const name = isObject(g) && typeof g.name === 'string' ? g.name : undefined;
    if (name === undefined) return;
    const first = firstByName.get(name);
    if (first !== undefined) {
      problems.push({
        path: ['groups', i, 'name'],
        where: `groups[${i}].name`,
        message: `group name "${name}" is already used by groups[${first}]; names must be unique`,
      });
    } else firstByName.set(name, i);
  });
  return problems;
}

/** Fills defaults into a validated raw group. */
export function normalizeGroup(g: Record<string, unknown>): GroupConfig {
  const garp = { ...GARP_DEFAULTS, ...(isObject(g.garp) ? (g.garp as Partial<GarpConfig>) : {}) };
  const out: GroupConfig = {
    name: g.name as string,
    interface: g.interface as string,
    vips: (g.vips as string[] | undefined) ?? [],
    initialRole: (g.initialRole as 'master' | 'backup' | undefined) ?? 'master',
    keepalived: (g.keepalived as string[] | undefined) ?? [],
    garp,
    defend: (g.defend as boolean | undefined) ?? true,
    ndpRouter: (g.ndpRouter as NdpRouter | undefined) ?? 'auto',
  };
  if (typeof g.vipsFile === 'string') out.vipsFile = g.vipsFile;
  if (typeof g.mac === 'string') out.mac = g.mac;
  return out;
}
