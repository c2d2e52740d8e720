// Issue 10 item 8: a group MAC that no device on the interface accepts
// blackholes the VIP. The client learns the VRRP MAC from vip-arpd and its
// pings to the VIP are dropped by the director's NIC while doctor must FAIL
// (check group-mac) with the fix; once a macvlan on eth0 holds the MAC (what
// keepalived's use_vmac creates) the pings are answered and doctor passes.
import t from 'tap';
import { join } from 'node:path';
import { createLab, neighbour, REPO_ROOT, run, skipUnlessRoot, startDaemon, waitFor } from './lab.js';

const CTL = join(REPO_ROOT, 'dist', 'cli', 'vip-arpctl.js');
const VIP = '198.51.100.10';
const VMAC = '00:00:5e:00:01:0a';

interface Check {
  check: string;
  subject: string;
  status: string;
  message: string;
  fix: string[];
}

t.test('doctor fails for a group MAC nobody holds and passes once a macvlan on the interface holds it', async (t) => {
  if (skipUnlessRoot(t, ['arping', 'ping', 'bridge'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'client', ip: '192.0.2.2/24' },
      { name: 'director', ip: '192.0.2.1/24' },
    ],
  });
  for (const key of ['all', 'default', 'eth0']) {
    await lab.sysctl('director', `net.ipv4.conf.${key}.arp_ignore`, 1);
    await lab.sysctl('director', `net.ipv4.conf.${key}.arp_announce`, 2);
    await lab.sysctl('director', `net.ipv4.conf.${key}.rp_filter`, 0);
  }
  await lab.addAddress('director', 'lo', `${VIP}/32`);
  await lab.exec('client', 'ip', ['route', 'add', '198.51.100.0/24', 'dev', 'eth0'], { check: true });
  const dir = lab.tempDir('vip-arpd-gmac-');
  const socket = join(dir, 'control.sock');
  const d = await startDaemon(
    lab,
    'director',
    {
      stateFile: join(dir, 'state.json'),
      control: { socket },
      watch: { enabled: false },
      log: { level: 'info' },
      groups: [{ name: 'web', interface: 'eth0', vips: [VIP], mac: VMAC, garp: { mode: 'request', count: 1, delayMs: 0 } }],
    },
    { dir },
  );
  const doctor = async () => {
    const r = await run(process.execPath, [CTL, '--socket', socket, '--timeout', '15000', '--json', 'doctor'], { timeoutMs: 20_000 });
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
    return { code: r.code, report, mac: report.checks.find((c) => c.check === 'group-mac') };
  };
  const ping = async () => (await lab.exec('client', 'ping', ['-c', '3', '-i', '0.2', '-W', '1', VIP])).code === 0;

  // The data path first: the client learns the VMAC, and nothing gets through.
  await lab.exec('client', 'arping', ['-c', '1', '-w', '2', '-I', 'eth0', VIP]);
  t.ok((await ping()) === false, 'no device accepts the VMAC: pings to the VIP are dropped');
  t.equal((await neighbour(lab, 'client', VIP))?.mac, VMAC, 'the client learnt the VMAC');

  let r = await doctor();
  t.equal(r.report.ok, false, 'doctor is not ok (before: all passed)');
  t.equal(r.code, 4, 'exit 4');
  t.match(r.mac, { status: 'fail', subject: 'web', message: /no device on eth0 accepts frames to that MAC/ });
  t.ok(
    r.mac?.fix.some((l) => l.includes(`ip link add link eth0 name vmac-010a address ${VMAC} type macvlan`)),
    `fix names the macvlan: ${JSON.stringify(r.mac?.fix)}`,
  );
  t.ok(
    r.mac?.fix.some((l) => l.includes(`answers with eth0's own MAC ${lab.mac('director')}`)),
    "or the interface's own MAC",
  );

  // keepalived's use_vmac: a macvlan on eth0 holding the VRRP MAC.
  await lab.exec('director', 'ip', ['link', 'add', 'link', 'eth0', 'name', 'vrrp.10', 'address', VMAC, 'type', 'macvlan', 'mode', 'private'], { check: true });
  await lab.sysctl('director', 'net.ipv4.conf.vrrp/10.rp_filter', 0);
  await lab.exec('director', 'ip', ['link', 'set', 'vrrp.10', 'down'], { check: true });
  r = await doctor();
  t.match(r.mac, { status: 'fail', fix: ['ip link set vrrp.10 up'] }, 'a holder that is down fails with "set it up"');
  await lab.exec('director', 'ip', ['link', 'set', 'vrrp.10', 'up'], { check: true });
  r = await doctor();
  t.match(r.mac, { status: 'pass', message: /held by macvlan vrrp\.10 on eth0/ });
  t.equal(r.report.ok, true, `doctor passes: ${JSON.stringify(r.report.checks.filter((c) => c.status !== 'pass'))}`);
  const ok = await waitFor(async () => (await ping()) || undefined, { timeoutMs: 5000, what: 'pings to the VIP through the macvlan' });
  t.ok(ok, 'with the macvlan holding the VMAC, pings to the VIP are answered');
  await d.stop();
});
