// The control socket under abuse, against a real daemon in a namespace with
// the default control.maxClients (32) and control.idleTimeoutMs (30 s):
// - 500 clients that connect and never send a request plus 40 slowloris
//   clients (a byte now and then, never a newline), all reconnecting when
//   closed, must not make an HA hook's takeover/release wait or be refused:
//   100 of them through the client library, one attempt each (p50/p99
//   reported, p99 within the goal of 50 ms), notify/release/takeover through
//   vip-arpctl, then ARP for the VIP is answered; the evictions show in
//   `status`, the metrics and the log (rate-limited); a silent client is
//   closed within seconds.
// - 200 requests pipelined on one connection, a release among the first 64
//   and a takeover past 64: every request gets its own answer with its id,
//   and the roles are what the answers say. Binary garbage and an overlong
//   line on other connections get a clear error and disturb nobody.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { arping, createLab, REPO_ROOT, run, skipUnlessRoot, sleep, startDaemon, waitFor, type DaemonProcess, type Lab } from './lab.js';
import { sendRequest, sendRequestOnce } from '../../src/control/client.js';
import { parseExposition } from './exposition.js';
import { seededRandomFor } from '../unit/seeded-random.js';

const CTL = join(REPO_ROOT, 'dist', 'cli', 'vip-arpctl.js');
const VIP = '198.51.100.10';
/** issue 10 item 7's goal for a takeover's answer under abuse */
const TAKEOVER_P99_GOAL_MS = 50;
/**
 * What the test asserts: the goal on a machine with CPU to spare; on a
 * loaded one (load average above the CPU count: 2 vCPUs shared by several
 * test runs, where the p99 without abuse alone was seen from 20 to 80 ms)
 * three times the goal, or twice the p99 of the same commands without abuse
 * measured just before, if that is larger. Before the fix every takeover
 * here was refused, so the bound tells the fix from the defect either way.
 */
function takeoverP99Bound(quietP99Ms: number): { ms: number; why: string } {
  const load = loadavg()[0]! / cpus().length;
  if (load <= 1) return { ms: TAKEOVER_P99_GOAL_MS, why: 'the goal' };
  return { ms: Math.max(3 * TAKEOVER_P99_GOAL_MS, 2 * quietP99Ms), why: `load ${load.toFixed(1)} per CPU: three times the goal or twice the quiet p99` };
}

/**
 * The state file goes on tmpfs, as its default /run/vip-arpd does on a
 * director: a takeover is answered after its fsyncs, and on this machine's
 * shared disk those alone vary by tens of ms.
 */
function config(t: Test, dir: string): object {
  const shm = mkdtempSync('/dev/shm/vip-arpd-abuse-');
  t.teardown(() => rmSync(shm, { recursive: true, force: true }));
  return {
    groups: [{ name: 'web', interface: 'eth0', vips: [VIP], keepalived: ['VI_1'], initialRole: 'backup' }],
    stateFile: join(shm, 'state.json'),
    control: { socket: join(dir, 'ctl.sock') },
    watch: { enabled: false },
  };
}

async function lab2(t: Parameters<typeof createLab>[0]): Promise<Lab> {
  return createLab(t, {
    hosts: [
      { name: 'c', ip: '192.0.2.1/24' },
      { name: 'd', ip: '192.0.2.11/24' },
    ],
  });
}

const ABUSERS = join(REPO_ROOT, 'test', 'e2e', 'fixtures', 'control-abusers.mjs');

