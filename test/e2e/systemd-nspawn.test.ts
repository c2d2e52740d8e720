/**
 * The .deb and its unit under a real systemd 252: a Debian 12 container
 * (scripts/nspawn-root.sh's cached debootstrap, booted by systemd-nspawn,
 * test/e2e/lab-nspawn.ts) gets `apt-get install ./vip-arpd_*.deb`, offline,
 * and the test checks what issue 12 lists: Type=notify start and STATUS=,
 * reload (RELOADING=1 then READY=1) through ExecReload without procps, the
 * watchdog (quiet in normal running, a kill on SIGSTOP), kill -9 → restarted
 * with the roles of the state file and the time to the first ARP reply
 * (issue 16.6: 6 restarts against its 500 ms goal; the old RestartSec=100ms and
 * 1s measured beside them), a crash loop
 * stopped by the start limit, a clean stop, ARP answered across the veth,
 * vip-arpctl status/doctor for a member of group vip-arpd and refused for
 * anyone else, IPAddressDeny= in force, no SIGSYS, `systemd-analyze
 * security` ≤ 2.0, an upgrade that keeps config and roles with one restart,
 * remove keeping /etc/vip-arpd and purge leaving nothing.
 *
 * The .deb: $VIP_ARPD_TEST_DEB (.ci/run passes the one `npm run package`
 * built), else one built here (gzip, no lintian: quicker). Figures are
 * printed as comments and, with $VIP_ARPD_TEST_FIGURES, appended to that file.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { REPO_ROOT, readPcap, run, skipUnlessRoot, sleep, waitFor } from './lab.js';
import { bootContainer, debDepends, nspawnRoot, readInside, writeInside, type Container } from './lab-nspawn.js';

const MAX_EXPOSURE = 2.0;
/** Issue 16.6's goal for kill -9 → first reply, every time. */
const RESTART_GOAL_MS = 500;
/** kill -9s measured (issue 16.6: at least 6). */
const RESTARTS = 6;
/**
 * What the test asserts: on a machine with CPU to spare, the goal for every
 * kill -9 → first reply. On a loaded one (load average above the CPU count:
 * 2 vCPUs shared by several test runs, where node's start-up alone was seen
 * to take 430-1070 ms) twice the goal for the median, and for every restart
 * systemd's own part (death -> Starting) within SYSTEMD_PART_BOUND_MS, which
 * is what the unit governs and what RestartSec=100ms (~180-300 ms) or 1s
 * cannot pass.
 */
function restartBound(load: number): { every: number; median: number; why: string } {
  const perCpu = load / cpus().length;
  if (perCpu <= 1) return { every: RESTART_GOAL_MS, median: RESTART_GOAL_MS, why: 'the goal' };
  return { every: Infinity, median: 2 * RESTART_GOAL_MS, why: `load ${perCpu.toFixed(1)} per CPU: twice the goal for the median` };
}
/** systemd's part of a restart without a delay: ~20-60 ms measured under load. */
const SYSTEMD_PART_BOUND_MS = 150;

const NET = `198.18.${Math.floor(Math.random() * 250) + 1}`;
const DIRECTOR_IP = `${NET}.1`;
const PEER_IP = `${NET}.2`;
const VIP = `${NET}.10`;

function figure(line: string): void {
  t.comment(line);
  const file = process.env.VIP_ARPD_TEST_FIGURES;
  if (file !== undefined && file !== '') appendFileSync(file, `${line}\n`);
}

