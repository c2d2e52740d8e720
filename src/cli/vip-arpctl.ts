#!/usr/bin/env node
/**
 * vip-arpctl: the control socket's command-line client. Parse arguments, send
 * one request, print the answer, exit with a code scripts can trust.
 */
import { sendRequest } from '../control/client.js';
import type { ControlResponse } from '../control/protocol.js';
import { renderHuman } from '../control/human-output.js';
import { VipArpdError } from '../util/errors.js';
import { verdictFailed } from '../diagnostics/format.js';
import { colourWanted, textStyle, type TextStyle } from '../control/text-style.js';
import { runTop } from '../top/top.js';
import { CTL_OK, CTL_PROBLEM, CTL_REFUSED, CTL_UNREACHABLE, CTL_USAGE } from './exit-codes.js';

const DEFAULT_SOCKET = '/run/vip-arpd/control.sock';
/** The daemon answers in well under a millisecond; 5 s only bounds a hung daemon. */
const DEFAULT_TIMEOUT_MS = 5000;
/** `top` redraws this often by default; a person reads a 1 s rate without it flickering. */
const DEFAULT_TOP_INTERVAL_MS = 1000;

const USAGE = `Usage: vip-arpctl [--socket PATH] [--json] [--timeout MS] COMMAND [ARGS…]

Talks to vip-arpd over its control socket.

Commands (\`vip-arpctl help\` lists what the running daemon answers):
  status                      daemon, groups (name, role, interface, VIPs), counters
  vips [GROUP]                VIPs of every group, or of one
  role GROUP                  MASTER, BACKUP or FAULT (for scripts)
  takeover GROUP              become MASTER: answer and announce the group's VIPs
  release GROUP               become BACKUP: stop answering the group's VIPs
  fault GROUP                 become FAULT (silent, shown apart from BACKUP)
  garp GROUP|VIP              send one announcement round now (MASTER only):
                              gratuitous ARP for IPv4, unsolicited NA for IPv6
  announce GROUP|VIP          the same as garp
  notify TYPE NAME STATE [PRIORITY]
                              keepalived's notify arguments, unchanged, e.g.
                              notify INSTANCE VI_1 MASTER 100
  reload                      re-read the config and VIP files now (like SIGHUP)
  doctor                      check sysctls, VIP addresses, interfaces, capabilities
  probe VIP|GROUP [--window MS]
                              who answers ARP for the VIP(s)? flags foreign MACs
  conflicts [--limit N] [--clear]
                              foreign MACs seen claiming our VIPs
  metrics                     Prometheus text exposition
  log-level [LEVEL]           show or set the log level at runtime
  top [--interval MS]         live view, redrawn every second: roles, ARP
                              requests/answers/drops per second, GARP frames,
                              conflicts, recent role changes and reloads (q quits)

Options:
  -s, --socket PATH   control socket (default $VIP_ARPD_CONTROL_SOCKET or ${DEFAULT_SOCKET})
  -j, --json          print the daemon's data as JSON (errors: {"code","message"})
  -t, --timeout MS    give up waiting for the daemon after MS (default ${DEFAULT_TIMEOUT_MS})
  -h, --help          show this help

Colour (roles, PASS/WARN/FAIL, conflicts) only on a terminal, never with NO_COLOR set.

Exit codes:
  ${CTL_OK}  success
  ${CTL_REFUSED}  refused by the daemon (the error code and message are printed)
  ${CTL_USAGE}  usage error (nothing was sent)
  ${CTL_UNREACHABLE}  daemon unreachable (no socket, no permission, no answer)
  ${CTL_PROBLEM}  the check found a problem (doctor: a failed check; probe: a foreign responder)`;

interface Invocation {
  socket: string;
  json: boolean;
  timeoutMs: number;
  cmd: string;
  args: string[];
}

class UsageError extends Error {}

/**
 * Parses vip-arpctl's arguments: options first, then the command and its
 * arguments verbatim (so `notify` gets keepalived's arguments unchanged).
 * Returns undefined for --help.
 * @throws {UsageError}
 */
