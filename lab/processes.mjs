// @ts-check
/**
 * Processes the lab starts inside namespaces, and what it keeps to clean up:
 * every namespace and child of this process is removed on exit (and, for
 * programs that ask, on SIGINT/SIGTERM), also after a failure or a crash of
 * the caller's own code.
 */
import { execFileSync, spawn } from 'node:child_process';

/** @typedef {import('node:child_process').ChildProcess} ChildProcess */

/** @type {Set<string>} */
const liveNamespaces = new Set();
/** @type {Set<ChildProcess>} */
const liveChildren = new Set();
let exitHookInstalled = false;
let signalHookInstalled = false;

/**
 * trackNamespace remembers `name` for the exit clean-up; `forgetNamespace` once deleted.
 * @param {string} name
 */
export function trackNamespace(name) {
  installExitHook();
  liveNamespaces.add(name);
}

/** @param {string} name */
export function forgetNamespace(name) {
  liveNamespaces.delete(name);
}

/** cleanupNow kills every tracked child and deletes every tracked namespace, synchronously. */
export function cleanupNow() {
  for (const c of liveChildren) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
  for (const ns of liveNamespaces) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  liveNamespaces.clear();
}

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', cleanupNow);
}

/**
 * cleanupOnSignals makes SIGINT and SIGTERM clean up and exit with 130, for
 * programs run by hand (benchmarks, the demo). Tests leave signals to tap.
 * @param {string} what what is cleaned up, for the message on stderr
 */
export function cleanupOnSignals(what) {
  installExitHook();
  if (signalHookInstalled) return;
  signalHookInstalled = true;
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal}: cleaning up ${what}\n`);
      cleanupNow();
      process.exit(130);
    });
  }
}

/**
 * Options for {@link spawnIn}.
 * @typedef {object} SpawnOpts
 * @property {NodeJS.ProcessEnv} [env] Extra environment variables.
 * @property {'pipe' | 'ignore'} [stdin] Default 'pipe'.
 */

/**
 * spawnIn starts `cmd args` inside namespace `ns` with stdout and stderr
 * piped. `ip netns exec` setns()es and then execs cmd, so child.pid is cmd
 * itself. The child is killed when this process exits.
 * @param {string} ns
 * @param {string} cmd
 * @param {string[]} args
 * @param {SpawnOpts} [opts]
 * @returns {ChildProcess}
 */
export function spawnIn(ns, cmd, args, opts = {}) {
  installExitHook();
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
    stdio: [opts.stdin ?? 'pipe', 'pipe', 'pipe'],
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
  });
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  return child;
}

/**
 * waitExit resolves when `child` has exited (at once if it already has).
 * @param {ChildProcess} child
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null }>}
 */
export function waitExit(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

/**
 * killAndWait sends `signal` to `child`, SIGKILL after `graceMs`, and
 * resolves once it has exited.
 * @param {ChildProcess} child
 * @param {NodeJS.Signals} [signal]
 * @param {number} [graceMs]
 * @returns {Promise<void>}
 */
export async function killAndWait(child, signal = 'SIGTERM', graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = waitExit(child);
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}
