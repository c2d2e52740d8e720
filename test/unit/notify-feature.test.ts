/**
 * SystemdNotifyFeature inside a daemon (real links on `lo`, fake wire, no root),
 * sending to a real datagram socket: the message for each daemon event.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startDaemon } from './lo-daemon-fixture.js';
import { RecordingConn } from './daemon-fixture.js';
import { loadConfig } from '../../src/config/load-config.js';
import { buildSnapshot } from '../../src/config/snapshot.js';
import { SystemdNotifyFeature } from '../../src/systemd/notify-feature.js';
import { startNotifyReceiver } from './notify-receiver.js';

function snapshot(vips: string[]) {
  const config = loadConfig({ file: undefined, env: {} });
  config.groups = [
    {
      name: 'web',
      interface: 'lo',
      vips,
      initialRole: 'master',
      keepalived: [],
      garp: { mode: 'both', count: 1, intervalMs: 1000, delayMs: 0, refreshMs: 0 },
      defend: false,
      ndpRouter: 'auto',
    },
  ];
  return buildSnapshot(config);
}

t.test('each daemon event becomes its notify message', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-notify-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'notify.sock');
  const rx = await startNotifyReceiver(socket);
  t.teardown(() => rx.close());
  const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '600000000', WATCHDOG_PID: String(process.pid) };
  let conflicts = 0;
  const log = pino({ level: 'silent' });
  const daemon = await startDaemon(
    snapshot(['198.51.100.1']),
    new RecordingConn(),
    (p) => [new SystemdNotifyFeature({ ...p, env, conflicts: () => conflicts })],
    { log },
  );
  t.same(env, {}, 'the notify variables are unset so child processes do not inherit them');

  const next = async (n: number): Promise<string> => (await rx.nth(n)).msg;
  t.equal(await next(1), 'READY=1\nSTATUS=MASTER web; 1 VIP on 1 interface; 0 conflicts\n', 'READY=1 with the status at start');

  conflicts = 2;
  daemon.setRole('web', 'BACKUP', 'control');
  t.equal(await next(2), 'STATUS=BACKUP web; 1 VIP on 1 interface; 2 conflicts\n', 'a role change updates STATUS');

  daemon.reloads.emit('reload-started');
  t.match(await next(3), /^RELOADING=1\nMONOTONIC_USEC=\d+\nSTATUS=reloading configuration\n$/, 'reload start');
  daemon.apply(snapshot(['198.51.100.1', '198.51.100.2']));
  t.equal(await next(4), 'STATUS=BACKUP web; 2 VIPs on 1 interface; 2 conflicts\n', 'the applied snapshot updates STATUS');
  daemon.reloads.emit('reload-finished', { ok: true, generation: daemon.generation });
  t.equal(await next(5), 'READY=1\nSTATUS=BACKUP web; 2 VIPs on 1 interface; 2 conflicts\n', 'READY=1 after the reload');

  daemon.reloads.emit('reload-started');
  await next(6);
  daemon.reloads.emit('reload-finished', { ok: false, generation: daemon.generation, error: 'config.json:3: bad address' });
  t.equal(
    await next(7),
    'READY=1\nSTATUS=BACKUP web; 2 VIPs on 1 interface; 2 conflicts; last reload failed: config.json:3: bad address\n',
    'a failed reload is READY=1 again (the last good config serves) and says why in STATUS',
  );

  await daemon.stop();
  t.equal(await next(8), 'STOPPING=1\nSTATUS=stopping\n', 'STOPPING=1 on stop');
  daemon.reloads.emit('reload-started');
  await new Promise((r) => setTimeout(r, 100));
  t.equal(rx.messages.length, 8, 'nothing is sent after stop (listeners removed)');
});

t.test('without NOTIFY_SOCKET the feature does nothing', async (t) => {
  const log = pino({ level: 'silent' });
  const daemon = await startDaemon(snapshot(['198.51.100.1']), new RecordingConn(), (p) => [new SystemdNotifyFeature({ ...p, env: {} })], { log });
  t.equal(daemon.roles.listenerCount('role-changed'), 0, 'no listeners');
  await daemon.stop();
});

t.test('a notify socket that goes away is a rate-limited warning, not a crash', async (t) => {
  const lines: Array<{ msg: string }> = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s) as { msg: string }) });
  const daemon = await startDaemon(
    snapshot(['198.51.100.1']),
    new RecordingConn(),
    (p) => [new SystemdNotifyFeature({ ...p, env: { NOTIFY_SOCKET: '/nonexistent/notify' } })],
    { log },
  );
  for (let i = 0; i < 5; i++) daemon.setRole('web', i % 2 === 0 ? 'BACKUP' : 'MASTER', 'control');
  await daemon.stop();
  t.equal(lines.filter((l) => l.msg === 'cannot notify systemd').length, 1, 'one warning for 7 failed sends');
});
