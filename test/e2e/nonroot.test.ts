/**
 * Least privilege, proven: the daemon serves the lab as user nobody with
 * CAP_NET_RAW as its only capability (what the unit's User= and
 * AmbientCapabilities= give it), and without that capability it exits 77
 * with a message naming CAP_NET_RAW.
 */
import t from 'tap';
import { chmodSync, chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAEMON_ENTRY, arping, createLab, skipUnlessRoot, waitExit, waitFor, type Lab } from './lab.js';

const NOBODY = 65534;
const VIP = '198.51.100.20';
/** CAP_NET_RAW is capability 13 (linux/capability.h). */
const CAP_NET_RAW_MASK = 1n << 13n;

/** setpriv arguments: user nobody, no groups, and `caps` as the only capabilities (inheritable, ambient, bounding). */
function asNobody(caps: string[]): string[] {
  const set = ['-all', ...caps.map((c) => `+${c}`)].join(',');
  const args = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', `--inh-caps=${set}`, `--bounding-set=${set}`];
  if (caps.length > 0) args.push(`--ambient-caps=${caps.map((c) => `+${c}`).join(',')}`);
  return args;
}

/**
 * The command line: `env -u NODE_OPTIONS` first, because tap's NODE_OPTIONS
 * makes every child node write coverage/process info into the checkout,
 * which nobody may not. env and setpriv exec, so the pid is the daemon's.
 */
function daemonCommand(caps: string[], configPath: string): [string, string[]] {
  return ['env', ['-u', 'NODE_OPTIONS', 'setpriv', ...asNobody(caps), '--', process.execPath, DAEMON_ENTRY, '--config', configPath]];
}

/** A config in a directory nobody owns (state file, control socket). */
function writeConfig(lab: Lab): { dir: string; configPath: string } {
  const dir = lab.tempDir('vip-arpd-nonroot-');
  chownSync(dir, NOBODY, NOBODY);
  chmodSync(dir, 0o700);
  const configPath = join(dir, 'config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      groups: [{ name: 'web', interface: 'eth0', vips: [VIP], initialRole: 'master' }],
      stateFile: join(dir, 'state.json'),
      control: { socket: join(dir, 'control.sock') },
    }),
  );
  chownSync(configPath, NOBODY, NOBODY);
  return { dir, configPath };
}

t.test('as nobody with only CAP_NET_RAW the daemon answers ARP', async (t) => {
  if (skipUnlessRoot(t, ['arping', 'setpriv'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'dir', ip: '192.0.2.1/24' },
      { name: 'cli', ip: '192.0.2.100/24' },
    ],
  });
  const { dir, configPath } = writeConfig(lab);
  const proc = lab.spawn('dir', ...daemonCommand(['net_raw'], configPath));
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('"msg":"ready"') || proc.exitCode !== null, { timeoutMs: 10_000, what: 'vip-arpd ready' });
  t.ok(out.includes('"msg":"ready"'), 'started', { output: out });

  const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
  const field = (k: string): string => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '';
  t.equal(field('Uid').split(/\s+/)[0], String(NOBODY), 'runs as nobody');
  t.equal(BigInt(`0x${field('CapEff')}`), CAP_NET_RAW_MASK, 'effective capabilities: CAP_NET_RAW only');
  t.equal(BigInt(`0x${field('CapBnd')}`), CAP_NET_RAW_MASK, 'bounding set: CAP_NET_RAW only');

  const a = await arping(lab, 'cli', 'eth0', VIP, { count: 2 });
  t.ok(a.replies.length >= 1, `arping ${VIP} is answered (${a.replies.length} replies)`);
  t.equal(a.replies[0]?.mac, lab.mac('dir'), 'with the director MAC');
  t.ok(readFileSync(join(dir, 'state.json'), 'utf8').includes('web'), 'wrote its state file as nobody');

  proc.kill('SIGTERM');
  t.equal((await waitExit(proc)).code, 0, 'stops cleanly');
});

t.test('without CAP_NET_RAW it exits 77 naming the capability', async (t) => {
  if (skipUnlessRoot(t, ['setpriv'])) return;
  const lab = await createLab(t, { hosts: [{ name: 'dir', ip: '192.0.2.1/24' }] });
  const { configPath } = writeConfig(lab);
  const proc = lab.spawn('dir', ...daemonCommand([], configPath));
  let stderr = '';
  proc.stdout?.resume();
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const { code } = await waitExit(proc);
  t.equal(code, 77, 'exit code 77 (EX_NOPERM)');
  t.match(stderr, /CAP_NET_RAW/, 'the message names CAP_NET_RAW');
  t.comment(stderr.trim());
});