function parseInvocation(argv: string[], env: NodeJS.ProcessEnv): Invocation | undefined {
  const inv: Omit<Invocation, 'cmd' | 'args'> = { socket: env.VIP_ARPD_CONTROL_SOCKET || DEFAULT_SOCKET, json: false, timeoutMs: DEFAULT_TIMEOUT_MS };
  let i = 0;
  const value = (opt: string): string => {
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${opt} needs a value`);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) break;
    if (a === '--') {
      i++;
      break;
    }
    const eq = a.indexOf('=');
    const [name, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const take = (): string => inline ?? value(name);
    switch (name) {
      case '-h':
      case '--help':
        return undefined;
      case '-j':
      case '--json':
        inv.json = true;
        break;
      case '-s':
      case '--socket':
        inv.socket = take();
        break;
      case '-t':
      case '--timeout': {
        const t = take();
        if (!/^\d+$/.test(t) || Number(t) < 1) throw new UsageError(`--timeout must be a positive number of milliseconds, got "${t}"`);
        inv.timeoutMs = Number(t);
        break;
      }
      default:
        throw new UsageError(`unknown option ${a}`);
    }
  }
  const cmd = argv[i];
  if (cmd === undefined) throw new UsageError('no command given');
  return { ...inv, cmd, args: argv.slice(i + 1) };
}

/** `top`'s arguments: the redraw interval in ms, or the usage error. */
function parseTopArgs(args: string[]): number | UsageError {
  if (args.length === 0) return DEFAULT_TOP_INTERVAL_MS;
  const ms = args[0] === '--interval' && args.length === 2 && /^\d+$/.test(args[1]!) ? Number(args[1]) : NaN;
  return ms >= 100 ? ms : new UsageError(`usage: top [--interval MS] (MS at least 100), got "${args.join(' ')}"`);
}

/** `vip-arpctl top`: runs until q / Ctrl-C; usage errors before anything is drawn. */
async function runTopCommand(inv: Invocation, style: TextStyle): Promise<number> {
  const intervalMs = inv.json ? new UsageError('top is for a person; scripts use --json status once per interval') : parseTopArgs(inv.args);
  if (intervalMs instanceof UsageError) {
    process.stderr.write(`vip-arpctl: ${intervalMs.message}\n`);
    return CTL_USAGE;
  }
  const socket = inv.socket;
  // A hung daemon must not freeze the screen for longer than a few redraws.
  const timeoutMs = Math.min(inv.timeoutMs, Math.max(2 * intervalMs, 1000));
  await runTop({ socket, intervalMs, style, out: process.stdout, in: process.stdin, request: (cmd) => sendRequest(socket, cmd, [], timeoutMs) });
  return CTL_OK;
}

async function main(argv: string[]): Promise<number> {
  let inv: Invocation | undefined;
  try {
    inv = parseInvocation(argv, process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`vip-arpctl: ${err.message}\n\n${USAGE}\n`);
    return CTL_USAGE;
  }
  if (inv === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return CTL_OK;
  }
  const style = textStyle(!inv.json && colourWanted(process.stdout.isTTY, process.env));
  if (inv.cmd === 'top') return runTopCommand(inv, style);
  let response: ControlResponse;
  try {
    response = await sendRequest(inv.socket, inv.cmd, inv.args, inv.timeoutMs);
  } catch (err) {
    if (!(err instanceof VipArpdError)) throw err;
    process.stderr.write(`vip-arpctl: ${err.message}\n`);
    return CTL_UNREACHABLE;
  }
  if (!response.ok) {
    if (inv.json) process.stdout.write(`${JSON.stringify(response.error)}\n`);
    process.stderr.write(`vip-arpctl: ${inv.cmd}: ${response.error.message} (${response.error.code})\n`);
    return CTL_REFUSED;
  }
  process.stdout.write(`${inv.json ? JSON.stringify(response.data) : renderHuman(inv.cmd, response.data, { now: Date.now(), style })}\n`);
  return verdictFailed(response.data) ? CTL_PROBLEM : CTL_OK;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`vip-arpctl: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = CTL_UNREACHABLE;
  },
);