/** Starts test/e2e/fixtures/control-abusers.mjs in host `c`; stop() resolves with what its clients were told. */
async function abusers(
  lab: Lab,
  sock: string,
  idle: number,
  slowloris: number,
): Promise<{ stop(): Promise<{ connects: number; closedWith: Record<string, number> }> }> {
  // Reconnecting ~2 s after each close keeps every slot taken (~250 evictions/s) without turning the test into a CPU flood.
  const child = lab.spawn('c', process.execPath, [ABUSERS, sock, String(idle), String(slowloris), '2000', '300']);
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => (out += d));
  await waitFor(() => out.includes('ready\n'), { timeoutMs: 10_000, what: 'the abusers to connect' });
  return {
    async stop() {
      child.stdin!.write('stop\n');
      await waitFor(() => out.split('\n').length > 2, { timeoutMs: 5000, what: 'the abusers to report' });
      return JSON.parse(out.split('\n')[1]!) as { connects: number; closedWith: Record<string, number> };
    },
  };
}

/**
 * Runs 100 commands, takeover and release by turns, each on a connection of
 * its own as an HA hook does, with one attempt each (no retry of the client
 * library's hides a refusal); returns the latencies and what went wrong.
 */
async function takeoverRelease(sock: string): Promise<{ latencies: number[]; failures: string[] }> {
  const latencies: number[] = [];
  const failures: string[] = [];
  for (let i = 0; i < 100; i++) {
    const cmd = i % 2 === 0 ? 'takeover' : 'release';
    const t0 = performance.now();
    const r = await sendRequestOnce(sock, cmd, ['web'], 5000).catch((err: Error) => err);
    latencies.push(performance.now() - t0);
    if (r instanceof Error) failures.push(`${cmd}: ${r.message}`);
    else if (!r.ok) failures.push(`${cmd}: ${r.error.code}`);
    else if ((r.data as { to?: string }).to !== (cmd === 'takeover' ? 'MASTER' : 'BACKUP')) failures.push(`${cmd}: answered ${JSON.stringify(r.data)}`);
    await sleep(10);
  }
  return { latencies: latencies.sort((x, y) => x - y), failures };
}

