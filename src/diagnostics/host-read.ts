/**
 * Small readers of host state shared by doctor.ts and doctor6.ts: a number
 * from a /proc file, and `ip` runs with the same bounds.
 */
import { childProcess, fs, util } from '../util/node-builtins.js';

const { promisify } = util;

/** `ip -j` on a director with 10k addresses prints megabytes; allow it, but not without bound. */
const IP_MAX_BUFFER = 64 * 1024 * 1024;
/** iproute2 answers in milliseconds; a hung netlink dump must not hang the control client. */
const IP_TIMEOUT_MS = 10_000;

/** Runs `cmd args` (iproute2's ip or bridge) and returns its stdout. @throws the child_process error (code, stderr). */
export async function runIproute(cmd: 'ip' | 'bridge', args: readonly string[]): Promise<string> {
  return (await promisify(childProcess().execFile)(cmd, args, { maxBuffer: IP_MAX_BUFFER, timeout: IP_TIMEOUT_MS })).stdout;
}

/** The integer in file `path` (a sysctl under /proc/sys), undefined when unreadable or not a number. */
export async function readNumberFile(path: string): Promise<number | undefined> {
  try {
    const n = Number.parseInt(await fs.promises.readFile(path, 'utf8'), 10);
    return Number.isNaN(n) ? undefined : n;
  } catch {
    return undefined;
  }
}
