// Issue 12 and issue 10 item 9: a configured interface that does not exist is
// waited for, not an exit (before: exit 69, and systemd gave up after five
// restarts). At start and on reload it is reported in status, doctor, systemd
// STATUS= and one log line without a stack; the VIPs of the other interfaces
// are answered meanwhile, and its own as soon as it appears.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import {
  arping,
  controlledConfig,
  createLab,
  DAEMON_ENTRY,
  skipUnlessRoot,
  sleep,
  startCapture,
  startControlledDaemon,
  waitFor,
  silenceKernelArp,
  type DoctorCheck,
} from './lab.js';
import { startNotifyReceiver } from '../unit/notify-receiver.js';

const VIP = '198.51.100.10';
const LATE_VIP = '203.0.113.5';

interface IfaceRow {
  name: string;
  state: string;
  present: boolean;
  missingSince?: string;
}

t.test('a missing interface is waited for and reported, at start and on reload', async (t) => {
  if (skipUnlessRoot(t, ['arping'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'client', ifaces: 2, ip: ['192.0.2.2/25', '192.0.2.130/25'] },
      { name: 'director', ifaces: 2, ip: ['192.0.2.1/25', '192.0.2.129/25'] },
    ],
  });
  await silenceKernelArp(lab, 'director', ['all', 'default', 'eth0']);
  await lab.exec('client', 'ip', ['route', 'add', '198.51.100.0/24', 'dev', 'eth0'], { check: true });
  await lab.exec('client', 'ip', ['route', 'add', '203.0.113.0/24', 'dev', 'eth1'], { check: true });
  // A VLAN or bond that comes up after the daemon: eth1 is not there at start.
  await lab.deleteIface('director', 'eth1');

  const groups = [
    { name: 'web', interface: 'eth0', vips: [VIP] },
    { name: 'late', interface: 'eth1', vips: [LATE_VIP], garp: { mode: 'request', count: 1, delayMs: 0 } },
  ];
  const notifyName = `@vip-arpd-missing-${process.pid}-${lab.id}`;
  const rx = await startNotifyReceiver(notifyName, (cmd, args) => lab.spawn('director', cmd, args));
  t.teardown(() => rx.close());
  const d = await startControlledDaemon(lab, 'director', { groups }, { prefix: 'vip-arpd-missing-', env: { NOTIFY_SOCKET: notifyName } });
  const ifaceRow = async (name: string) => (await d.ctl<{ interfaces: IfaceRow[] }>('status')).data.interfaces.find((i) => i.name === name);
  const interfaceCheck = async (name: string) => {
    const r = await d.ctl<{ checks: DoctorCheck[] }>('doctor');
    return { code: r.code, check: r.data.checks.find((c) => c.check === 'interface' && c.subject === name) };
  };

  t.equal(d.proc.exitCode, null, 'the daemon started and runs (before: exit 69)');
  const waiting = d.logs().filter((l) => l.msg?.includes('interface does not exist'));
  t.equal(waiting.length, 1, 'one log line for the missing interface');
  t.match(waiting[0], { iface: 'eth1', level: 40, reason: 'ENODEV' });
  t.notOk(JSON.stringify(d.logs()).includes('"stack"'), 'no stack trace in any log line');
  t.match(await ifaceRow('eth1'), { state: 'missing', present: false, missingSince: String }, 'status: eth1 missing');
  const doc = await interfaceCheck('eth1');
  t.equal(doc.code, 4, 'doctor exits 4');
  t.match(doc.check, { status: 'fail', message: /eth1 does not exist: vip-arpd waits for it/, fix: [/create eth1/] }, 'doctor: FAIL with the fix');
  const ready = await rx.waitFor((m) => m.fields.READY === '1');
  t.match(ready.fields.STATUS, /waiting for interface eth1/, `STATUS=${ready.fields.STATUS}`);
  t.equal((await arping(lab, 'client', 'eth0', VIP, { count: 1, timeoutSec: 2 })).replies.length, 1, 'the VIP on eth0 is answered meanwhile');

  const created = Date.now();
  await lab.recreateIface('director', 'eth1');
  const appeared = Date.now();
  await waitFor(async () => (await arping(lab, 'client', 'eth1', LATE_VIP, { count: 1, timeoutSec: 1 })).replies.length > 0 || undefined, {
    timeoutMs: 5000,
    intervalMs: 0,
    what: `${LATE_VIP} answered on the new eth1`,
  });
  t.pass(`${LATE_VIP} answered ${Date.now() - appeared} ms after eth1 was created (${appeared - created} ms to create it)`);
  const opened = d.logs().find((l) => l.msg?.includes('socket reopened') && l['iface'] === 'eth1');
  t.ok(opened !== undefined, 'the socket was opened when eth1 appeared');
  t.match(await ifaceRow('eth1'), { state: 'up', present: true });
  const back = await rx.waitFor((m) => m.fields.STATUS !== undefined && !m.fields.STATUS.includes('waiting'));
  t.match(back.fields.STATUS, /MASTER web, late; 2 VIPs on 2 interfaces/, 'STATUS= no longer waits');

  // Reload naming an interface that does not exist (issue 10 item 9).
  writeFileSync(d.configPath, JSON.stringify(controlledConfig(d.dir, { groups: [...groups, { name: 'later', interface: 'eth7', vips: ['203.0.113.77'] }] })));
  d.proc.kill('SIGHUP');
  await d.waitForLog((l) => l.msg?.includes('interface does not exist') === true && l['iface'] === 'eth7');
  t.match(await ifaceRow('eth7'), { state: 'missing' }, 'status: eth7 missing after the reload');
  t.match((await interfaceCheck('eth7')).check, { status: 'fail', message: /eth7 does not exist/ }, 'doctor: eth7 fails');
  await rx.waitFor((m) => (m.fields.STATUS ?? '').includes('waiting for interface eth7'));
  t.pass('STATUS= says it waits for eth7');

  // --check-config: a warning naming the interface, exit 0.
  const check = await lab.exec('director', process.execPath, [DAEMON_ENTRY, '--check-config', '--config', d.configPath]);
  t.equal(check.code, 0, '--check-config exits 0');
  t.match(check.stderr, /warning: interface "eth7" \(groups "later"\) does not exist now/);
  t.notMatch(check.stderr, /"eth0"|"eth1"/, 'existing interfaces are not warned about');
  t.equal((await d.stop()).code, 0);
});