function describe(latencies: number[]): string {
  return `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies[latencies.length - 1]!.toFixed(1)} ms`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function controlStatus(sock: string): Promise<{ clients: number; refusedClients: number; evictedClients: number }> {
  const r = await sendRequestOnce(sock, 'status', [], 5000);
  if (!r.ok) throw new Error(`status refused: ${r.error.code} ${r.error.message}`);
  return (r.data as { control: { clients: number; refusedClients: number; evictedClients: number } }).control;
}

function warnings(d: DaemonProcess, msg: RegExp): number {
  return d.logs().filter((l) => typeof l.msg === 'string' && msg.test(l.msg)).length;
}

t.test('500 idle and 40 slowloris clients never block a takeover or release', async (t) => {
  if (skipUnlessRoot(t, ['arping'])) return;
  const lab = await lab2(t);
  const dir = lab.tempDir();
  const d = await startDaemon(lab, 'd', config(t, dir), { dir });
  const sock = join(dir, 'ctl.sock');

  const quiet = await takeoverRelease(sock);
  t.same(quiet.failures, [], 'without abuse every takeover and release succeeds');

  const abuse = await abusers(lab, sock, 500, 40);
  // Let the first wave land and the slowloris clients trickle a while.
  await sleep(1000);
  const before = await controlStatus(sock).catch((err: Error) => err);
  t.notOk(before instanceof Error, `status is answered under abuse (${before instanceof Error ? before.message : 'ok'})`);
  if (!(before instanceof Error)) t.equal(before.clients, 32, 'the abusers fill control.maxClients');

  const loud = await takeoverRelease(sock);
  const p99 = percentile(loud.latencies, 99);
  const bound = takeoverP99Bound(percentile(quiet.latencies, 99));
  t.comment(
    `100 takeover/release, each on its own connection: without abuse ${describe(quiet.latencies)}; under 500 idle + 40 slowloris clients ${100 - loud.failures.length} succeeded, ${describe(loud.latencies)}`,
  );
  t.same(loud.failures.slice(0, 5), [], 'under abuse every takeover and release succeeds');
  t.ok(p99 <= bound.ms, `p99 ${p99.toFixed(1)} ms <= ${bound.ms.toFixed(1)} ms (${bound.why})`);

  // As the hooks call it: keepalived's notify, then takeover/release.
  const hookCalls = [
    ['notify', 'INSTANCE', 'VI_1', 'BACKUP', '100'],
    ['notify', 'INSTANCE', 'VI_1', 'MASTER', '100'],
    ['release', 'web'],
    ['takeover', 'web'],
  ];
  const viaCli = [];
  for (const args of hookCalls) viaCli.push(await run(process.execPath, [CTL, '--socket', sock, ...args], { timeoutMs: 20_000 }));
  t.same(
    viaCli.map((r) => r.code),
    [0, 0, 0, 0],
    `vip-arpctl notify/release/takeover exit 0 under abuse (${viaCli
      .map((r) => r.stderr.trim())
      .filter((e) => e !== '')
      .join('; ')})`,
  );
  t.match(viaCli[1]!.stdout, /web: BACKUP -> MASTER/);
  t.match(viaCli[3]!.stdout, /web: BACKUP -> MASTER/);

  const after = await controlStatus(sock);
  const told = await abuse.stop();
  t.comment(`abusers connected ${told.connects} times; closed with ${JSON.stringify(told.closedWith)}; status.control ${JSON.stringify(after)}`);
  t.ok(after.evictedClients >= 100, `status counts evicted clients (${after.evictedClients})`);
  t.equal(after.refusedClients, 0, 'no client was refused');
  const metrics = await sendRequestOnce(sock, 'metrics', [], 5000);
  const e = parseExposition(metrics.ok ? (metrics.data as string) : '');
  t.ok(e.sum('vip_arpd_control_clients_closed_total', { reason: 'evicted' }) >= after.evictedClients, 'the metrics count evicted clients');
  t.equal(e.sum('vip_arpd_control_clients_closed_total', { reason: 'refused' }), 0);
  const evictLines = warnings(d, /evicted/);
  t.ok(evictLines >= 1, `evictions are logged (${evictLines} lines)`);
  t.ok(evictLines <= 3, 'and the log line is rate-limited');

  // With room to spare, a client that connects and says nothing is still closed long before control.idleTimeoutMs (30 s).
  await sleep(200);
  const t0 = Date.now();
  const silent = await pipeline(sock, '{', 10_000);
  t.match(silent.lines, [{ id: null, ok: false, error: { code: 'EIDLE' } }], `a silent client is told EIDLE after ${Date.now() - t0} ms`);
  t.ok(Date.now() - t0 < 5000, 'within seconds, not control.idleTimeoutMs');

  const a = await arping(lab, 'c', 'eth0', VIP, { count: 2 });
  t.same([...new Set(a.replies.map((r) => r.mac))], [lab.mac('d')], 'the director answers ARP for the VIP it took over');
  t.equal(d.proc.exitCode, null, 'the daemon is still running');
  t.notOk(
    d.logs().some((l) => (l.level ?? 0) >= 50),
    'no error was logged',
  );
});

/** Opens a connection, writes `payload`, collects answer lines until the server closes or `quietMs` pass without one. */
function pipeline(
  sock: string,
  payload: string | Buffer,
  quietMs: number,
): Promise<{ lines: Array<{ id: unknown; ok: boolean; data?: unknown; error?: { code: string; message: string } }>; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const s = connect(sock);
    let buf = '';
    let closedByServer = false;
    s.setEncoding('utf8');
    s.on('error', () => undefined);
    const finish = (): void => {
      clearTimeout(quiet);
      s.destroy();
      resolve({
        lines: buf
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as never),
        closedByServer,
      });
    };
    let quiet = setTimeout(finish, quietMs * 4);
    s.on('data', (chunk: string) => {
      buf += chunk;
      clearTimeout(quiet);
      quiet = setTimeout(finish, quietMs);
    });
    s.on('close', () => {
      closedByServer = true;
      finish();
    });
    s.on('connect', () => s.write(payload));
  });
}

