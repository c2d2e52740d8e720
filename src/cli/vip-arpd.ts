#!/usr/bin/env node
/**
 * vip-arpd: parse arguments, load config, start the daemon, handle signals.
 */
import { ConfigError, type SettingFlags } from '../config/load-config.js';
import { FLAG_SETTINGS } from '../config/schema.js';
import { loadSnapshot } from '../config/load-snapshot.js';
import type { Snapshot } from '../config/snapshot.js';
import { effectiveConfig } from '../config/effective-config.js';
import { createLogger } from '../log/log.js';
import { composeDaemon } from '../daemon/composition-root.js';
import { VipArpdError, isSystemError } from '../util/errors.js';
import { OPEN_PACKET_SYSCALL } from '../native/packet-socket.js';
import { readInterfaceState } from '../iface/interface-watch.js';
import { missingInterfaceWarnings } from '../iface/missing-interfaces.js';
import { packageVersion } from './version.js';
import { EXIT_CANT_CREATE, EXIT_CONFIG, EXIT_NO_PERMISSION, EXIT_OK, EXIT_SOFTWARE, EXIT_USAGE } from './exit-codes.js';
import { util } from '../util/node-builtins.js';

const { parseArgs } = util;

const USAGE = `Usage: vip-arpd [--config FILE] [options]

Answers ARP for the VIPs of the groups this LVS director is MASTER for.

Options:
  -c, --config FILE          JSON config file (see etc/vip-arpd.json, docs/config.md)
  -t, --check-config         validate the config and every VIP file, print the
                             effective config as JSON, exit 0 (valid) or 78
      --log-level LEVEL      fatal|error|warn|info|debug|trace (env VIP_ARPD_LOG_LEVEL)
      --state-file FILE      role state file (env VIP_ARPD_STATE_FILE)
      --control-socket PATH  control socket, "" for none (env VIP_ARPD_CONTROL_SOCKET)
      --metrics-listen ADDR  host:port for Prometheus /metrics (env VIP_ARPD_METRICS_LISTEN)
  -V, --version              print the version and exit
  -h, --help                 show this help

Exit codes: 0 ok, 64 usage, 70 internal error,
73 cannot create the control socket, state file or FIFO reader,
77 no CAP_NET_RAW, 78 invalid config. A configured interface that does not
exist is waited for (and reported), not an exit; --check-config warns of it.`;

function fail(code: number, message: string): never {
  process.stderr.write(`vip-arpd: ${message}\n`);
  process.exit(code);
}

/** One `file:line:column: what` line per problem, like `nginx -t`. */
function failConfig(err: ConfigError): never {
  fail(EXIT_CONFIG, `invalid config (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}):\n${err.message}`);
}

/** Exits with the code and message that say what to fix; rethrows what is a bug. */
function startupFailure(err: unknown): never {
  if (isSystemError(err) && (err.code === 'EPERM' || err.code === 'EACCES') && err.syscall === OPEN_PACKET_SYSCALL) {
    fail(
      EXIT_NO_PERMISSION,
      `cannot open a packet socket on ${err.iface ?? 'the interface'} (${err.code}): vip-arpd needs CAP_NET_RAW; run it as root or with AmbientCapabilities=CAP_NET_RAW`,
    );
  }
  if (err instanceof ConfigError) failConfig(err);
  // The control socket, the state file, the keepalived FIFO: a resource the
  // daemon must create could not be; the message says which and why.
  if (err instanceof VipArpdError || isSystemError(err)) fail(EXIT_CANT_CREATE, `cannot start: ${err.message}`);
  throw err;
}

interface Invocation {
  configFile: string | undefined;
  checkConfig: boolean;
  help: boolean;
  version: boolean;
  /** the flags that set a config setting (`--log-level` …), for the config loader */
  flags: SettingFlags;
}

/**
 * Parses argv, once: vip-arpd's own options, and the setting flags the
 * schema declares (FLAG_SETTINGS), handed to the config loader as values.
 * @throws {TypeError} from parseArgs on an unknown option or a missing value.
 */
function parseInvocation(argv: string[]): Invocation {
  const settingOptions = Object.fromEntries([...FLAG_SETTINGS.keys()].map((flag) => [flag, { type: 'string' as const }]));
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      'check-config': { type: 'boolean', short: 't' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'V' },
      ...settingOptions,
    },
    strict: true,
    allowPositionals: false,
  });
  const { config, 'check-config': checkConfig, help, version, ...flags } = values;
  return {
    configFile: config as string | undefined,
    checkConfig: checkConfig === true,
    help: help === true,
    version: version === true,
    flags: flags as Record<string, string>,
  };
}

async function main(argv: string[]): Promise<void> {
  let inv: Invocation;
  try {
    inv = parseInvocation(argv);
  } catch (err) {
    fail(EXIT_USAGE, `${(err as Error).message}\n\n${USAGE}`);
  }
  if (inv.version) {
    process.stdout.write(`vip-arpd ${packageVersion()} (Node.js ${process.versions.node})\n`);
    return;
  }
  if (inv.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { configFile, flags } = inv;

  let snapshot: Snapshot;
  try {
    snapshot = loadSnapshot({ file: configFile, flags });
  } catch (err) {
    if (err instanceof ConfigError) failConfig(err);
    throw err;
  }
  if (inv.checkConfig) {
    process.stdout.write(`${JSON.stringify(effectiveConfig(snapshot), null, 2)}\n`);
    // A warning, not an error: a VLAN or bond may be created after the check
    // (ExecStartPre, packaging), and the daemon waits for it.
    for (const w of missingInterfaceWarnings(snapshot.config.groups, (name) => readInterfaceState(name).present))
      process.stderr.write(`vip-arpd: warning: ${w}\n`);
    return;
  }
  const log = createLogger(snapshot.config.log.level);
  const { daemon, roles, inForce, links } = composeDaemon({ configFile, flags, log });

  try {
    await daemon.start(snapshot);
  } catch (err) {
    await daemon.stop();
    startupFailure(err);
  }

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    void daemon.stop().then(() => {
      log.info('stopped');
      process.exit(EXIT_OK);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  log.info(
    { groups: roles.groups.size, vips: inForce.table.size + inForce.ipv6Table.size, interfaces: [...links.keys()], generation: inForce.generation },
    'ready',
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`vip-arpd: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(EXIT_SOFTWARE);
});
