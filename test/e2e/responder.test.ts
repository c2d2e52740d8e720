// End-to-end proof of the foundation data path: the built daemon, a real
// AF_PACKET socket in a director namespace, answering the kernel ARP stack,
// iputils arping and scapy of a client namespace, with tshark reading frames.
import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  arpFrameHex,
  arping,
  createLab,
  DAEMON_ENTRY,
  neighbour,
  scapySend,
  skipUnlessRoot,
  startCapture,
  startDaemon,
  waitFor,
  type Lab,
  type DaemonProcess,
  silenceKernelArp,
} from './lab.js';
import { malformedArpFrames } from './malformed-frames.js';

const DIRECTOR_IP = '192.0.2.1';
const CLIENT_IP = '192.0.2.2';
const CLIENT_IP_LAN1 = '192.0.2.130';
const VIP = '198.51.100.10';
const VIP_RANGE_MEMBER = '198.51.100.66';
const VIP_EXCLUDED = '198.51.100.65';
const BACKUP_VIP = '198.51.100.20';
const LAN1_VIP = '203.0.113.5';
const NOT_A_VIP = '198.51.100.99';

const CONFIG = {
  stateFile: '',
  control: { socket: '' },
  watch: { enabled: false },
  log: { level: 'info' },
  groups: [
    { name: 'web', interface: 'eth0', vips: [VIP, '198.51.100.64/30', `!${VIP_EXCLUDED}`] },
    { name: 'mail', interface: 'eth0', vips: [BACKUP_VIP], initialRole: 'backup' },
    { name: 'lan1', interface: 'eth1', vips: [LAN1_VIP] },
  ],
};

/**
 * A client and a director on two separate LANs (eth0, eth1). The director
 * carries every VIP on lo with arp_ignore=1/arp_announce=2, as an LVS director
 * does (HOWTO §6), so its kernel never answers ARP for them: every reply seen
 * comes from vip-arpd.
 */
async function directorLab(t: Test): Promise<Lab> {
  const lab = await createLab(t, {
    hosts: [
      { name: 'client', ifaces: 2, ip: [`${CLIENT_IP}/25`, `${CLIENT_IP_LAN1}/25`] },
      { name: 'director', ifaces: 2, ip: [`${DIRECTOR_IP}/25`, '192.0.2.129/25'] },
    ],
  });
  await silenceKernelArp(lab, 'director', ['all', 'default', 'eth0', 'eth1']);
  for (const vip of [VIP, VIP_RANGE_MEMBER, BACKUP_VIP, LAN1_VIP, NOT_A_VIP]) await lab.addAddress('director', 'lo', `${vip}/32`);
  await lab.exec('client', 'ip', ['route', 'add', '198.51.100.0/24', 'dev', 'eth0'], { check: true });
  await lab.exec('client', 'ip', ['route', 'add', '203.0.113.0/24', 'dev', 'eth1'], { check: true });
  return lab;
}

async function replyMacs(lab: Lab, iface: string, target: string, count = 1): Promise<string[]> {
  const r = await arping(lab, 'client', iface, target, { count, timeoutSec: count + 1 });
  return r.replies.map((x) => x.mac);
}

function finalCounts(d: DaemonProcess, iface: string): Record<string, number> {
  const line = d.logs().find((l) => l.msg === 'final counters' && l['iface'] === iface);
  return (line?.['counts'] ?? {}) as Record<string, number>;
}

