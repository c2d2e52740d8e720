/**
 * Network namespaces for benchmarks: created with unique names
 * (`varpbench-<pid>-<name>`), always removed on exit, SIGINT and SIGTERM, and
 * stale ones of a crashed run (their pid is gone) are swept first. The root
 * namespace is never touched: veth pairs are created inside a namespace with
 * their peer moved straight into the other one.
 */
import { execFileSync, spawn } from 'node:child_process';

/** Prefix of every namespace a benchmark creates; distinct from the tests' `varplab-`. */
export const BENCH_NS_PREFIX = 'varpbench-';

const created = new Set();
const children = new Set();
let hooked = false;

/** Runs a command synchronously; returns stdout. @throws {Error} with stderr when it fails. */
export function sh(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  } catch (err) {
    throw new Error(`${cmd} ${args.join(' ')} failed: ${String(err.stderr ?? err.message).trim()}`);
  }
}

/** Runs `cmd` inside namespace `ns`. */
export function nsExec(ns, cmd, args) {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args]);
}

/** Sets sysctls (`key=value` strings) inside `ns`. */
export function nsSysctl(ns, ...settings) {
  nsExec(ns, 'sysctl', ['-qw', ...settings]);
}

/** Writes `value` to a /sys or /proc file as seen from inside `ns`. */
export function nsWrite(ns, file, value) {
  nsExec(ns, 'sh', ['-c', `echo ${value} > ${file}`]);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Deletes namespaces left by benchmark runs whose process is gone. */
export function sweepStaleNamespaces() {
  for (const line of sh('ip', ['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0];
    if (!name?.startsWith(BENCH_NS_PREFIX)) continue;
    const pid = Number(name.slice(BENCH_NS_PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && !isAlive(pid)) deleteNamespace(name);
  }
}

function deleteNamespace(name) {
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  } catch {
    // already gone
  }
  created.delete(name);
}

/** Kills tracked children and deletes every namespace this process created. */
export function cleanupAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already exited
    }
  }
  children.clear();
  for (const name of [...created]) deleteNamespace(name);
}

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', cleanupAll);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal}: cleaning up benchmark namespaces\n`);
      cleanupAll();
      process.exit(130);
    });
  }
}

/** Creates namespace `varpbench-<pid>-<name>` with lo up and IPv6 off (no ND/MLD noise). */
export function createNamespace(name) {
  hookExit();
  const full = `${BENCH_NS_PREFIX}${process.pid}-${name}`;
  sh('ip', ['netns', 'add', full]);
  created.add(full);
  sh('ip', ['-n', full, 'link', 'set', 'lo', 'up']);
  nsSysctl(full, 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
  return full;
}

/** Joins `nsA`/`ifA` and `nsB`/`ifB` with a veth pair, both ends up. */
export function createVeth(nsA, ifA, nsB, ifB) {
  sh('ip', ['-n', nsA, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB]);
  sh('ip', ['-n', nsA, 'link', 'set', ifA, 'up']);
  sh('ip', ['-n', nsB, 'link', 'set', ifB, 'up']);
}

/**
 * Spawns `cmd` inside `ns` (`ip netns exec` execs it, so the pid is the
 * command's own); the child is killed on exit.
 */
export function nsSpawn(ns, cmd, args, opts = {}) {
  hookExit();
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Stops a child with SIGTERM (SIGKILL after `graceMs`) and waits for it. */
export async function stopChild(child, graceMs = 2000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Reads interface counters (`ip -s -j link`) inside `ns`. */
export function linkStats(ns, iface) {
  const [link] = JSON.parse(sh('ip', ['-n', ns, '-s', '-j', 'link', 'show', iface]));
  const s = link.stats64;
  return { rxPackets: s.rx.packets, rxDropped: s.rx.dropped, txPackets: s.tx.packets, txDropped: s.tx.dropped };
}
