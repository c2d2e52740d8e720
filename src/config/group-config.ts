/**
 * The `groups[]` section: types, defaults and validation of one group. Pure;
 * convict calls {@link validateGroups} as the format of `groups`.
 */
import { parseMac } from '../wire/mac.js';
import { parseVipEntry } from '../vips/vip-spec.js';

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
}

const GROUP_KEYS = new Set(['name', 'interface', 'vips', 'vipsFile', 'mac', 'initialRole', 'keepalived', 'garp', 'defend']);
const GARP_KEYS = new Set(Object.keys(GARP_DEFAULTS));
const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** IFNAMSIZ - 1 */
const MAX_IFNAME = 15;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** Validates one garp object, returning problems as `where: what` strings. */
function garpProblems(where: string, v: unknown): string[] {
  if (v === undefined) return [];
  if (!isObject(v)) return [`${where}: must be an object`];
  const problems: string[] = [];
  for (const key of Object.keys(v)) if (!GARP_KEYS.has(key)) problems.push(`${where}.${key}: unknown setting`);
  if (v.mode !== undefined && !['request', 'reply', 'both'].includes(v.mode as string)) {
    problems.push(`${where}.mode: must be "request", "reply" or "both"`);
  }
  if (v.count !== undefined && (!nonNegativeInt(v.count) || v.count < 1 || v.count > 100)) problems.push(`${where}.count: must be an integer 1-100`);
  for (const key of ['intervalMs', 'delayMs', 'refreshMs'] as const) {
    if (v[key] !== undefined && !nonNegativeInt(v[key])) problems.push(`${where}.${key}: must be a whole number of milliseconds`);
  }
  return problems;
}

/** Validates one raw group; returns every problem found. */
export function groupProblems(index: number, g: unknown): string[] {
  const where = `groups[${index}]`;
  if (!isObject(g)) return [`${where}: must be an object`];
  const name = typeof g.name === 'string' ? g.name : undefined;
  const at = name === undefined ? where : `${where} ("${name}")`;
  const problems: string[] = [];
  for (const key of Object.keys(g)) if (!GROUP_KEYS.has(key)) problems.push(`${at}.${key}: unknown setting`);
  if (name === undefined || !NAME_PATTERN.test(name)) problems.push(`${at}.name: must be 1-64 letters, digits, "_", "." or "-"`);
  if (typeof g.interface !== 'string' || g.interface === '' || g.interface.length > MAX_IFNAME || /[\s/:]/.test(g.interface)) {
    problems.push(`${at}.interface: must be an interface name (1-${MAX_IFNAME} characters, no spaces, "/" or ":")`);
  }
  if (g.vips !== undefined && (!Array.isArray(g.vips) || g.vips.some((v) => typeof v !== 'string'))) {
    problems.push(`${at}.vips: must be a list of strings`);
  } else if (Array.isArray(g.vips)) {
    g.vips.forEach((v: string, i: number) => {
      const r = parseVipEntry(v);
      if (!r.ok) problems.push(`${at}.vips[${i}]: ${r.message}`);
    });
  }
  if (g.vipsFile !== undefined && (typeof g.vipsFile !== 'string' || g.vipsFile === '')) problems.push(`${at}.vipsFile: must be a file path`);
  if (g.vips === undefined && g.vipsFile === undefined) problems.push(`${at}: needs "vips" or "vipsFile"`);
  if (g.mac !== undefined && (typeof g.mac !== 'string' || parseMac(g.mac) === undefined)) {
    problems.push(`${at}.mac: must be a MAC like 00:00:5e:00:01:0a`);
  }
  if (g.initialRole !== undefined && g.initialRole !== 'master' && g.initialRole !== 'backup') {
    problems.push(`${at}.initialRole: must be "master" or "backup"`);
  }
  if (g.keepalived !== undefined && (!Array.isArray(g.keepalived) || g.keepalived.some((v) => typeof v !== 'string' || v === ''))) {
    problems.push(`${at}.keepalived: must be a list of VRRP instance or group names`);
  }
  if (g.defend !== undefined && typeof g.defend !== 'boolean') problems.push(`${at}.defend: must be true or false`);
  problems.push(...garpProblems(`${at}.garp`, g.garp));
  return problems;
}

/**
 * Validates the whole `groups` list (including unique names).
 * @throws {Error} listing every problem, one per line.
 */
export function validateGroups(groups: unknown): void {
  if (!Array.isArray(groups)) throw new Error('must be a list of groups');
  const problems = groups.flatMap((g, i) => groupProblems(i, g));
  const seen = new Set<string>();
  for (const g of groups) {
    const name = isObject(g) && typeof g.name === 'string' ? g.name : undefined;
    if (name === undefined) continue;
    if (seen.has(name)) problems.push(`group name "${name}" is used twice`);
    seen.add(name);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
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
  };
  if (typeof g.vipsFile === 'string') out.vipsFile = g.vipsFile;
  if (typeof g.mac === 'string') out.mac = g.mac;
  return out;
}