t.test('vip-arpd answers ARP for VIPs of MASTER groups, and only those', async (t) => {
  if (skipUnlessRoot(t, ['arping', 'tshark'])) return;
  const lab = await directorLab(t);
  const d = await startDaemon(lab, 'director', CONFIG);
  const dmac0 = lab.mac('director', 'eth0');
  const dmac1 = lab.mac('director', 'eth1');

  const cap = await startCapture(lab, 'client', 'eth0', 'arp');
  // An operator's tcpdump on the director must see the replies too (HOWTO §6.10).
  const onDirector = await startCapture(lab, 'director', 'eth0', 'arp');
  t.same(await replyMacs(lab, 'eth0', VIP, 2), [dmac0, dmac0], 'arping gets the director MAC for the VIP (broadcast, then unicast request)');
  t.same(await replyMacs(lab, 'eth0', VIP_RANGE_MEMBER), [dmac0], 'a VIP from a CIDR range is answered');
  t.same(await replyMacs(lab, 'eth0', VIP_EXCLUDED), [], 'an excluded address is not answered');
  t.same(await replyMacs(lab, 'eth0', NOT_A_VIP), [], 'a non-VIP is not answered (the kernel is silent too)');
  t.same(await replyMacs(lab, 'eth0', BACKUP_VIP), [], 'a BACKUP group VIP is not answered');
  t.same(await replyMacs(lab, 'eth0', LAN1_VIP), [], 'a VIP of eth1 is not answered on eth0');
  t.same(await replyMacs(lab, 'eth1', LAN1_VIP), [dmac1], 'a VIP of eth1 is answered on eth1 with eth1 MAC');
  t.same(await replyMacs(lab, 'eth1', VIP), [], 'a VIP of eth0 is not answered on eth1');

  const frames = await cap.stop();
  const directorView = await onDirector.stop();
  t.ok(
    directorView.some((f) => f.arpOp === 2 && f.senderIp === VIP && f.ethDst === lab.mac('client', 'eth0')),
    'a capture on the director itself shows the replies',
  );
  // op 2 frames to the client are replies; the director's startup GARPs (reply form) go to broadcast.
  const replies = frames.filter((f) => f.arpOp === 2 && f.ethDst !== 'ff:ff:ff:ff:ff:ff');
  t.ok(replies.length >= 3, `tshark saw the replies (${replies.length})`);
  for (const r of replies) {
    t.equal(r.malformed, false, 'tshark: no malformed-packet warning');
    t.equal(r.ethSrc, dmac0);
    t.equal(r.ethDst, lab.mac('client', 'eth0'), 'unicast to the requester');
    t.equal(r.senderMac, dmac0);
    t.ok([VIP, VIP_RANGE_MEMBER].includes(r.senderIp), 'sender IP is the VIP');
    t.equal(r.targetMac, lab.mac('client', 'eth0'));
    t.equal(r.targetIp, CLIENT_IP);
    const arp = r.raw['arp'] as Record<string, string>;
    t.same([arp['arp.hw.type'], arp['arp.proto.type'], arp['arp.hw.size'], arp['arp.proto.size']], ['1', '0x0800', '6', '4']);
  }
  t.notOk(
    frames.some((f) => f.arpOp === 2 && [NOT_A_VIP, BACKUP_VIP, VIP_EXCLUDED, LAN1_VIP].includes(f.senderIp)),
    'no reply for silent addresses on the wire',
  );

  const stopped = await d.stop();
  t.equal(stopped.code, 0, 'SIGTERM exits 0');
  t.ok(stopped.ms < 1000, `SIGTERM exit within 1 s (${stopped.ms} ms)`);
  const c = finalCounts(d, 'eth0');
  t.ok(c['answered']! >= 3 && c['not-master']! >= 1 && c['not-a-vip']! >= 1 && c['wrong-interface']! >= 1, `outcomes counted: ${JSON.stringify(c)}`);
});

t.test('the client kernel resolves the VIP to the director MAC by itself', async (t) => {
  if (skipUnlessRoot(t, ['arping'])) return;
  const lab = await directorLab(t);
  await startDaemon(lab, 'director', CONFIG);
  // Any IP traffic to the VIP makes the client kernel ARP for it.
  await lab.exec('client', 'bash', ['-c', `echo x > /dev/udp/${VIP}/9`]);
  const entry = await waitFor(
    async () => {
      const n = await neighbour(lab, 'client', VIP);
      return n?.mac !== undefined ? n : undefined;
    },
    { timeoutMs: 3000, what: 'a neighbour entry for the VIP' },
  );
  t.equal(entry.mac, lab.mac('director', 'eth0'), `ip neigh: ${VIP} lladdr director (${entry.state})`);
  t.notMatch(entry.state, /FAILED|INCOMPLETE/);
});

