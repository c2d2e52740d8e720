/**
 * The convict schema for everything the daemon reads. Sources, lowest first:
 * defaults < config file < VIP_ARPD_* environment < command-line flags.
 */
import convict from 'convict';
import { validateGroups } from './group-config.js';
import { validateFastPath } from './fast-path.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

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

convict.addFormat({
  name: 'vip-groups',
  validate: validateGroups,
});

convict.addFormat({ name: 'fast-path', validate: validateFastPath });

convict.addFormat({
  name: 'file-mode',
  validate(v: unknown) {
    if (typeof v !== 'string' || !/^0?[0-7]{3}$/.test(v)) throw new Error('must be an octal mode like "0660"');
  },
});

export const schema = {
  groups: {
    doc: 'VIP groups: each has a name, an interface, VIPs (inline and/or vipsFile) and a role',
    format: 'vip-groups',
    default: [] as unknown[],
  },
  stateFile: {
    doc: 'where group roles are persisted across restarts (same boot only)',
    format: String,
    default: '/run/vip-arpd/state.json',
    env: 'VIP_ARPD_STATE_FILE',
    arg: 'state-file',
  },
  control: {
    socket: {
      doc: 'unix socket for vip-arpctl; empty = no control socket',
      format: String,
      default: '/run/vip-arpd/control.sock',
      env: 'VIP_ARPD_CONTROL_SOCKET',
      arg: 'control-socket',
    },
    mode: { doc: 'control socket file mode', format: 'file-mode', default: '0660', env: 'VIP_ARPD_CONTROL_MODE' },
    group: { doc: 'group owning the control socket; empty = the daemon user\'s', format: String, default: '', env: 'VIP_ARPD_CONTROL_GROUP' },
    maxClients: { doc: 'concurrent control connections', format: 'nat', default: 32 },
    maxLineBytes: { doc: 'longest request line accepted', format: 'nat', default: 65536 },
    idleTimeoutMs: { doc: 'a client idle this long is disconnected', format: 'nat', default: 30000 },
  },
  announce: {
    maxFramesPerSecond: {
      doc: 'gratuitous ARP frames per second per interface (pacing, like keepalived vrrp_garp_interval); 0 = unpaced',
      format: 'nat',
      default: 2000,
      env: 'VIP_ARPD_GARP_RATE',
    },
  },
  keepalived: {
    notifyFifo: {
      doc: 'keepalived notify_fifo path to read state changes from; empty = off',
      format: String,
      default: '',
      env: 'VIP_ARPD_KEEPALIVED_FIFO',
    },
  },
  watch: {
    enabled: { doc: 'reload when the config or a VIP file changes', format: Boolean, default: true, env: 'VIP_ARPD_WATCH' },
    debounceMs: { doc: 'wait for changes to settle before reloading', format: 'nat', default: 100 },
  },
  metrics: {
    listen: {
      doc: 'host:port for a Prometheus /metrics HTTP listener, e.g. 127.0.0.1:9733; empty = off',
      format: String,
      default: '',
      env: 'VIP_ARPD_METRICS_LISTEN',
      arg: 'metrics-listen',
    },
  },
  diagnostics: {
    peers: {
      doc: 'MACs of peer directors: their claims on our VIPs are expected, not conflicts',
      format: Array,
      default: [] as string[],
    },
    defendIntervalMs: {
      doc: 'at most one defending GARP per VIP this often (RFC 5227 DEFEND_INTERVAL)',
      format: 'nat',
      default: 10000,
    },
    handoverGraceMs: {
      doc: 'while MASTER, wait this long after another director\'s gratuitous ARP for our VIPs (a make-before-break handover) for the release before defending; 0 = defend at once',
      format(v: unknown) {
        if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > MAX_HANDOVER_GRACE_MS) {
          throw new Error(`must be a whole number of milliseconds, 0-${MAX_HANDOVER_GRACE_MS}`);
        }
      },
      default: HANDOVER_GRACE_MS,
    },
  },
  fastPath: {
    doc: 'XDP fast path (docs/xdp.md): "off", "xdp" or "xdp-generic" on every group interface, or a list of interface names for "xdp"',
    format: 'fast-path',
    default: 'off' as unknown,
    env: 'VIP_ARPD_FAST_PATH',
  },
  log: {
    level: { doc: 'pino log level', format: LOG_LEVELS, default: 'info', env: 'VIP_ARPD_LOG_LEVEL', arg: 'log-level' },
  },
};

/**
 * A fresh convict instance for the schema (one per load, so loads never mix).
 * Flags are not convict's to parse (`args: []`): vip-arpd parses argv once and
 * load-config sets what the flags name (FLAG_SETTINGS).
 */
export function newConfig(env: NodeJS.ProcessEnv = process.env) {
  return convict(schema, { args: [], env });
}

/** Flag name (a setting's `arg`) → the setting it sets, e.g. `log-level` → `log.level`. */
export const FLAG_SETTINGS: ReadonlyMap<string, string> = flagSettings(schema, '');

function flagSettings(node: object, prefix: string, into = new Map<string, string>()): Map<string, string> {
  for (const [key, value] of Object.entries(node) as [string, Record<string, unknown>][]) {
    if ('doc' in value) {
      if (typeof value.arg === 'string') into.set(value.arg, prefix + key);
    } else flagSettings(value, `${prefix}${key}.`, into);
  }
  return into;
}