function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** The .deb under test, and one more with a higher version for the upgrade (same contents, repacked). */
async function debs(): Promise<{ first: string; next: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-debs-'));
  let first = process.env.VIP_ARPD_TEST_DEB;
  if (first === undefined || first === '') {
    const r = await run(join(REPO_ROOT, 'scripts', 'package.sh'), [], {
      timeoutMs: 15 * 60_000,
      env: { VIP_ARPD_DEB_OUT: dir, VIP_ARPD_NO_LINTIAN: '1', VIP_ARPD_DEB_COMPRESSION: 'gzip' },
    });
    if (r.code !== 0) throw new Error(`scripts/package.sh failed: ${r.stdout}${r.stderr}`);
    first = join(dir, readdirSync(dir).find((f) => f.endsWith('_amd64.deb'))!);
  } else {
    copyFileSync(first, join(dir, basename(first)));
    first = join(dir, basename(first));
  }
  // The "next build": the same files with a higher version, as an upgrade sees it.
  const x = join(dir, 'next');
  await run('dpkg-deb', ['-R', first, x], { check: true });
  await run('sed', ['-i', 's/^Version: \\(.*\\)$/Version: \\1+next1/', join(x, 'DEBIAN', 'control')], { check: true });
  const next = join(dir, 'vip-arpd_next_amd64.deb');
  await run('dpkg-deb', ['-Znone', '--build', x, next], { check: true, timeoutMs: 5 * 60_000 });
  rmSync(x, { recursive: true, force: true });
  return { first, next, dir };
}

const show = async (c: Container, props: string): Promise<Record<string, string>> => {
  const r = await c.exec(['systemctl', 'show', 'vip-arpd', `--property=${props}`]);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
};
/** The journal's position now; {@link journal} returns what came after it. */
const cursor = async (c: Container): Promise<string> =>
  /-- cursor: (\S+)/.exec((await c.exec(['journalctl', '-n', '0', '--show-cursor', '--no-pager'])).stdout)?.[1] ?? '';
const journal = async (c: Container, after: string): Promise<string> =>
  (await c.exec(['journalctl', '--no-pager', '-o', 'short-monotonic', ...(after === '' ? [] : ['--after-cursor', after])])).stdout;
/** Monotonic seconds of the first journal line matching `re`. */
function when(text: string, re: RegExp): number | undefined {
  const line = text.split('\n').find((l) => re.test(l));
  const m = line === undefined ? null : /^\[\s*(\d+\.\d+)\]/.exec(line);
  return m === null ? undefined : Number(m[1]);
}

/** `systemctl restart`-free wait for the unit to be active with a new main PID. */
async function waitActive(c: Container, notPid: string | undefined, timeoutMs = 20_000): Promise<string> {
  return waitFor(
    async () => {
      const s = await show(c, 'ActiveState,SubState,MainPID');
      return s.ActiveState === 'active' && s.SubState === 'running' && s.MainPID !== '0' && s.MainPID !== notPid ? s.MainPID : undefined;
    },
    { timeoutMs, intervalMs: 20, what: 'vip-arpd to be active (running) with a new main PID' },
  );
}

/**
 * Sends an ARP request for the VIP every 10 ms from the peer end of the veth
 * while `act` runs, and returns the ms from `act`'s start to the first reply
 * captured after `act` returned (tshark timestamps on the same kernel clock):
 * an upper bound, by the few ms nsenter takes.
 */