t.test('unicast requests and RFC 5227 probes are answered', async (t) => {
  if (skipUnlessRoot(t, ['arping', 'tshark', 'scapy'])) return;
  const lab = await directorLab(t);
  await startDaemon(lab, 'director', CONFIG);
  const cmac = lab.mac('client', 'eth0');
  const dmac = lab.mac('director', 'eth0');

  const cap = await startCapture(lab, 'client', 'eth0', 'arp');
  await scapySend(lab, 'client', 'eth0', [arpFrameHex({ ethDst: dmac, ethSrc: cmac, senderIp: CLIENT_IP, targetIp: VIP })]);
  await new Promise((r) => setTimeout(r, 300));
  const frames = await cap.stop();
  t.ok(
    frames.some((f) => f.arpOp === 1 && f.ethDst === dmac),
    'the unicast request is on the wire',
  );
  t.ok(
    frames.some((f) => f.arpOp === 2 && f.senderIp === VIP && f.ethDst === cmac),
    'the unicast request is answered',
  );

  // arping -D sends sender IP 0.0.0.0 and exits 1 when someone claims the address.
  const dad = await arping(lab, 'client', 'eth0', VIP, { mode: 'dad', count: 2 });
  t.equal(dad.code, 1, 'arping -D: the VIP is in use');
  t.same(
    dad.replies.map((r) => r.mac),
    [dmac],
    'the probe got the director MAC',
  );
  const free = await arping(lab, 'client', 'eth0', NOT_A_VIP, { mode: 'dad', count: 1 });
  t.equal(free.code, 0, 'arping -D: a non-VIP is free');
});

t.test('malformed frames are dropped, counted by reason, and never break answering', async (t) => {
  if (skipUnlessRoot(t, ['arping', 'tshark', 'scapy'])) return;
  const lab = await directorLab(t);
  const d = await startDaemon(lab, 'director', CONFIG);
  const cmac = lab.mac('client', 'eth0');
  const base = { ethSrc: cmac, senderIp: CLIENT_IP, targetIp: VIP };
  const cases: Array<{ reason: string; hex: string }> = [
    ...malformedArpFrames(base),
    // Shorter frames never arrive: the receiving kernel drops ARP frames under
    // 22 bytes before any packet socket sees them (checked with tshark on veth).
    { reason: 'short', hex: arpFrameHex({ ...base, truncate: 22 }) },
  ];
  const wire = await startCapture(lab, 'director', 'eth0', 'ether proto 0x0806');
  const cap = await startCapture(lab, 'client', 'eth0', 'arp');
  await scapySend(
    lab,
    'client',
    'eth0',
    cases.map((c) => c.hex),
    { count: 3 },
  );
  await new Promise((r) => setTimeout(r, 500));
  const seenByClient = await cap.stop();
  const seenByDirector = await wire.stop();
  t.equal(seenByDirector.filter((f) => f.ethSrc === cmac).length, cases.length * 3, 'every malformed frame reached the director');
  // The director's startup GARPs are op 2 too; replies are the ones addressed to the client.
  const answers = seenByClient.filter((f) => f.arpOp === 2 && f.targetIp === CLIENT_IP);
  t.same(
    answers.map((f) => `${f.ethSrc} ${f.senderIp} -> ${f.targetIp}`),
    [],
    'none was answered',
  );

  t.same(await replyMacs(lab, 'eth0', VIP), [lab.mac('director', 'eth0')], 'the daemon still answers afterwards');
  await d.stop();
  const counts = finalCounts(d, 'eth0');
  const want: Record<string, number> = {};
  for (const c of cases) want[`malformed:${c.reason}`] = (want[`malformed:${c.reason}`] ?? 0) + 3;
  for (const [k, v] of Object.entries(want)) t.equal(counts[k], v, `${k} counted ${v} times`);
  t.equal(counts['answered'], 1, 'only the good request was answered');
});

