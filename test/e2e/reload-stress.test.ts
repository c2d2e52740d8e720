// Reloads that used to stop or kill the daemon (issues 10 and 16): a 50 MB
// config, a VIP file replaced by a FIFO, a config nested 5,000 deep, a VIP
// file truncated to 0 bytes. A real daemon in a lab namespace, a real client
// asking for a VIP, vip-arpctl on the control socket.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { renameSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { REPO_ROOT, run, skipUnlessRoot, sleep, startDaemon, SYSTEM_PYTHON, tempDir, waitFor, type Lab } from './lab.js';
import { createDirectorLab } from './lab/director.js';

const CTL = join(REPO_ROOT, 'dist', 'cli', 'vip-arpctl.js');
const GAP = join(REPO_ROOT, 'test', 'e2e', 'arp-reply-gap.py');
const DAEMON = join(REPO_ROOT, 'dist', 'cli', 'vip-arpd.js');
const STABLE_VIP = '198.51.100.10';
/** Issue 16.1's goal: the longest reply gap to a 1,000/s client during any reload. */
const GAP_GOAL_MS = 50;
/**
 * What the tests assert: the goal on a machine with CPU to spare; on a
 * loaded one (load average above the CPU count: this shared 2-CPU machine,
 * where runs saw 13-160 ms for the 50 MB reload and 117-271 ms for 65,535
 * groups, against 381-520 ms before the apply was sliced, and over a minute
 * before the worker) 4× the goal.
 */
function gapBound(): { ms: number; why: string } {
  const perCpu = loadavg()[0]! / cpus().length;
  if (perCpu <= 1) return { ms: GAP_GOAL_MS, why: 'the goal' };
  return { ms: 4 * GAP_GOAL_MS, why: `load ${perCpu.toFixed(1)} per CPU: 4x the goal` };
}

/** The client and the director on one LAN (lab/director.ts), the client reaching the VIP range on-link. */
const lanLab = (t: Test): Promise<Lab> => createDirectorLab(t, { clientRoutes: ['198.51.100.0/24'] });

interface ConfigStatus {
  generation: number;
  lastError: string | null;
  emptyVipFiles: Array<{ file: string; kept: boolean }>;
}

async function director(t: Test, lab: Lab, extraGroups: object[] = [], vipsText?: string) {
  const dir = tempDir(t, 'vip-arpd-stress-');
  const sock = join(dir, 'ctl.sock');
  const vipsPath = join(dir, 'web.vips');
  if (vipsText !== undefined) writeFileSync(vipsPath, vipsText);
  const web = vipsText === undefined ? { name: 'web', interface: 'eth0', vips: [STABLE_VIP] } : { name: 'web', interface: 'eth0', vipsFile: 'web.vips' };
  const config = { stateFile: '', control: { socket: sock }, watch: { enabled: true, debounceMs: 20 }, groups: [web, ...extraGroups] };
  const daemon = await startDaemon(lab, 'director', config, { dir });
  const ctl = (...args: string[]) => run(process.execPath, [CTL, '--socket', sock, '--json', ...args], { timeoutMs: 10_000 });
  const configStatus = async (): Promise<ConfigStatus> => (JSON.parse((await ctl('status')).stdout) as { config: ConfigStatus }).config;
  return { dir, vipsPath, daemon, ctl, configStatus, config };
}

interface ReplyGaps {
  sent: number;
  replies: number;
  maxGapMs: number;
  /** gaps over 10 ms: [reply before, reply after], wall-clock ms */
  gaps: Array<[number, number]>;
}

/** Asks who-has `vip` `rate` times a second for `seconds` (arp-reply-gap.py). */
async function replyGap(lab: Lab, vip: string, rate: number, seconds: number): Promise<ReplyGaps> {
  const r = await lab.exec('client', SYSTEM_PYTHON, [GAP, 'eth0', vip, String(rate), String(seconds)], { check: true, timeoutMs: seconds * 1000 + 30_000 });
  return JSON.parse(r.stdout) as ReplyGaps;
}