async function firstReplyAfter(c: Container, act: () => Promise<void>, windowMs = 4000): Promise<number | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-nspawn-cap-'));
  try {
    const file = join(dir, 'arp.pcapng');
    const cap = c.peerSpawn(['tshark', '-i', c.hostIface, '-n', '-q', '-w', file, '-f', `arp and src host ${VIP}`]);
    let err = '';
    cap.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    await waitFor(() => err.includes('Capturing on'), { timeoutMs: 10_000, what: `tshark on ${c.hostIface}` });
    await sleep(150);
    const arping = c.peerSpawn(['arping', '-q', '-I', c.hostIface, '-i', '0.01', '-w', String(Math.ceil(windowMs / 1000) + 1), VIP]);
    await sleep(200);
    const t0 = Date.now() / 1000;
    await act();
    // A reply the old process sent while the kill was on its way is not the
    // new one's: only replies after act() returned count, timed from before it.
    const t1 = Date.now() / 1000;
    await sleep(windowMs);
    arping.kill('SIGINT');
    cap.kill('SIGINT');
    await new Promise((r) => cap.once('exit', r));
    const replies = (await readPcap(file)).filter((f) => f.arpOp === 2 && f.senderIp === VIP && f.time > t1);
    return replies.length === 0 ? undefined : Math.round((replies[0]!.time - t0) * 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test('the .deb under systemd 252 (nspawn)', { timeout: 15 * 60_000 }, async (t) => {
  if (skipUnlessRoot(t, ['systemd-nspawn', 'debootstrap', 'nsenter', 'arping', 'tshark', 'dpkg-deb'])) return;
  if (!hasTool('dpkg-buildpackage') && process.env.VIP_ARPD_TEST_DEB === undefined) {
    t.pass('skipped', { skip: 'needs debhelper to build the .deb (or VIP_ARPD_TEST_DEB)' });
    return;
  }
  const started = Date.now();
  const pkg = await debs();
  const lower = await nspawnRoot(await debDepends(pkg.first));
  t.teardown(() => rmSync(pkg.dir, { recursive: true, force: true }));
  const prepared = Date.now();
  const c = await bootContainer(t, lower);
  const booted = Date.now();
  const sh = async (script: string): Promise<string> => {
    const r = await c.sh(script);
    if (r.code !== 0) throw new Error(`inside the container: ${script}: exit ${r.code}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };

  // An operator who joined the group before the package came (the case that
  // broke install.sh), and someone who did not.
  await sh('useradd -m alice && useradd -m bob && groupadd --system vip-arpd && usermod -aG vip-arpd alice');
  const filesBefore = await sh(
    'find /etc /usr /lib /var/lib /opt -xdev -path /var/lib/dpkg -prune -o -path /var/lib/apt -prune -o -path /var/lib/systemd -prune -o -print | sort',
  );
  t.notOk(existsSync(join(c.root, 'usr/bin/kill')) || existsSync(join(c.root, 'bin/kill')), 'no procps (no /bin/kill) in the container');

  // Install, offline: the Depends are in the cached root.
  for (const f of [pkg.first, pkg.next]) copyFileSync(f, join(c.root, 'root', basename(f)));
  const install = await c.sh(`cd /root && apt-get install -y ./${basename(pkg.first)}`, { timeoutMs: 5 * 60_000 });
  t.equal(install.code, 0, 'apt-get install ./vip-arpd_*.deb succeeds offline', { output: install.stdout + install.stderr });
  t.match(await sh('getent passwd vip-arpd'), /^vip-arpd:x:\d+:\d+:[^:]*:\/nonexistent:\/usr\/sbin\/nologin$/m, 'system user made');
  t.match(await sh('getent group vip-arpd'), /:alice$/m, 'the existing group, with its member, is used as it is');
  t.equal((await show(c, 'UnitFileState')).UnitFileState, 'enabled', 'enabled on install');
  t.equal((await show(c, 'ActiveState')).ActiveState, 'active', 'started on install (idle: the shipped config has no groups)');
  t.match(await sh('vip-arpd --version'), /^vip-arpd \d+\.\d+\.\d+ \(Node\.js 24\./, 'vip-arpd --version runs on the bundled Node.js 24');
  for (const m of ['vip-arpd.8', 'vip-arpctl.8']) t.ok(existsSync(join(c.root, 'usr/share/man/man8', `${m}.gz`)), `${m} installed`);
  t.ok(existsSync(join(c.root, 'usr/lib/ocf/resource.d/vip-arpd/vip-arpd')), 'OCF agent installed');

  // The director's network: host0 with the LAN address, the VIP on lo, the sysctls doctor wants.
  await c.netExec(['ip', 'addr', 'add', `${DIRECTOR_IP}/24`, 'dev', 'host0']);
  await c.netExec(['ip', 'link', 'set', 'host0', 'up']);
  await c.netExec(['ip', 'link', 'set', 'lo', 'up']);
  await c.netExec(['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
  for (const k of ['all', 'host0']) {
    await c.netExec(['sysctl', '-qw', `net.ipv4.conf.${k}.arp_ignore=1`, `net.ipv4.conf.${k}.arp_announce=2`]);
  }
  await c.peerExec(['ip', 'addr', 'add', `${PEER_IP}/24`, 'dev', c.hostIface]);
  await c.peerExec(['ip', 'link', 'set', c.hostIface, 'up']);
  await c.peerExec(['ip', 'link', 'set', 'lo', 'up']);

  const config = {
    groups: [{ name: 'web', interface: 'host0', vips: [VIP], initialRole: 'backup' }],
    metrics: { listen: '0.0.0.0:9733' },
  };
  writeInside(c, 'etc/vip-arpd/vip-arpd.json', `${JSON.stringify(config, null, 2)}\n`);
  await sh('systemctl restart vip-arpd');
  const s1 = await show(c, 'ActiveState,SubState,Type,StatusText,MainPID,NRestarts');
  t.equal(s1.Type, 'notify');
  t.match(await c.exec(['systemctl', 'status', '--no-pager', 'vip-arpd']), { stdout: /Active: active \(running\)/ }, 'active (running) after READY=1');
  t.match(s1.StatusText, /BACKUP web; 1 VIPs? on 1 interface/, `STATUS= text: ${s1.StatusText}`);

  // Operators: a member may, anyone else may not.
  const asAlice = (cmd: string): Promise<{ code: number; stdout: string; stderr: string }> => c.exec(['runuser', '-u', 'alice', '--', 'sh', '-c', cmd]);
  const st = await asAlice('vip-arpctl takeover web && vip-arpctl status');
  t.equal(st.code, 0, 'a member of vip-arpd runs vip-arpctl takeover/status', { output: st.stdout + st.stderr });
  t.match(st.stdout, /web\s+MASTER/, 'web is MASTER');
  const doc = await asAlice('vip-arpctl doctor');
  t.equal(doc.code, 0, "doctor passes under the unit's sandbox (ip allowed to capset)", { output: doc.stdout + doc.stderr });
  t.notMatch(doc.stdout, /apt-get install iproute2/, 'no advice to install what is installed');
  // Without capset (the unit as it was), ip fails under the sandbox, and
  // doctor says so instead of blaming a missing iproute2.
  writeInside(c, 'etc/systemd/system/vip-arpd.service.d/no-capset.conf', '[Service]\nSystemCallFilter=~capset\n');
  await sh('systemctl daemon-reload && systemctl restart vip-arpd');
  const noCapset = await asAlice('vip-arpctl doctor');
  t.equal(noCapset.code, 4, 'without capset doctor fails (ip exits 1 under the filter)', { output: noCapset.stdout + noCapset.stderr });
  t.notMatch(noCapset.stdout, /apt-get install iproute2/, 'and does not blame a missing iproute2');
  t.match(noCapset.stdout, /SystemCallFilter=capset/, 'it points at the filter');
  rmSync(join(c.root, 'etc/systemd/system/vip-arpd.service.d'), { recursive: true, force: true });
  await sh('systemctl daemon-reload && systemctl restart vip-arpd');
  const retake = await asAlice('vip-arpctl takeover web');
  t.equal(retake.code, 0, 'takeover after the restart', { output: retake.stdout + retake.stderr });
  const bob = await c.exec(['runuser', '-u', 'bob', '--', 'vip-arpctl', 'status']);
  t.equal(bob.code, 3, 'a non-member is refused (exit 3, unreachable)', { output: bob.stdout + bob.stderr });
  t.match(bob.stdout + bob.stderr, /EACCES|permission/i, 'and told why');
  const bobDoc = await c.exec(['runuser', '-u', 'bob', '--', 'vip-arpctl', 'doctor']);
  t.equal(bobDoc.code, 3, 'doctor refused for a non-member too');

  // ARP across the veth, from the peer end.
  const ping = await c.peerExec(['arping', '-c', '3', '-w', '5', '-I', c.hostIface, VIP]);
  t.match(ping.stdout, /Unicast reply from .*\[/, 'the peer gets ARP replies for the VIP', {
    output: `${ping.stdout}${ping.stderr}\n${(await asAlice('vip-arpctl status')).stdout}\n${(await c.exec(['journalctl', '-u', 'vip-arpd', '-n', '30', '--no-pager'])).stdout}`,
  });

  // IPAddressDeny=any + IPAddressAllow=localhost: the metrics listener on
  // 0.0.0.0 answers on loopback only (the cgroup BPF filter drops the rest).
  const local = await sh(
    `/usr/lib/vip-arpd/node -e "fetch('http://127.0.0.1:9733/metrics').then(async (r) => console.log(r.status, (await r.text()).includes('vip_arpd_group_role')))"`,
  );
  t.equal(local.trim(), '200 true', 'metrics served on loopback');
  const remote = await c.peerExec([
    'node',
    '-e',
    `fetch('http://${DIRECTOR_IP}:9733/metrics', { signal: AbortSignal.timeout(1500) }).then((r) => console.log('reached', r.status), (e) => console.log('blocked', e.name))`,
  ]);
  t.match(remote.stdout, /^blocked/, `metrics not reachable from the LAN: IPAddressDeny is in force (${remote.stdout.trim()})`);

  // Reload through ExecReload (vip-arpctl, no procps): RELOADING=1 then READY=1.
  await sh('systemd-analyze log-level debug');
  const beforeReload = await cursor(c);
  const reload = await c.exec(['systemctl', 'reload', 'vip-arpd']);
  t.equal(reload.code, 0, 'systemctl reload succeeds', { output: reload.stdout + reload.stderr });
  await sh('systemd-analyze log-level info');
  const jr = await journal(c, beforeReload);
  const iReloading = jr.search(/notification message.*RELOADING=1/);
  const iReady = jr.slice(Math.max(iReloading, 0)).search(/notification message.*READY=1/);
  t.ok(iReloading >= 0 && iReady > 0, 'systemd got RELOADING=1, then READY=1', { diagnostic: iReloading < 0 || iReady <= 0, output: jr.slice(-3000) });
  writeInside(c, 'etc/vip-arpd/vip-arpd.json', '{ "groups": [ { "name": "web" } ] }\n');
  const bad = await c.exec(['systemctl', 'reload', 'vip-arpd']);
  t.not(bad.code, 0, 'a reload of an invalid config fails in systemctl');
  const afterBad = await show(c, 'ActiveState,StatusText');
  t.equal(afterBad.ActiveState, 'active', 'and the daemon keeps running');
  t.match(afterBad.StatusText, /last reload failed/, 'STATUS= says the reload failed');
  writeInside(c, 'etc/vip-arpd/vip-arpd.json', `${JSON.stringify(config, null, 2)}\n`);
  t.equal((await c.exec(['systemctl', 'reload', 'vip-arpd'])).code, 0, 'the fixed config reloads');

  // Watchdog: running normally for longer than WatchdogSec=10s is not a kill.
  const pidBefore = (await show(c, 'MainPID')).MainPID;
  await sleep(11_000);
  const quiet = await show(c, 'MainPID,NRestarts');
  t.equal(quiet.MainPID, pidBefore, 'no watchdog kill in 11 s of normal running');

  // kill -9 → restarted, roles from the state file, first reply timed.
  // Each phase starts with a fresh start-limit count (reset-failed), as the
  // phases together restart the daemon more often than a crash loop would.
  await sh('systemctl reset-failed vip-arpd');
  /** kill -9 the main PID: ms to the first reply, and systemd's part of it from the journal. */
  const killOnce = async (): Promise<{ reply: number | undefined; delay: number; start: number }> => {
    const pid = (await show(c, 'MainPID')).MainPID;
    const from = await cursor(c);
    const reply = await firstReplyAfter(
      c,
      async () => {
        await c.sh(`kill -9 ${pid}`);
      },
      2500,
    );
    await waitActive(c, pid);
    const j = await journal(c, from);
    const exited = when(j, /vip-arpd\.service: Main process exited, code=killed/);
    const starting = when(j, /Starting vip-arpd\.service/);
    const started = when(j, /Started vip-arpd\.service/);
    if (exited === undefined || starting === undefined || started === undefined) throw new Error(`restart not in the journal:\n${j}`);
    return { reply, delay: Math.round((starting - exited) * 1000), start: Math.round((started - starting) * 1000) };
  };
  const loadText = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const loadBefore = loadavg()[0]!;
  const loads = [loadText()];
  const after: Array<{ reply: number | undefined; delay: number; start: number }> = [];
  // 6 kills in ~25 s would be a crash loop to the start limit: a fresh count for each.
  for (let i = 0; i < RESTARTS; i++) {
    await sh('systemctl reset-failed vip-arpd');
    after.push(await killOnce());
  }
  loads.push(loadText());
  t.ok(
    after.every((k) => k.reply !== undefined),
    `each of ${RESTARTS} kill -9s is followed by ARP replies again (MASTER restored from the state file)`,
  );
  t.equal((await asAlice('vip-arpctl role web')).stdout.trim(), 'MASTER', 'web is still MASTER after the restarts');
  // The old delays, side by side: 100 ms (issue 16.6's first answer) and 1 s (before it).
  const withDelay = async (delay: string): Promise<{ reply: number | undefined; delay: number; start: number }> => {
    writeInside(c, 'etc/systemd/system/vip-arpd.service.d/old-delay.conf', `[Service]\nRestartSec=${delay}\n`);
    await sh('systemctl daemon-reload && systemctl reset-failed vip-arpd');
    const k = await killOnce();
    rmSync(join(c.root, 'etc/systemd/system/vip-arpd.service.d'), { recursive: true, force: true });
    await sh('systemctl daemon-reload && systemctl reset-failed vip-arpd');
    return k;
  };
  const old100 = await withDelay('100ms');
  const old = await withDelay('1s');
  const fmt = (k: { reply: number | undefined; delay: number; start: number }): string =>
    `${k.reply ?? 'none'} ms (exit->Starting ${k.delay} ms, Starting->READY ${k.start} ms)`;
  const spread = (xs: number[]): string => {
    const s = [...xs].sort((a, b) => a - b);
    return `min ${s[0]} / median ${s[Math.floor((s.length - 1) / 2)]} / max ${s[s.length - 1]} ms`;
  };
  const replies = after.map((k) => k.reply ?? Infinity);
  const unit = /^RestartSec=(.*)$/m.exec(readInside(c, 'lib/systemd/system/vip-arpd.service') ?? '')?.[1] ?? '?';
  figure(
    `nspawn: kill -9 -> first ARP reply, RestartSec=${unit} (the unit's), ${RESTARTS} restarts: ${spread(replies)}; systemd exit->Starting ${spread(after.map((k) => k.delay))}; Starting->READY ${spread(after.map((k) => k.start))}; load average ${loads.join(' -> ')} on ${cpus().length} CPUs`,
  );
  figure(`nspawn: each: ${after.map(fmt).join('; ')}`);
  figure(`nspawn: kill -9 -> first ARP reply, RestartSec=100ms (before): ${fmt(old100)}; RestartSec=1s (before that): ${fmt(old)}`);
  const bound = restartBound(Math.max(loadBefore, loadavg()[0]!));
  const sorted = [...replies].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  if (bound.every !== Infinity)
    t.ok(
      sorted[sorted.length - 1]! <= bound.every,
      `kill -9 -> first reply <= ${bound.every} ms every time (${bound.why}): worst of ${RESTARTS} ${sorted[sorted.length - 1]} ms`,
    );
  t.ok(median <= bound.median, `kill -9 -> first reply, median of ${RESTARTS} ${median} ms <= ${bound.median} ms (${bound.why})`);
  const worstDelay = Math.max(...after.map((k) => k.delay));
  t.ok(
    worstDelay <= SYSTEMD_PART_BOUND_MS,
    `systemd's part (exit -> Starting) <= ${SYSTEMD_PART_BOUND_MS} ms every time: worst ${worstDelay} ms (RestartSec=100ms: ${old100.delay} ms, 1s: ${old.delay} ms)`,
  );
  t.ok((old.reply ?? Infinity) > bound.median, `the bound tells the delay from none: RestartSec=1s took ${old.reply ?? 'none'} ms`);

  // SIGSTOP: the event loop stops, WATCHDOG=1 stops, systemd kills and restarts.
  await sh('systemctl reset-failed vip-arpd');
  const stopped = (await show(c, 'MainPID')).MainPID;
  const beforeStop = await cursor(c);
  await sh(`kill -STOP ${stopped}`);
  await waitActive(c, stopped, 25_000);
  t.match(await journal(c, beforeStop), /vip-arpd\.service: Watchdog timeout/, 'SIGSTOP: the watchdog kills it, and it is restarted');

  // A crash loop is stopped by the start limit (StartLimitBurst=5 in 30 s), even without a restart delay.
  const beforeLoop = await cursor(c);
  writeInside(c, 'etc/systemd/system/vip-arpd.service.d/crash.conf', '[Service]\nExecStart=\nExecStart=/bin/false\n');
  await sh('systemctl daemon-reload && systemctl reset-failed vip-arpd; systemctl restart vip-arpd || true');
  const loop = await waitFor(
    async () => {
      const s = await show(c, 'ActiveState,Result,NRestarts');
      return s.ActiveState === 'failed' ? s : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100, what: 'the crash loop to be stopped' },
  );
  t.match(
    await journal(c, beforeLoop),
    /vip-arpd\.service: Start request repeated too quickly/,
    `a crash loop is stopped by the start limit after ${loop.NRestarts} restarts`,
  );
  t.ok(Number(loop.NRestarts) <= 5, `and no more restarts than StartLimitBurst allows (${loop.NRestarts})`);
  await sleep(1500);
  t.equal((await show(c, 'ActiveState')).ActiveState, 'failed', 'and it stays stopped');
  rmSync(join(c.root, 'etc/systemd/system/vip-arpd.service.d'), { recursive: true, force: true });
  await sh('systemctl daemon-reload && systemctl reset-failed vip-arpd && systemctl start vip-arpd');
  await waitActive(c, undefined);
  // A unit that failed for good was stopped: its runtime directory, and the
  // roles in it, went with it (RuntimeDirectoryPreserve=restart keeps them
  // across restarts only), so the group is back at its initialRole.
  t.equal((await asAlice('vip-arpctl role web')).stdout.trim(), 'BACKUP', 'after a stop the group starts at its initialRole');
  await asAlice('vip-arpctl takeover web');

  // The exposure score, online, of the unit as installed.
  const sec = await c.exec(['systemd-analyze', 'security', '--no-pager', 'vip-arpd']);
  const score = Number(/Overall exposure level for vip-arpd\.service: (\d+(?:\.\d+)?)/.exec(sec.stdout)?.[1] ?? 'NaN');
  figure(`nspawn: systemd-analyze security vip-arpd (online): ${score}`);
  t.ok(score <= MAX_EXPOSURE, `exposure ${score} <= ${MAX_EXPOSURE}`, { output: sec.stdout.slice(-2000) });

  // Upgrade: config and roles kept, one restart.
  const beforeUpgrade = await cursor(c);
  const pidUp = (await show(c, 'MainPID')).MainPID;
  const up = await c.sh(`cd /root && apt-get install -y ./${basename(pkg.next)}`, { timeoutMs: 5 * 60_000 });
  t.equal(up.code, 0, 'upgrade to the next build succeeds', { output: up.stdout + up.stderr });
  await waitActive(c, pidUp);
  const upJournal = await journal(c, beforeUpgrade);
  const starts = (upJournal.match(/Started vip-arpd\.service/g) ?? []).length;
  const stops = (upJournal.match(/Stopping vip-arpd\.service/g) ?? []).length;
  t.same({ starts, stops }, { starts: 1, stops: 1 }, 'the upgrade restarts the daemon exactly once', {
    output: upJournal
      .split('\n')
      .filter((l) => /vip-arpd/.test(l))
      .slice(-30)
      .join('\n'),
  });
  t.same(JSON.parse(readInside(c, 'etc/vip-arpd/vip-arpd.json') ?? '{}'), config, 'the edited config is kept');
  t.equal((await asAlice('vip-arpctl role web')).stdout.trim(), 'MASTER', 'web is still MASTER after the upgrade (state file kept)');

  // Stop: clean, runtime directory gone.
  const beforeStopUnit = await cursor(c);
  await sh('systemctl stop vip-arpd');
  const sStop = await show(c, 'ActiveState,Result');
  t.same(sStop, { ActiveState: 'inactive', Result: 'success' }, 'systemctl stop is clean');
  t.match(await journal(c, beforeStopUnit), /"msg":"stopped"/, 'the daemon logged its own stop');
  t.notOk(existsSync(join(c.root, 'run/vip-arpd')), '/run/vip-arpd removed on stop');

  // No SIGSYS anywhere: the journal of the whole boot, and the kernel's audit lines.
  const all = (await c.exec(['journalctl', '--no-pager', '-b'])).stdout;
  t.notMatch(all, /SIGSYS|status=31\/SYS/, 'no SIGSYS in the journal');
  const dmesg = await run('dmesg', []);
  t.notMatch(
    dmesg.stdout
      .split('\n')
      .filter((l) => l.includes('type=1326') && l.includes('node'))
      .join('\n'),
    /comm="node"/,
    'no seccomp kill of node in the kernel log',
  );

  // Remove keeps /etc/vip-arpd; purge leaves nothing.
  await sh('apt-get remove -y vip-arpd');
  t.ok(existsSync(join(c.root, 'etc/vip-arpd/vip-arpd.json')), 'remove keeps /etc/vip-arpd');
  t.equal((await c.exec(['systemctl', 'is-active', 'vip-arpd'])).stdout.trim(), 'inactive', 'and stops the service');
  await sh('apt-get purge -y vip-arpd');
  t.notOk(existsSync(join(c.root, 'etc/vip-arpd')), 'purge removes /etc/vip-arpd');
  t.equal((await c.exec(['getent', 'passwd', 'vip-arpd'])).code, 2, 'purge removes the user');
  t.equal((await c.exec(['getent', 'group', 'vip-arpd'])).code, 2, 'and the group');
  await sh('rm -f /root/*.deb');
  const filesAfter = await sh(
    'find /etc /usr /lib /var/lib /opt -xdev -path /var/lib/dpkg -prune -o -path /var/lib/apt -prune -o -path /var/lib/systemd -prune -o -print | sort',
  );
  const left = filesAfter.split('\n').filter((l) => !filesBefore.split('\n').includes(l));
  // /etc/group- & co. are shadow's backups of the files useradd/groupdel edited.
  t.same(
    left.filter((l) => !/^\/etc\/(passwd|group|shadow|gshadow)-$/.test(l)),
    [],
    'nothing of the package is left after purge',
  );

  figure(
    `nspawn: root + .deb ready in ${((prepared - started) / 1000).toFixed(1)} s, boot ${((booted - prepared) / 1000).toFixed(1)} s, whole test ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
});