t.test('interface down/up and delete/recreate are survived without a restart', async (t) => {
  if (skipUnlessRoot(t, ['arping'])) return;
  const lab = await directorLab(t);
  const d = await startDaemon(lab, 'director', CONFIG);
  t.same(await replyMacs(lab, 'eth0', VIP), [lab.mac('director', 'eth0')], 'answering before');

  await lab.setLink('director', 'eth0', 'down');
  t.same(await replyMacs(lab, 'eth0', VIP), [], 'silent while the link is down');
  await lab.setLink('director', 'eth0', 'up');
  const t0 = Date.now();
  await waitFor(async () => (await replyMacs(lab, 'eth0', VIP)).length > 0 || undefined, { timeoutMs: 2000, what: 'answer after link up' });
  t.pass(`answering again ${Date.now() - t0} ms after link up`);

  const oldIndex = await lab.ifindex('director', 'eth0');
  await lab.deleteIface('director', 'eth0');
  await new Promise((r) => setTimeout(r, 700));
  await lab.recreateIface('director', 'eth0');
  t.not(await lab.ifindex('director', 'eth0'), oldIndex, 'the interface has a new index');
  const t1 = Date.now();
  const macs = await waitFor(
    async () => {
      const m = await replyMacs(lab, 'eth0', VIP);
      return m.length > 0 ? m : undefined;
    },
    { timeoutMs: 2000, what: 'answer after recreate' },
  );
  t.same(macs, [lab.mac('director', 'eth0')], `answering with the new interface MAC ${Date.now() - t1} ms after recreate`);
  t.equal(d.proc.exitCode, null, 'the daemon did not exit');
  await d.stop();
  t.ok(
    d.logs().some((l) => l.msg?.includes('socket reopened')),
    'the reopen was logged',
  );
});

t.test('startup errors name the problem and use distinct exit codes', async (t) => {
  if (skipUnlessRoot(t, [])) return;
  const lab = await directorLab(t);
  const dir = lab.tempDir('vip-arpd-bad-');
  const runDaemon = async (config: object) => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config));
    return lab.exec('director', process.execPath, [DAEMON_ENTRY, '--config', file]);
  };
  // An interface that does not exist is no exit: the daemon waits for it
  // (missing-interface.test.ts); --check-config warns of it.
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...CONFIG, groups: [{ name: 'x', interface: 'eth9', vips: [VIP] }] }));
  const noIface = await lab.exec('director', process.execPath, [DAEMON_ENTRY, '--check-config', '--config', join(dir, 'config.json')]);
  t.equal(noIface.code, 0, 'unknown interface: --check-config exits 0 with a warning');
  t.match(noIface.stderr, /warning: interface "eth9" \(groups "x"\) does not exist now/);
  const bad = await runDaemon({ ...CONFIG, groups: [{ name: 'x', interface: 'eth0', vips: ['198.51.100.300'] }] });
  t.equal(bad.code, 78, 'invalid config: exit 78');
  t.match(bad.stderr, /groups\[0\] \("x"\)\.vips\[0\]: invalid VIP entry "198\.51\.100\.300"/);
  const socket = join(dir, 'control.sock');
  const first = await startDaemon(lab, 'director', { ...CONFIG, control: { socket } });
  const second = await runDaemon({ ...CONFIG, control: { socket } });
  t.equal(second.code, 73, 'control socket held by a running daemon: exit 73');
  t.match(second.stderr, /cannot start: .*control/);
  t.equal(first.proc.exitCode, null, 'the first daemon keeps running');
  // Without CAP_NET_RAW (exit 77) is proven in nonroot.test.ts, as user nobody.
});