t.test('an interface down at start: GARP failures logged by code without a stack, counted, announced once up', async (t) => {
  if (skipUnlessRoot(t, ['tshark'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'client', ip: '192.0.2.2/24' },
      { name: 'director', ip: '192.0.2.1/24' },
    ],
  });
  await lab.setLink('director', 'eth0', 'down');
  const cap = await startCapture(lab, 'client', 'eth0', 'arp');
  const d = await startControlledDaemon(
    lab,
    'director',
    { groups: [{ name: 'web', interface: 'eth0', vips: [VIP], garp: { mode: 'request', count: 5, intervalMs: 100, delayMs: 0 } }] },
    { prefix: 'vip-arpd-down-' },
  );
  await sleep(700); // the five rounds of the start burst, all refused with ENETDOWN
  const failures = d.logs().filter((l) => l.msg?.startsWith('cannot send gratuitous ARP'));
  t.equal(failures.length, 1, `5 failed rounds, ${failures.length} log line (rate-limited per code)`);
  t.match(failures[0], { code: 'ENETDOWN', group: 'web', level: 40 });
  t.notOk(JSON.stringify(d.logs()).includes('"stack"'), 'no stack trace in any log line (before: one per failure)');
  const status = (await d.ctl<{ interfaces: Array<{ name: string; state: string; sendErrors: Record<string, number> }> }>('status')).data;
  t.match(status.interfaces[0], { name: 'eth0', state: 'down' });
  t.ok((status.interfaces[0]?.sendErrors['ENETDOWN'] ?? 0) >= 5, `ENETDOWN counted: ${JSON.stringify(status.interfaces[0]?.sendErrors)}`);
  await lab.setLink('director', 'eth0', 'up');
  await sleep(300);
  const frames = await cap.stop();
  t.ok(
    frames.some((f) => f.ethSrc === lab.mac('director') && f.senderIp === VIP && f.targetIp === VIP),
    'the group is announced once the link is up',
  );
  await d.stop();
});
