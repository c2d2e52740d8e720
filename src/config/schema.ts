/**
 * Every setting the daemon reads, one row each: type (with its range),
 * default, environment variable, flag and doc. Sources, lowest first:
 * defaults < config file < VIP_ARPD_* environment < command-line flags
 * (check-settings.ts applies them). `groups` is no row: it comes only from
 * the file and group-config.ts checks it. docs/config.md's table shows these
 * rows (test/unit/config-schema.test.ts keeps the two in step).
 */
import { custom, oneOf, stringList, text, wholeNumber, yesNo, type SettingType } from './setting-types.js';
import { fastPathProblem, type FastPathSetting } from './fast-path.js';

/** pino's levels; an operator may also set them at runtime (log-level-feature.ts). */
export const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Default `diagnostics.handoverGraceMs` (diagnostics/handover-grace.ts).
 * keepalived sends the new MASTER's first advertisement and its gratuitous
 * ARPs together, and the old MASTER steps down as soon as it hears that
 * advertisement; if it is lost the next comes `advert_int` (default 1 s)
 * later. The release hook (notify_fifo, or a notify script running
 * vip-arpctl) adds up to a few hundred ms. 2 s covers one lost advertisement
 * plus the hook; a real split brain is defended that much later.
 */
export const HANDOVER_GRACE_MS = 2000;
/** Longest grace accepted: past a minute a split brain would go unanswered too long to call it a wait. */
export const MAX_HANDOVER_GRACE_MS = 60_000;
/** Longest delay setTimeout keeps (2^31 - 1 ms); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Every setting but `groups`, as the daemon reads them. */
export interface Settings {
  stateFile: string;
  control: { socket: string; mode: string; group: string; maxClients: number; maxLineBytes: number; idleTimeoutMs: number };
  announce: { maxFramesPerSecond: number };
  keepalived: { notifyFifo: string };
  watch: { enabled: boolean; debounceMs: number };
  metrics: { listen: string };
  diagnostics: { peers: string[]; defendIntervalMs: number; handoverGraceMs: number };
  fastPath: FastPathSetting;
  ndp: { maxSolicitedNodeGroups: number };
  log: { level: string };
}

/** One row of the table. */
export interface Setting<T> {
  type: SettingType<T>;
  default: T;
  /** environment variable that sets it */
  env?: string;
  /** command-line flag that sets it (`--state-file`), without the dashes */
  flag?: string;
  doc: string;
}

type Leaf = string | number | boolean | readonly unknown[];
/** `control.socket`, …: the path of every leaf of T. */
export type SettingPath<T = Settings, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends Leaf ? `${P}${K}` : SettingPath<T[K], `${P}${K}.`>;
}[keyof T & string];
type ValueAt<T, P extends string> = P extends `${infer K}.${infer R}` ? (K extends keyof T ? ValueAt<T[K], R> : never) : P extends keyof T ? T[P] : never;

/** A row for every leaf of Settings, of its type, and no other (the compiler checks). */
export type SettingsTable = { readonly [P in SettingPath]: Setting<ValueAt<Settings, P>> };

const count = wholeNumber({ min: 0, max: Number.MAX_SAFE_INTEGER });
const timerMs = wholeNumber({ min: 0, max: MAX_TIMER_MS, unit: 'milliseconds' });
const fileMode = custom<string>((v) =>
  typeof v === 'string' && /^0?[0-7]{3}$/.test(v) ? undefined : `must be an octal mode like "0660"; got ${JSON.stringify(v)}`,
);

export const SETTINGS: SettingsTable = {
  stateFile: {
    type: text,
    default: '/run/vip-arpd/state.json',
    env: 'VIP_ARPD_STATE_FILE',
    flag: 'state-file',
    doc: 'where group roles are persisted across restarts (same boot only)',
  },
  'control.socket': {
    type: text,
    default: '/run/vip-arpd/control.sock',
    env: 'VIP_ARPD_CONTROL_SOCKET',
    flag: 'control-socket',
    doc: 'unix socket for vip-arpctl; empty = no control socket',
  },
  'control.mode': { type: fileMode, default: '0660', env: 'VIP_ARPD_CONTROL_MODE', doc: 'control socket file mode' },
  'control.group': { type: text, default: '', env: 'VIP_ARPD_CONTROL_GROUP', doc: "group owning the control socket; empty = the daemon user's" },
  'control.maxClients': { type: count, default: 32, doc: 'concurrent control connections' },
  'control.maxLineBytes': { type: count, default: 65536, doc: 'longest request line accepted' },
  'control.idleTimeoutMs': { type: timerMs, default: 30000, doc: 'a client idle this long is disconnected' },
  'announce.maxFramesPerSecond': {
    type: count,
    default: 2000,
    env: 'VIP_ARPD_GARP_RATE',
    doc: 'gratuitous ARP frames per second per interface (pacing, like keepalived vrrp_garp_interval); 0 = unpaced',
  },
  'keepalived.notifyFifo': {
    type: text,
    default: '',
    env: 'VIP_ARPD_KEEPALIVED_FIFO',
    doc: 'keepalived notify_fifo path to read state changes from; empty = off',
  },
  'watch.enabled': { type: yesNo, default: true, env: 'VIP_ARPD_WATCH', doc: 'reload when the config or a VIP file changes' },
  'watch.debounceMs': { type: timerMs, default: 100, doc: 'wait for changes to settle before reloading' },
  'metrics.listen': {
    type: text,
    default: '',
    env: 'VIP_ARPD_METRICS_LISTEN',
    flag: 'metrics-listen',
    doc: 'host:port for a Prometheus /metrics HTTP listener, e.g. 127.0.0.1:9733; empty = off',
  },
  'diagnostics.peers': { type: stringList, default: [], doc: 'MACs of peer directors: their claims on our VIPs are expected, not conflicts' },
  'diagnostics.defendIntervalMs': { type: timerMs, default: 10000, doc: 'at most one defending GARP per VIP this often (RFC 5227 DEFEND_INTERVAL)' },
  'diagnostics.handoverGraceMs': {
    type: wholeNumber({ min: 0, max: MAX_HANDOVER_GRACE_MS, unit: 'milliseconds' }),
    default: HANDOVER_GRACE_MS,
    doc: "while MASTER, wait this long after another director's gratuitous ARP for our VIPs (a make-before-break handover) for the release before defending; 0 = defend at once",
  },
  fastPath: {
    type: custom<FastPathSetting>(fastPathProblem),
    default: 'off',
    env: 'VIP_ARPD_FAST_PATH',
    doc: 'XDP fast path (docs/xdp.md): "off", "xdp" or "xdp-generic" on every group interface, or a list of interface names for "xdp"',
  },
  'ndp.maxSolicitedNodeGroups': {
    type: count,
    default: 4096,
    doc: 'solicited-node groups joined per interface at most; more: the interface receives all multicast instead (an MLD-snooping switch then needs a querier or static config)',
  },
  'log.level': { type: oneOf(LOG_LEVELS), default: 'info', env: 'VIP_ARPD_LOG_LEVEL', flag: 'log-level', doc: 'pino log level' },
};

/** The rows, in table order. */
export const SETTING_ROWS = Object.entries(SETTINGS) as ReadonlyArray<[SettingPath, Setting<unknown>]>;

/** Flag name → the setting it sets, e.g. `log-level` → `log.level`. */
export const FLAG_SETTINGS: ReadonlyMap<string, SettingPath> = new Map(
  SETTING_ROWS.flatMap(([path, s]) => (s.flag === undefined ? [] : [[s.flag, path] as const])),
);
