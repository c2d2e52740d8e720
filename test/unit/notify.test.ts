import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Notifier, formatNotify, monotonicUsec, parseNotifyEnv } from '../../src/systemd/notify.js';
import { statusLine } from '../../src/systemd/status-line.js';
import { startNotifyReceiver } from './notify-receiver.js';

t.test('parseNotifyEnv reads the socket and the watchdog meant for us', async (t) => {
  const cases: Array<{ desc: string; env: NodeJS.ProcessEnv; want?: object; wantErr?: RegExp }> = [
    { desc: 'nothing set: not under systemd', env: {}, want: { socket: undefined, watchdogUsec: undefined } },
    { desc: 'empty socket is unset', env: { NOTIFY_SOCKET: '' }, want: { socket: undefined, watchdogUsec: undefined } },
    { desc: 'path socket', env: { NOTIFY_SOCKET: '/run/systemd/notify' }, want: { socket: '/run/systemd/notify', watchdogUsec: undefined } },
    {
      desc: 'abstract socket',
      env: { NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify/123' },
      want: { socket: '@/org/freedesktop/systemd1/notify/123', watchdogUsec: undefined },
    },
    { desc: 'watchdog without WATCHDOG_PID', env: { NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '200000' }, want: { socket: '/n', watchdogUsec: 200000 } },
    { desc: 'watchdog for our pid', env: { WATCHDOG_USEC: '200000', WATCHDOG_PID: '42' }, want: { socket: undefined, watchdogUsec: 200000 } },
    {
      desc: 'watchdog for another pid is not ours',
      env: { WATCHDOG_USEC: '200000', WATCHDOG_PID: '43' },
      want: { socket: undefined, watchdogUsec: undefined },
    },
    { desc: 'relative socket path is rejected', env: { NOTIFY_SOCKET: 'run/notify' }, wantErr: /absolute path or an abstract @name/ },
    { desc: 'vsock address is rejected', env: { NOTIFY_SOCKET: 'vsock:2:1234' }, wantErr: /absolute path/ },
    { desc: 'too long for sun_path', env: { NOTIFY_SOCKET: '/' + 'x'.repeat(107) }, wantErr: /shorter than 108/ },
    { desc: 'non-numeric WATCHDOG_USEC', env: { WATCHDOG_USEC: '10s' }, wantErr: /WATCHDOG_USEC="10s"/ },
    { desc: 'zero WATCHDOG_USEC', env: { WATCHDOG_USEC: '0' }, wantErr: /positive/ },
  ];
  for (const c of cases) {
    if (c.wantErr !== undefined) t.throws(() => parseNotifyEnv(c.env, 42), { code: 'ENOTIFYENV', message: c.wantErr }, c.desc);
    else t.same(parseNotifyEnv(c.env, 42), c.want, c.desc);
  }
});

t.test('formatNotify writes KEY=value lines in order and refuses what would be misread', async (t) => {
  t.equal(formatNotify({ READY: 1, STATUS: 'MASTER web' }), 'READY=1\nSTATUS=MASTER web\n');
  t.equal(formatNotify({ RELOADING: 1, MONOTONIC_USEC: '123' }), 'RELOADING=1\nMONOTONIC_USEC=123\n');
  t.throws(() => formatNotify({ STATUS: 'a\nREADY=1' }), { code: 'ENOTIFYFIELD' }, 'a newline would smuggle a field');
  t.throws(() => formatNotify({ status: 'x' }), { code: 'ENOTIFYFIELD' }, 'keys are upper case');
});

t.test('monotonicUsec counts microseconds', async (t) => {
  const a = monotonicUsec();
  await new Promise((r) => setTimeout(r, 50));
  const elapsed = Number(monotonicUsec() - a);
  t.ok(elapsed >= 45_000 && elapsed < 5_000_000, `50 ms sleep measured as ${elapsed} µs`);
});

t.test('statusLine summarises roles, VIPs and conflicts on one line', async (t) => {
  const cases: Array<{ desc: string; input: Parameters<typeof statusLine>[0]; want: string }> = [
    {
      desc: 'roles in MASTER, BACKUP, FAULT order',
      input: {
        groups: [
          { name: 'db', role: 'BACKUP' },
          { name: 'web', role: 'MASTER' },
          { name: 'mail', role: 'MASTER' },
        ],
        vips: 6,
        interfaces: 2,
        conflicts: 0,
      },
      want: 'MASTER web, mail; BACKUP db; 6 VIPs on 2 interfaces; 0 conflicts',
    },
    {
      desc: 'singulars, no conflict count',
      input: { groups: [{ name: 'web', role: 'FAULT' }], vips: 1, interfaces: 1 },
      want: 'FAULT web; 1 VIP on 1 interface',
    },
    { desc: 'no groups', input: { groups: [], vips: 0, interfaces: 0, conflicts: 1 }, want: 'no groups; 0 VIPs on 0 interfaces; 1 conflict' },
    {
      desc: 'many groups are summarised',
      input: { groups: ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name, role: 'MASTER' as const })), vips: 6, interfaces: 1 },
      want: 'MASTER a, b, c, d +2; 6 VIPs on 1 interface',
    },
  ];
  for (const c of cases) t.equal(statusLine(c.input), c.want, c.desc);
});

t.test('Notifier sends one datagram from this process to a path and to an abstract socket', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-notify-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const name of [join(dir, 'notify.sock'), `@vip-arpd-test-${process.pid}-notify`]) {
    const rx = await startNotifyReceiver(name);
    t.teardown(() => rx.close());
    new Notifier(name).send({ READY: 1, STATUS: 'hello' });
    const m = await rx.waitFor(() => true);
    t.equal(m.msg, 'READY=1\nSTATUS=hello\n', `${name}: exact payload`);
    t.equal(m.pid, process.pid, `${name}: sent by the main process itself (NotifyAccess=main)`);
  }
});

t.test('Notifier reports a missing socket as a SystemError', async (t) => {
  t.throws(() => new Notifier('/nonexistent/vip-arpd/notify').send({ READY: 1 }), { code: 'ENOENT', syscall: 'sendto' });
  t.throws(() => new Notifier(`@vip-arpd-nobody-${process.pid}`).send({ READY: 1 }), { code: 'ECONNREFUSED' });
});