async function answered(lab: Lab, vip: string): Promise<boolean> {
  return (await replyGap(lab, vip, 20, 0.2)).replies > 0;
}

/**
 * Replaces the config with `text` (rename) while a 1,000/s client asks for
 * the stable VIP, and checks the longest reply gap that overlaps the reload.
 */
async function gapDuringReload(t: Test, lab: Lab, d: Awaited<ReturnType<typeof director>>, text: string, clientSeconds: number): Promise<void> {
  writeFileSync(`${d.daemon.configPath}.new`, text);
  const probe = replyGap(lab, STABLE_VIP, 1000, clientSeconds);
  await sleep(1000);
  const t0 = Date.now();
  renameSync(`${d.daemon.configPath}.new`, d.daemon.configPath);
  const applied = await d.daemon.waitForLog((l) => l.msg === 'config applied' && l.generation === 2, 60_000);
  const r = await probe;
  const end = (applied.time ?? 0) + 100;
  // Gaps that overlap the reload (file replaced → applied, and just after);
  // others are the shared machine's, not the daemon's.
  const during = r.gaps.filter(([a, b]) => b >= t0 && a <= end).map(([a, b]) => b - a);
  const longest = Math.max(0, ...during);
  const bound = gapBound();
  t.comment(
    `reload applied ${end - 100 - t0} ms after the rename; client: ${r.sent} requests, ${r.replies} replies; longest gap ${r.maxGapMs} ms overall, ${longest} ms during the reload; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  t.ok(end - 100 - t0 < (clientSeconds - 1.5) * 1000, 'the reload finished while the client was asking');
  t.ok(r.replies >= r.sent * 0.99, 'the frames reached the wire and were answered');
  t.ok(longest <= bound.ms, `no reply gap over ${bound.ms} ms (${bound.why}) during the reload (longest ${longest} ms)`);
}

t.test('replies to a 1,000/s client continue while a 50 MB config is reloaded', async (t) => {
  if (skipUnlessRoot(t, [])) return;
  const lab = await lanLab(t);
  const d = await director(t, lab);
  t.ok(await answered(lab, STABLE_VIP), 'answered at start');
  // 3.5 million inline entries (~50 MB): seconds of parsing and validation,
  // which used to run on the event loop that answers ARP. BACKUP, and the
  // RFC 2544 range, so no frame names them.
  const vips = Array.from({ length: 3_500_000 }, (_, i) => `198.18.${(i >> 8) & 3}.${i & 255}`);
  const big = JSON.stringify({ ...d.config, groups: [...d.config.groups, { name: 'bulk', interface: 'eth0', vips, initialRole: 'backup' }] });
  t.ok(big.length > 50e6, `the config is ${Math.round(big.length / 1e6)} MB`);
  await gapDuringReload(t, lab, d, big, 12);
  t.match(JSON.parse((await d.ctl('vips', 'bulk')).stdout), [{ name: 'bulk', vips: { length: 1024 } }], 'the big config is in force');
});

t.test('replies to a 1,000/s client continue while 65,535 groups (the most one interface may have) are reloaded', async (t) => {
  if (skipUnlessRoot(t, [])) return;
  const lab = await lanLab(t);
  const d = await director(t, lab);
  t.ok(await answered(lab, STABLE_VIP), 'answered at start');
  // 65,534 one-VIP BACKUP groups beside web, in the RFC 2544 range: the
  // apply (65,535 group states, the VIP table, the diff) used to run in one
  // piece on the event loop, 257-355 ms without a reply.
  const bulk = Array.from({ length: 65_534 }, (_, i) => ({
    name: `b${i}`,
    interface: 'eth0',
    vips: [`198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`],
    initialRole: 'backup',
  }));
  await gapDuringReload(t, lab, d, JSON.stringify({ ...d.config, groups: [...d.config.groups, ...bulk] }), 10);
  t.match(JSON.parse((await d.ctl('role', 'b65533')).stdout), { role: 'BACKUP' }, 'the last of the 65,535 groups is in force');
});

t.test('a VIP file replaced by a FIFO: ARP is answered, the control socket answers, SIGTERM stops it', async (t) => {
  if (skipUnlessRoot(t, ['mkfifo'])) return;
  const lab = await lanLab(t);
  const d = await director(t, lab, [], `${STABLE_VIP}\n`);
  unlinkSync(d.vipsPath);
  execFileSync('mkfifo', [d.vipsPath]);
  await waitFor(async () => (await d.configStatus()).lastError, { timeoutMs: 5000, what: 'the reload to be rejected' }).catch(() => undefined);
  const probe = replyGap(lab, STABLE_VIP, 100, 2);
  const s = await d.configStatus();
  t.match(
    s.lastError,
    `${d.vipsPath}: cannot read the VIP file of group "web" (it is a FIFO (named pipe), not a regular file; refusing to open it)`,
    'status names the file and what it is',
  );
  t.equal(s.generation, 1, 'nothing applied');
  const r = await probe;
  t.ok(r.sent > 100 && r.replies >= r.sent * 0.99, `the VIP kept being answered (${r.replies}/${r.sent})`);
  const stopped = await d.daemon.stop('SIGTERM');
  t.equal(stopped.code, 0, `SIGTERM stops it (${stopped.ms} ms), no writer ever opened the FIFO`);
});

t.test('a config nested 5,000 deep: the reload is rejected with its place, the daemon lives; at start it exits 78', async (t) => {
  if (skipUnlessRoot(t, [])) return;
  const lab = await lanLab(t);
  const d = await director(t, lab);
  writeFileSync(d.daemon.configPath, `{"control": {"socket": ${JSON.stringify(d.config.control.socket)}},\n "junk": ${'['.repeat(5000)}${']'.repeat(5000)}}`);
  await waitFor(async () => (await d.configStatus()).lastError, { timeoutMs: 5000, what: 'the reload to be rejected' });
  t.match((await d.configStatus()).lastError, new RegExp(`^${d.daemon.configPath}:2:\\d+: JSON syntax error: nested more than 64 levels deep`));
  t.equal(d.daemon.proc.exitCode, null, 'still running');
  t.ok(await answered(lab, STABLE_VIP), 'and answering');

  const dir = tempDir(t, 'vip-arpd-deepstart-');
  writeFileSync(
    join(dir, 'config.json'),
    `{"groups": [{"name": "web", "interface": "lo", "vips": ["${STABLE_VIP}"], "x": ${'['.repeat(20000)}${']'.repeat(20000)}}]}`,
  );
  const start = await run(process.execPath, [DAEMON, '--config', join(dir, 'config.json')], { timeoutMs: 20_000 });
  t.equal(start.code, 78, 'at start: exit 78 (EX_CONFIG), not a crash');
  t.match(start.stderr, new RegExp(`${join(dir, 'config.json')}:1:\\d+: JSON syntax error: nested more than 64 levels deep`));
  t.notMatch(start.stderr, /RangeError|internal error/);
});

t.test('a VIP file truncated to 0 bytes keeps its set and status says so; a comment line empties it', async (t) => {
  if (skipUnlessRoot(t, [])) return;
  const lab = await lanLab(t);
  const d = await director(t, lab, [], `${STABLE_VIP}\n198.51.100.11\n`);
  truncateSync(d.vipsPath, 0);
  await waitFor(async () => (await d.configStatus()).emptyVipFiles.length > 0 || undefined, { timeoutMs: 5000, what: 'status to show the empty file' });
  t.match((await d.configStatus()).emptyVipFiles, [{ file: d.vipsPath, kept: true }], 'status: taken as not yet written, old content kept');
  await sleep(1500); // past the half-write settle time: still kept
  t.ok(await answered(lab, STABLE_VIP), 'the old set is answered');
  t.ok(await answered(lab, '198.51.100.11'));
  writeFileSync(d.vipsPath, '# no VIPs\n');
  await waitFor(async () => !(await answered(lab, STABLE_VIP)) || undefined, { timeoutMs: 5000, what: 'the explicit empty file to be applied' });
  t.same((await d.configStatus()).emptyVipFiles, [], 'an explicit line is no empty file');
});
