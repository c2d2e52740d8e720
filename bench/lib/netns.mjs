// @ts-check
/**
 * Network namespaces for benchmarks, on the lab library (lab/*.mjs): named by
 * its rule (`varplab-<pid>-<id>-<name>`), stale ones of a crashed run swept
 * first, always removed on exit, SIGINT and SIGTERM. The root namespace is
 * never touched. Plus the synchronous command helpers the benchmarks use
 * between measurements.
 */
import { execFileSync } from 'node:child_process';
import { labNamespace, newLabId } from '../../lab/names.mjs';
import { createNamespace as createLabNamespace, createVeth as createLabVeth, sweepStaleLabs } from '../../lab/netns.mjs';
import { cleanupNow, cleanupOnSignals, killAndWait, spawnIn } from '../../lab/processes.mjs';

/** @typedef {import('node:child_process').ChildProcess} ChildProcess */

/** This process's lab id: every namespace a benchmark makes is one lab. */
const LAB_ID = newLabId();

/** Kills tracked children and deletes every namespace this process created. */
export const cleanupAll = cleanupNow;

/**
 * Runs a command synchronously; returns stdout.
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('node:child_process').ExecFileSyncOptions} [opts]
 * @returns {string}
 * @throws {Error} with stderr when it fails.
 */
export function sh(cmd, args, opts = {}) {
  try {
    return String(execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }));
  } catch (err) {
    const e = /** @type {{ stderr?: unknown, message?: string }} */ (err);
    throw new Error(`${cmd} ${args.join(' ')} failed: ${String(e.stderr ?? e.message).trim()}`);
  }
}

/**
 * Runs `cmd` inside namespace `ns`.
 * @param {string} ns
 * @param {string} cmd
 * @param {string[]} args
 */
export function nsExec(ns, cmd, args) {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args]);
}

/**
 * Sets sysctls (`key=value` strings) inside `ns`.
 * @param {string} ns
 * @param {...string} settings
 */
export function nsSysctl(ns, ...settings) {
  nsExec(ns, 'sysctl', ['-qw', ...settings]);
}

/**
 * Writes `value` to a /sys or /proc file as seen from inside `ns`.
 * @param {string} ns
 * @param {string} file
 * @param {string | number} value
 */
export function nsWrite(ns, file, value) {
  nsExec(ns, 'sh', ['-c', `echo ${value} > ${file}`]);
}

/**
 * Creates this benchmark's namespace `name` (lo up, IPv6 off: no ND/MLD
 * noise), after sweeping stale labs; returns its full name.
 * @param {string} name [a-z0-9]+
 * @returns {Promise<string>}
 */
export async function createNamespace(name) {
  cleanupOnSignals('benchmark namespaces');
  await sweepStaleLabs();
  return createLabNamespace(labNamespace(LAB_ID, name));
}

/**
 * Joins `nsA`/`ifA` and `nsB`/`ifB` with a veth pair, both ends up.
 * @param {string} nsA
 * @param {string} ifA
 * @param {string} nsB
 * @param {string} ifB
 * @returns {Promise<void>}
 */
export function createVeth(nsA, ifA, nsB, ifB) {
  return createLabVeth({ ns: nsA, name: ifA }, { ns: nsB, name: ifB });
}

/**
 * Spawns `cmd` inside `ns` (stdin closed); the child is killed on exit.
 * @param {string} ns
 * @param {string} cmd
 * @param {string[]} args
 * @returns {ChildProcess}
 */
export function nsSpawn(ns, cmd, args) {
  cleanupOnSignals('benchmark namespaces');
  return spawnIn(ns, cmd, args, { stdin: 'ignore' });
}

/**
 * Stops a child with SIGTERM (SIGKILL after `graceMs`) and waits for it.
 * @param {ChildProcess} child
 * @param {number} [graceMs]
 */
export function stopChild(child, graceMs = 2000) {
  return killAndWait(child, 'SIGTERM', graceMs);
}

/**
 * Reads interface counters (`ip -s -j link`) inside `ns`.
 * @param {string} ns
 * @param {string} iface
 * @returns {{ rxPackets: number, rxDropped: number, txPackets: number, txDropped: number }}
 */
export function linkStats(ns, iface) {
  const [link] = JSON.parse(sh('ip', ['-n', ns, '-s', '-j', 'link', 'show', iface]));
  const s = link.stats64;
  return { rxPackets: s.rx.packets, rxDropped: s.rx.dropped, txPackets: s.tx.packets, txDropped: s.tx.dropped };
}

/**
 * The MAC address of `iface` in `ns`, as `ip` prints it.
 * @param {string} ns
 * @param {string} iface
 * @returns {string}
 */
export function linkMac(ns, iface) {
  return JSON.parse(sh('ip', ['-n', ns, '-j', 'link', 'show', iface]))[0].address;
}

/**
 * Turns IPv6 on in `ns` (its namespaces start with it off) for lo and
 * `iface`, without DAD on `iface`, so an address added there is usable at once.
 * @param {string} ns
 * @param {string} iface
 */
export function enableIpv6(ns, iface) {
  nsSysctl(
    ns,
    'net.ipv6.conf.all.disable_ipv6=0',
    'net.ipv6.conf.lo.disable_ipv6=0',
    `net.ipv6.conf.${iface}.disable_ipv6=0`,
    `net.ipv6.conf.${iface}.accept_dad=0`,
  );
}

/**
 * Spawns a daemon in `ns` like nsSpawn, keeping what it prints: `output()`
 * for a log file or an error, and a non-zero exit is reported on stderr with it.
 * @param {string} ns
 * @param {string} cmd
 * @param {string[]} args
 * @returns {{ child: ChildProcess, output: () => string }}
 */
export function nsSpawnDaemon(ns, cmd, args) {
  const child = nsSpawn(ns, cmd, args);
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) process.stderr.write(`vip-arpd exited ${code}: ${output}\n`);
  });
  return { child, output: () => output };
}
