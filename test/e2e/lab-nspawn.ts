/**
 * A Debian 12 container booted with systemd-nspawn, for testing the unit and
 * the .deb under a real systemd 252.
 *
 * The root is scripts/nspawn-root.sh's cached debootstrap, never changed:
 * each container boots an overlayfs on it (upper layer in a temp dir), so a
 * test starts from a clean root in a second. systemd-nspawn runs inside a
 * cgroup of our own (removed after), `--keep-unit --register=no` (no
 * systemd-machined needed on the host), with a veth whose host end
 * (`ve-<name>`) the test moves into a network namespace of its own. Commands
 * run inside with `nsenter -t <container PID 1> -a`. Everything is removed on
 * teardown, even on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { labNamespace } from '../../lab/names.mjs';
import { REPO_ROOT, run, sleep, waitFor, type ExecResult } from './lab.js';

/** Hierarchies the nspawn process is moved into (cgroup v1 named + v2 unified on this host kind, or pure v2). */
const CGROUP_ROOTS = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified', '/sys/fs/cgroup'];

/** The environment of commands run inside, as a login shell there would have it. */
const CONTAINER_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8', 'HOME=/root', 'DEBIAN_FRONTEND=noninteractive'];

export interface Container {
  /** machine name; the host end of the veth is `ve-<name>` */
  readonly name: string;
  /** the container's root as the host sees it (the overlay's merged dir) */
  readonly root: string;
  /** host PID of the container's PID 1 (systemd) */
  readonly pid1: number;
  /** the network namespace holding the host end of the veth */
  readonly netns: string;
  /** the host end's name (in {@link netns}) */
  readonly hostIface: string;
  /** runs a command inside (all namespaces: the container's own binaries) */
  exec(cmd: string[], opts?: { timeoutMs?: number; check?: boolean }): Promise<ExecResult>;
  /** runs `sh -c SCRIPT` inside */
  sh(script: string, opts?: { timeoutMs?: number; check?: boolean }): Promise<ExecResult>;
  /** runs a host command in the container's network namespace only (host binaries) */
  netExec(cmd: string[]): Promise<ExecResult>;
  /** runs a host command in {@link netns} (the far end of the veth) */
  peerExec(cmd: string[], opts?: { timeoutMs?: number }): Promise<ExecResult>;
  /** spawns a host command in {@link netns} */
  peerSpawn(cmd: string[]): ChildProcess;
  /** the container's console output so far (boot messages) */
  console(): string;
}

