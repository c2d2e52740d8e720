// Issue 10 item 8: a group MAC that no device on the interface accepts
// blackholes the VIP. The client learns the VRRP MAC from vip-arpd and its
// pings to the VIP are dropped by the director's NIC while doctor must FAIL
// (check group-mac) with the fix; once a macvlan on eth0 holds the MAC (what
// keepalived's use_vmac creates) the pings are answered and doctor passes.
import t from 'tap';
import { neighbour, skipUnlessRoot, startControlledDaemon, waitFor, type DoctorCheck } from './lab.js';
import { createDirectorLab } from './lab/director.js';

const VIP = '198.51.100.10';
const VMAC = '00:00:5e:00:01:0a';

t.test('doctor fails for a group MAC nobody holds and passes once a macvlan on the interface holds it', async (t) => {
  if (skipUnlessRoot(t, ['arping', 'ping', 'bridge'])) return;
  const lab = await createDirectorLab(t, { vips: [VIP], clientRoutes: ['198.51.100.0/24'] });
  for (const key of ['all', 'default', 'eth0']) await lab.sysctl('director', `net.ipv4.conf.${key}.rp_filter`, 0);
  const d = await startControlledDaemon(
    lab,
    'director',
    { groups: [{ name: 'web', interface: 'eth0', vips: [VIP], mac: VMAC, garp: { mode: 'request', count: 1, delayMs: 0 } }] },
    { prefix: 'vip-arpd-gmac-' },
  );
  const doctor = async () => {
    const r = await d.ctl<{ ok: boolean; checks: DoctorCheck[] }>('doctor');
    return { code: r.code, report: r.data, mac: r.data.checks.find((c) => c.check === 'group-mac') };
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
