// The Pacemaker OCF resource agent (etc/pacemaker/vip-arpd) passes Debian's
// ocf-tester against a running daemon, answers the edge cases Pacemaker relies
// on (unknown group, daemon down), and the heartbeat haresources script
// (etc/heartbeat/vip-arpd) starts, stops and reports a group.
import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, REPO_ROOT, run, skipUnlessRoot, startDaemon } from './lab.js';

const AGENT = join(REPO_ROOT, 'etc', 'pacemaker', 'vip-arpd');
const HEARTBEAT = join(REPO_ROOT, 'etc', 'heartbeat', 'vip-arpd');
const CTL = join(REPO_ROOT, 'dist', 'cli', 'vip-arpctl.js');
/** OCF exit codes (OCF resource agent API) */
const OCF_SUCCESS = 0;
const OCF_ERR_CONFIGURED = 6;
const OCF_NOT_RUNNING = 7;

t.test('the OCF agent passes ocf-tester and handles a stopped daemon; the heartbeat script works', async (t) => {
  if (skipUnlessRoot(t, ['ocf-tester', 'xmllint'])) return;
  const lab = await createLab(t, { hosts: [{ name: 'd', ip: '192.0.2.11/24' }] });
  const dir = lab.tempDir();
  const sock = join(dir, 'ctl.sock');
  const bin = join(dir, 'bin');
  await run('mkdir', ['-p', bin], { check: true });
  writeFileSync(join(bin, 'vip-arpctl'), `#!/bin/sh\nexec ${process.execPath} ${CTL} "$@"\n`);
  chmodSync(join(bin, 'vip-arpctl'), 0o755);
  const env = { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  const daemon = await startDaemon(
    lab,
    'd',
    {
      groups: [{ name: 'web', interface: 'eth0', vips: ['198.51.100.10'], initialRole: 'backup' }],
      stateFile: join(dir, 'state.json'),
      control: { socket: sock },
      watch: { enabled: false },
    },
    { dir },
  );
  const role = async (): Promise<string> => (await run(join(bin, 'vip-arpctl'), ['--socket', sock, 'role', 'web'])).stdout.trim();

  const tester = await run('ocf-tester', ['-n', 'test', '-o', 'group=web', '-o', `socket=${sock}`, AGENT], { env, timeoutMs: 120_000 });
  t.comment(tester.stdout.trim());
  t.equal(tester.code, 0, tester.code === 0 ? 'ocf-tester exits 0' : `ocf-tester exits 0\n${tester.stdout}${tester.stderr}`);
  t.match(tester.stdout, /passed all tests/);
  const changes = daemon
    .logs()
    .filter((l) => l.msg === 'role changed')
    .map((l) => `${String(l.from)}->${String(l.to)}`);
  t.ok(changes.includes('BACKUP->MASTER') && changes.includes('MASTER->BACKUP'), `start took over, stop released (${changes.join(', ')})`);
  t.equal(await role(), 'BACKUP', 'stopped at the end');

  const ocf = (action: string, params: Record<string, string>) =>
    run(AGENT, [action], {
      env: {
        ...env,
        OCF_ROOT: '/usr/lib/ocf',
        OCF_RESOURCE_INSTANCE: 'test',
        ...Object.fromEntries(Object.entries(params).map(([k, v]) => [`OCF_RESKEY_${k}`, v])),
      },
    });
  const cases: Array<{ desc: string; action: string; params: Record<string, string>; want: number }> = [
    { desc: 'monitor of a BACKUP group: not running', action: 'monitor', params: { group: 'web', socket: sock }, want: OCF_NOT_RUNNING },
    { desc: 'start: MASTER', action: 'start', params: { group: 'web', socket: sock }, want: OCF_SUCCESS },
    { desc: 'monitor of a MASTER group: running', action: 'monitor', params: { group: 'web', socket: sock }, want: OCF_SUCCESS },
    { desc: 'monitor of an unknown group: misconfigured', action: 'monitor', params: { group: 'nope', socket: sock }, want: OCF_ERR_CONFIGURED },
    { desc: 'validate-all of an unknown group: misconfigured', action: 'validate-all', params: { group: 'nope', socket: sock }, want: OCF_ERR_CONFIGURED },
    { desc: 'validate-all of a bad group name: misconfigured', action: 'validate-all', params: { group: 'a b', socket: sock }, want: OCF_ERR_CONFIGURED },
    { desc: 'monitor with no daemon: not running', action: 'monitor', params: { group: 'web', socket: join(dir, 'gone.sock') }, want: OCF_NOT_RUNNING },
    { desc: 'stop with no daemon: success', action: 'stop', params: { group: 'web', socket: join(dir, 'gone.sock') }, want: OCF_SUCCESS },
    { desc: 'stop: success', action: 'stop', params: { group: 'web', socket: sock }, want: OCF_SUCCESS },
    { desc: 'stop again: success', action: 'stop', params: { group: 'web', socket: sock }, want: OCF_SUCCESS },
  ];
  for (const c of cases) {
    const r = await ocf(c.action, c.params);
    t.equal(r.code, c.want, `${c.desc}${r.code === c.want ? '' : `\n${r.stdout}${r.stderr}`}`);
  }
  t.equal(await role(), 'BACKUP');

  const hb = (...args: string[]) => run(HEARTBEAT, args, { env: { ...env, VIP_ARPD_SOCKET: sock } });
  t.equal((await hb('web', 'status')).stdout, 'stopped\n', 'heartbeat status: stopped');
  t.equal((await hb('web', 'start')).code, 0, 'heartbeat start');
  t.equal((await hb('web', 'status')).stdout, 'running\n', 'heartbeat status: running');
  t.equal(await role(), 'MASTER');
  t.equal((await hb('web', 'stop')).code, 0, 'heartbeat stop');
  t.equal((await hb('web', 'status')).stdout, 'stopped\n');
  t.equal((await hb('nope', 'start')).code, 1, 'heartbeat start of an unknown group fails');
  t.equal((await hb('web')).code, 1, 'heartbeat usage error');
  t.equal(
    (await run(HEARTBEAT, ['web', 'stop'], { env: { ...env, VIP_ARPD_SOCKET: join(dir, 'gone.sock') } })).code,
    0,
    'heartbeat stop with no daemon succeeds',
  );
});