/** The package names of a .deb's Depends (the first of each alternative, no versions). */
export async function debDepends(deb: string): Promise<string[]> {
  const r = await run('dpkg-deb', ['-f', deb, 'Depends'], { check: true });
  return r.stdout
    .split(',')
    .map((d) => d.split('|')[0]!.trim().split(/[\s(]/)[0]!)
    .filter((n) => n !== '');
}

/** The cached root with `packages` in it (scripts/nspawn-root.sh builds it on first use). */
export async function nspawnRoot(packages: string[]): Promise<string> {
  const r = await run(join(REPO_ROOT, 'scripts', 'nspawn-root.sh'), packages, { timeoutMs: 20 * 60_000 });
  if (r.code !== 0) throw new Error(`scripts/nspawn-root.sh failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

/** Boots a container on `lower` (a root from {@link nspawnRoot}); removed on teardown. */
export async function bootContainer(t: Test, lower: string): Promise<Container> {
  const id = `${process.pid % 100000}${Math.floor(Math.random() * 100)}`;
  // ≤ 11 characters so ve-<name> fits IFNAMSIZ without nspawn hashing it.
  const name = `va${id}`.slice(0, 11);
  const hostIface = `ve-${name}`;
  const netns = labNamespace(id, 'nspawn');
  const work = mkdtempSync(join('/var/tmp', 'vip-arpd-nspawn-'));
  const upper = join(work, 'upper');
  const ovlWork = join(work, 'work');
  const root = join(work, 'root');
  for (const d of [upper, ovlWork, root]) mkdirSync(d);
  const cleanups: Array<() => Promise<void> | void> = [];
  t.teardown(async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // best effort: later steps still run
      }
    }
  });
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));

  await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${ovlWork}`, root], { check: true });
  cleanups.push(async () => {
    await run('umount', ['-l', root]);
  });

  // A cgroup of our own in every hierarchy there is, for nspawn and its payload.
  const cgroups = CGROUP_ROOTS.filter((r) => existsSync(join(r, 'cgroup.procs'))).map((r) => join(r, `vip-arpd-test-${name}`));
  for (const cg of cgroups) mkdirSync(cg, { recursive: true });
  cleanups.push(async () => {
    for (const cg of cgroups) {
      // Sub-cgroups nspawn made for the payload go first, deepest first.
      const r = await run('find', [cg, '-depth', '-type', 'd']);
      for (const d of r.stdout.split('\n').filter(Boolean)) {
        try {
          rmdirSync(d);
        } catch {
          // still populated a moment after the kill; the next sweep gets it
        }
      }
    }
  });

  let consoleText = '';
  const enter = cgroups.map((cg) => `echo $$ > ${cg}/cgroup.procs`).join('; ');
  const nspawn = spawn(
    'sh',
    [
      '-c',
      `${enter}; exec systemd-nspawn "$@"`,
      'sh',
      '-D',
      root,
      '-M',
      name,
      '-b',
      '--network-veth',
      '--register=no',
      '--keep-unit',
      '--capability=CAP_BPF',
      '--system-call-filter=bpf',
      '--console=pipe',
      '--quiet',
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  nspawn.stdout?.on('data', (d: Buffer) => {
    consoleText += d.toString();
  });
  nspawn.stderr?.on('data', (d: Buffer) => {
    consoleText += d.toString();
  });
  let exited = false;
  nspawn.once('exit', () => {
    exited = true;
  });
  cleanups.push(async () => {
    if (exited) return;
    nspawn.kill('SIGTERM'); // nspawn: clean shutdown of the container
    for (let i = 0; i < 100 && !exited; i++) await sleep(100);
    if (!exited) nspawn.kill('SIGKILL');
    for (let i = 0; i < 50 && !exited; i++) await sleep(100);
  });

  // The container's PID 1 is nspawn's child running systemd.
  const pid1 = await waitFor(
    async () => {
      if (exited) throw new Error(`systemd-nspawn exited: ${consoleText}`);
      const r = await run('pgrep', ['-P', String(nspawn.pid), '-x', 'systemd']);
      const n = Number.parseInt(r.stdout.trim(), 10);
      return Number.isNaN(n) ? undefined : n;
    },
    { timeoutMs: 30_000, what: 'the container to start systemd' },
  );

  const exec = (cmd: string[], opts: { timeoutMs?: number; check?: boolean } = {}): Promise<ExecResult> =>
    // A clean environment: the test's own (tap's NODE_OPTIONS, paths of this checkout) means nothing inside.
    run('nsenter', ['-t', String(pid1), '-a', '--', 'env', '-i', ...CONTAINER_ENV, ...cmd], {
      timeoutMs: opts.timeoutMs ?? 120_000,
      check: opts.check ?? false,
    });
  const c: Container = {
    name,
    root,
    pid1,
    netns,
    hostIface,
    exec,
    sh: (script, opts) => exec(['sh', '-c', script], opts),
    netExec: (cmd) => run('nsenter', ['-t', String(pid1), '-n', '--', ...cmd]),
    peerExec: (cmd, opts = {}) => run('ip', ['netns', 'exec', netns, ...cmd], { timeoutMs: opts.timeoutMs ?? 60_000 }),
    peerSpawn: (cmd) => spawn('ip', ['netns', 'exec', netns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] }),
    console: () => consoleText,
  };

  // Booted: "running", or "degraded" when some unit of the minimal root failed.
  await waitFor(
    async () => {
      const r = await exec(['systemctl', 'is-system-running'], { timeoutMs: 5000 });
      return ['running', 'degraded'].includes(r.stdout.trim());
    },
    { timeoutMs: 60_000, intervalMs: 200, what: 'the container to finish booting' },
  );

  // The host end of the veth goes into a namespace of ours: the test's
  // traffic then only ever reaches the container.
  await run('ip', ['netns', 'add', netns], { check: true });
  cleanups.push(async () => {
    await run('ip', ['netns', 'del', netns]);
  });
  await waitFor(async () => (await run('ip', ['link', 'show', hostIface])).code === 0, { timeoutMs: 10_000, what: `${hostIface} to appear` });
  await run('ip', ['link', 'set', hostIface, 'netns', netns], { check: true });
  return c;
}

/** Writes `text` to `path` inside the container (through the host's view of its root). */
export function writeInside(c: Container, path: string, text: string, mode = 0o644): void {
  const p = join(c.root, path);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text, { mode });
}

/** Reads `path` inside the container; undefined when it does not exist. */
export function readInside(c: Container, path: string): string | undefined {
  try {
    return readFileSync(join(c.root, path), 'utf8');
  } catch {
    return undefined;
  }
}