t.test('200 pipelined requests: each gets its own answer with its id, and the effects match the answers', async (t) => {
  if (skipUnlessRoot(t, ['arping'])) return;
  const lab = await lab2(t);
  const dir = lab.tempDir();
  await startDaemon(lab, 'd', { ...config(t, dir), groups: [{ name: 'web', interface: 'eth0', vips: [VIP], initialRole: 'master' }] }, { dir });
  const sock = join(dir, 'ctl.sock');

  // Other clients at the same time: binary garbage, an overlong line, and one pipelining status requests.
  const garbage = pipeline(sock, Buffer.concat([seededRandomFor(t).bytes(4096), Buffer.from('\n\u0000\u00ff\u00fe\n')]), 300);
  const overlong = pipeline(sock, Buffer.alloc(200_000, 0xc3), 300);
  const neighbour = pipeline(sock, Array.from({ length: 100 }, (_, i) => JSON.stringify({ id: `n${i}`, cmd: 'role', args: ['web'] }) + '\n').join(''), 500);

  // 10: release (BACKUP); 150, past the old bound of 64: takeover (MASTER); the rest read the role.
  const requests = Array.from({ length: 200 }, (_, i) => ({ id: `r${i}`, cmd: i === 10 ? 'release' : i === 150 ? 'takeover' : 'role', args: ['web'] }));
  const main = await pipeline(sock, requests.map((r) => JSON.stringify(r) + '\n').join(''), 500);
  t.equal(main.lines.length, 200, `200 answers (got ${main.lines.length}: ${JSON.stringify(main.lines.slice(0, 2))})`);
  t.same(
    main.lines.map((l) => l.id),
    requests.map((r) => r.id),
    'each answer carries its request id, in order',
  );
  t.ok(
    main.lines.every((l) => l.ok),
    'none was refused',
  );
  const roles = main.lines.map((l, i) => (i === 10 || i === 150 ? (l.data as { to?: string })?.to : (l.data as { role?: string })?.role));
  t.same(roles.slice(0, 10), Array(10).fill('MASTER'), 'requests before the release see MASTER');
  t.same(roles.slice(10, 150), Array(140).fill('BACKUP'), 'the release took effect and was answered, in order');
  t.same(roles.slice(150), Array(50).fill('MASTER'), 'the takeover past 64 took effect and was answered');
  t.equal(main.closedByServer, false, 'the connection stays open');
  const now = await sendRequest(sock, 'role', ['web'], 5000);
  t.match(now, { ok: true, data: { role: 'MASTER' } }, 'the daemon is where the last answer says');

  const g = await garbage;
  t.ok(
    g.lines.length >= 1 && g.lines.every((l) => l.ok === false && ['EBADJSON', 'EBADREQUEST', 'ELINETOOLONG'].includes(l.error?.code ?? '')),
    `binary garbage gets error answers (${[...new Set(g.lines.map((l) => l.error?.code))].join(',')})`,
  );
  t.ok(
    g.lines.some((l) => /binary, not JSON text/.test(l.error?.message ?? '')),
    'which say the request is binary',
  );
  const o = await overlong;
  t.match(o.lines, [{ id: null, ok: false, error: { code: 'ELINETOOLONG' } }], 'an overlong line gets ELINETOOLONG');
  t.ok(o.closedByServer, 'and is closed');
  const n = await neighbour;
  t.same(
    n.lines.map((l) => l.id),
    Array.from({ length: 100 }, (_, i) => `n${i}`),
    'a neighbouring client gets all of its answers',
  );
  t.ok(
    n.lines.every((l) => l.ok),
    'none refused',
  );

  const a = await arping(lab, 'c', 'eth0', VIP, { count: 2 });
  t.ok(a.replies.length > 0, 'the daemon answers ARP as MASTER');
});
