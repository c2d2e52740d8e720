/**
 * sd_notify end to end: a real vip-arpd process in a lab namespace, a real
 * unix datagram socket as NOTIFY_SOCKET (a path and an abstract name), and
 * the exact sequence of messages through start, reload and stop; watchdog
 * pings at WATCHDOG_USEC/2 that stop while the process is frozen (SIGSTOP
 * stands in for a blocked event loop: nothing in the process runs) and
 * resume after SIGCONT.
 */
import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, skipUnlessRoot, sleep, startDaemon, type Lab } from '../e2e/lab.js';
import { startNotifyReceiver, type NotifyMessage } from './notify-receiver.js';

/** 200 ms watchdog → a ping every 100 ms. */
const WATCHDOG_USEC = 200_000;
const EXPECTED_PING_MS = WATCHDOG_USEC / 1000 / 2;

function config(dir: string, vips: string[]): object {
  return {
    groups: [{ name: 'web', interface: 'eth0', vips, initialRole: 'master' }],
    stateFile: join(dir, 'state.json'),
    control: { socket: '' },
    watch: { enabled: false },
  };
}

/** Messages other than the periodic watchdog ping, as sent. */
function nonWatchdog(ms: NotifyMessage[]): string[] {
  return ms.filter((m) => m.msg !== 'WATCHDOG=1\n').map((m) => m.msg.replace(/MONOTONIC_USEC=\d+/, 'MONOTONIC_USEC=<n>'));
}

async function sequenceTest(t: Test, lab: Lab, socketName: (dir: string) => string): Promise<void> {
  const dir = lab.tempDir('vip-arpd-notify-');
  const name = socketName(dir);
  // Abstract names are per network namespace: listen where the daemon runs.
  const rx = await startNotifyReceiver(name, (cmd, args) => lab.spawn('dir', cmd, args));
  const d = await startDaemon(lab, 'dir', config(dir, ['198.51.100.10']), { dir, env: { NOTIFY_SOCKET: name } });
  const pid = d.proc.pid;
  await rx.waitFor((m) => m.fields.READY === '1');
  t.ok(
    d.logs().some((l) => l.msg === 'ready'),
    'READY=1 comes once the daemon is started',
  );

  // Reload: one more VIP, then SIGHUP (what ExecReload sends).
  writeFileSync(d.configPath, JSON.stringify(config(dir, ['198.51.100.10', '198.51.100.11'])));
  d.proc.kill('SIGHUP');
  await rx.waitFor((m) => m.fields.READY === '1' && (m.fields.STATUS ?? '').includes('2 VIPs'));
  const before = rx.messages.find((m) => m.fields.RELOADING === '1');
  t.ok(before !== undefined && /^\d+$/.test(before.fields.MONOTONIC_USEC ?? ''), 'RELOADING=1 carries MONOTONIC_USEC');

  const stopped = await d.stop();
  t.equal(stopped.code, 0, 'SIGTERM stops it cleanly');
  await rx.waitFor((m) => m.fields.STOPPING === '1');
  t.same(
    nonWatchdog(rx.messages),
    [
      'READY=1\nSTATUS=MASTER web; 1 VIP on 1 interface; 0 conflicts\n',
      'RELOADING=1\nMONOTONIC_USEC=<n>\nSTATUS=reloading configuration\n',
      'STATUS=MASTER web; 2 VIPs on 1 interface; 0 conflicts\n',
      'READY=1\nSTATUS=MASTER web; 2 VIPs on 1 interface; 0 conflicts\n',
      'STOPPING=1\nSTATUS=stopping\n',
    ],
    'exact message sequence through start, reload and stop',
  );
  t.ok(
    rx.messages.every((m) => m.pid === pid),
    'every message comes from the main PID (NotifyAccess=main)',
  );
  rx.close();
}

t.test('notify sequence through start, reload and stop', async (t) => {
  if (skipUnlessRoot(t)) return;
  const lab = await createLab(t, { hosts: [{ name: 'dir', ip: '192.0.2.1/24' }] });
  t.test('path socket', (t) => sequenceTest(t, lab, (dir) => join(dir, 'notify.sock')));
  t.test('abstract socket', (t) => sequenceTest(t, lab, () => `@vip-arpd-test-${process.pid}-${lab.id}`));
});

t.test('watchdog pings every WATCHDOG_USEC/2 and stop while the process is frozen', async (t) => {
  if (skipUnlessRoot(t)) return;
  const lab = await createLab(t, { hosts: [{ name: 'dir', ip: '192.0.2.1/24' }] });
  const dir = lab.tempDir('vip-arpd-watchdog-');
  const name = join(dir, 'notify.sock');
  const rx = await startNotifyReceiver(name, (cmd, args) => lab.spawn('dir', cmd, args));
  t.teardown(() => rx.close());
  const d = await startDaemon(lab, 'dir', config(dir, ['198.51.100.10']), {
    dir,
    env: { NOTIFY_SOCKET: name, WATCHDOG_USEC: String(WATCHDOG_USEC) },
  });
  const pings = (): NotifyMessage[] => rx.messages.filter((m) => m.msg === 'WATCHDOG=1\n');

  await sleep(2000);
  const running = pings();
  const gaps = running.slice(1).map((m, i) => (m.t - running[i]!.t) * 1000);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  t.comment(
    `watchdog: ${running.length} pings in ~2 s, mean gap ${mean.toFixed(1)} ms, max ${Math.max(...gaps).toFixed(1)} ms (expected ${EXPECTED_PING_MS} ms)`,
  );
  t.ok(gaps.length >= 10, `at least 10 gaps measured (${gaps.length})`);
  t.ok(mean > EXPECTED_PING_MS * 0.8 && mean < EXPECTED_PING_MS * 1.5, `mean gap ${mean.toFixed(1)} ms is about ${EXPECTED_PING_MS} ms`);

  // A frozen process runs no timer: exactly like a blocked event loop.
  d.proc.kill('SIGSTOP');
  await sleep(100); // a ping already in flight may still land
  const frozenAt = pings().length;
  await sleep(1000);
  t.equal(pings().length, frozenAt, 'no ping arrives during 1 s frozen (5 watchdog periods)');

  d.proc.kill('SIGCONT');
  await sleep(1000);
  t.ok(pings().length - frozenAt >= 5, `pings resume after SIGCONT (${pings().length - frozenAt} in 1 s)`);
  await d.stop();
});
