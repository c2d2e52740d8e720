// Proves the namespace lab itself (lab/ and test/e2e/lab/) against the kernel's own
// ARP stack, without vip-arpd: if these fail, daemon e2e failures mean nothing.
import t from 'tap';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { arpFrameHex, arping, createLab, LAB_PREFIX, neighbour, REPO_ROOT, run, scapySend, skipUnlessRoot, startCapture, waitExit, waitFor } from './lab.js';

const A_IP = '192.0.2.10';
const B_IP = '192.0.2.20';

t.test('arping from A gets the MAC of the kernel owning the address on B', async (t) => {
  if (skipUnlessRoot(t, ['arping', 'tshark'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'a', ip: `${A_IP}/24` },
      { name: 'b', ip: `${B_IP}/24` },
    ],
  });
  t.match(lab.ns('a'), new RegExp(`^${LAB_PREFIX}`));
  t.match(lab.mac('b'), /^02(:[0-9a-f]{2}){5}$/, 'MACs are lower-case, locally administered');
  t.not(lab.mac('a'), lab.mac('b'));

  const cap = await startCapture(lab, 'a', 'eth0', 'arp');
  const r = await arping(lab, 'a', 'eth0', B_IP, { count: 2 });
  t.equal(r.code, 0, 'arping exits 0');
  t.ok(r.replies.length >= 1, 'at least one reply');
  t.same(
    r.replies.map((x) => ({ ip: x.ip, mac: x.mac })),
    r.replies.map(() => ({ ip: B_IP, mac: lab.mac('b') })),
    'every reply is from B with its MAC',
  );

  const frames = await cap.stop();
  const replies = frames.filter((f) => f.arpOp === 2 && f.senderIp === B_IP);
  t.ok(replies.length >= 1, 'capture on A saw the ARP reply');
  const rep = replies[0];
  if (rep) {
    t.equal(rep.ethSrc, lab.mac('b'));
    t.equal(rep.ethDst, lab.mac('a'));
    t.equal(rep.ethType, 0x0806);
    t.equal(rep.senderMac, lab.mac('b'));
    t.equal(rep.targetMac, lab.mac('a'));
    t.equal(rep.targetIp, A_IP);
    t.equal(rep.malformed, false, 'tshark finds nothing malformed');
    t.equal(rep.length, 42, 'veth does not pad: 14 + 28 bytes');
    t.ok(rep.time > 1e9 && Math.abs(rep.time - Date.now() / 1000) < 60, 'time is epoch seconds');
    const arp = rep.raw['arp'] as Record<string, string>;
    t.equal(arp['arp.hw.size'], '6', 'raw tshark fields are exposed');
  }
  const reqs = frames.filter((f) => f.arpOp === 1 && f.targetIp === B_IP);
  t.ok(reqs.length >= 1, 'capture on A saw its own request');
  t.equal(reqs[0]?.ethDst, 'ff:ff:ff:ff:ff:ff', 'first request is broadcast');

  const dad = await arping(lab, 'a', 'eth0', B_IP, { count: 1, mode: 'dad' });
  t.equal(dad.replies.length, 1, 'DAD probe for a used address gets an answer');
  t.not(dad.code, 0, 'arping -D exits non-zero when the address is in use');
});

t.test('traffic fills the neighbour table; waitFor polls it', async (t) => {
  if (skipUnlessRoot(t, [])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'a', ip: `${A_IP}/24` },
      { name: 'b', ip: `${B_IP}/24` },
    ],
  });
  t.equal(await neighbour(lab, 'a', B_IP), undefined, 'no entry before traffic');
  // ping when iputils-ping is there; otherwise one UDP datagram resolves B too.
  const hasPing = (await run('sh', ['-c', 'command -v ping'])).code === 0;
  const p = hasPing
    ? await lab.exec('a', 'ping', ['-c', '1', '-W', '2', B_IP])
    : await lab.exec('a', process.execPath, ['-e', `require('node:dgram').createSocket('udp4').send('x', 9, '${B_IP}', (e) => process.exit(e ? 1 : 0))`]);
  t.equal(p.code, 0, hasPing ? 'ping succeeds' : 'UDP datagram sent');
  const n = await waitFor(() => neighbour(lab, 'a', B_IP, 'eth0'), { timeoutMs: 2000, what: 'neighbour entry' });
  t.equal(n.mac, lab.mac('b'), 'A learned B’s MAC');
  t.match(n.state, /REACHABLE|STALE|DELAY/);
  t.equal(n.dev, 'eth0');
  await t.rejects(
    waitFor(() => false, { timeoutMs: 100, what: 'nothing' }),
    /Timed out after 100 ms waiting for nothing/,
  );
});

t.test('scapySend puts a hand-built ARP request on the wire', async (t) => {
  if (skipUnlessRoot(t, ['tshark', 'scapy'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'a', ip: `${A_IP}/24` },
      { name: 'b', ip: `${B_IP}/24` },
    ],
  });
  const cap = await startCapture(lab, 'b', 'eth0', 'arp');
  const frame = arpFrameHex({ ethSrc: lab.mac('a'), senderIp: A_IP, targetIp: '198.51.100.7' });
  t.equal(frame.length, 84, '42-byte frame');
  const sent = await scapySend(lab, 'a', 'eth0', [frame], { count: 2 });
  t.equal(sent, 2);
  const frames = await cap.stop();
  const seen = frames.filter((f) => f.targetIp === '198.51.100.7');
  t.equal(seen.length, 2, 'B saw both copies');
  t.same(
    seen[0] && {
      ethSrc: seen[0].ethSrc,
      ethDst: seen[0].ethDst,
      arpOp: seen[0].arpOp,
      senderMac: seen[0].senderMac,
      senderIp: seen[0].senderIp,
      targetMac: seen[0].targetMac,
      malformed: seen[0].malformed,
    },
    {
      ethSrc: lab.mac('a'),
      ethDst: 'ff:ff:ff:ff:ff:ff',
      arpOp: 1,
      senderMac: lab.mac('a'),
      senderIp: A_IP,
      targetMac: '00:00:00:00:00:00',
      malformed: false,
    },
  );
  // A truncated ARP body must show up as malformed in tshark.
  const cap2 = await startCapture(lab, 'b', 'eth0', '');
  await scapySend(lab, 'a', 'eth0', [arpFrameHex({ ethSrc: lab.mac('a'), senderIp: A_IP, targetIp: B_IP, truncate: 30 })]);
  const f2 = await cap2.stop();
  const bad = f2.filter((f) => f.ethSrc === lab.mac('a') && f.length === 30);
  t.equal(bad.length, 1, 'truncated frame captured');
  t.equal(bad[0]?.malformed, true, 'truncated frame flagged malformed');
});

t.test('link helpers: down, delete, recreate on separate LANs', async (t) => {
  if (skipUnlessRoot(t, ['arping'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'a', ifaces: 2, ip: [`${A_IP}/24`, '192.0.2.110/24'] },
      { name: 'b', ifaces: 2, ip: [`${B_IP}/24`, '192.0.2.120/24'] },
    ],
  });
  t.not(lab.mac('b', 'eth0'), lab.mac('b', 'eth1'));
  // eth1 is a separate LAN: asking for B's eth0 address from A's eth1 gets
  // an answer only from B's eth1 (Linux answers for any local address).
  const viaEth1 = await arping(lab, 'a', 'eth1', B_IP, { count: 1 });
  t.same(
    viaEth1.replies.map((r) => r.mac),
    [lab.mac('b', 'eth1')],
    'eth1 LAN reaches only eth1 of B',
  );

  await lab.setLink('b', 'eth0', 'down');
  const down = await arping(lab, 'a', 'eth0', B_IP, { count: 1, timeoutSec: 1 });
  t.equal(down.replies.length, 0, 'no reply while B eth0 is down');
  await lab.setLink('b', 'eth0', 'up');
  const up = await arping(lab, 'a', 'eth0', B_IP, { count: 1, timeoutSec: 3 });
  t.same(
    up.replies.map((r) => r.mac),
    [lab.mac('b')],
    'reply again after link up',
  );

  const oldMac = lab.mac('b');
  const oldIndex = await lab.ifindex('b', 'eth0');
  await lab.deleteIface('b', 'eth0');
  const gone = await lab.exec('b', 'ip', ['link', 'show', 'eth0']);
  t.not(gone.code, 0, 'eth0 is gone');
  await lab.recreateIface('b', 'eth0');
  t.not(lab.mac('b'), oldMac, 'recreated interface has a new MAC');
  t.not(await lab.ifindex('b', 'eth0'), oldIndex, 'and a new ifindex');
  const again = await arping(lab, 'a', 'eth0', B_IP, { count: 1, timeoutSec: 3 });
  t.same(
    again.replies.map((r) => r.mac),
    [lab.mac('b')],
    'recreated interface is on the bridge with its address',
  );

  await lab.sysctl('b', 'net.ipv4.conf.eth0.arp_ignore', 8);
  const ignored = await arping(lab, 'a', 'eth0', B_IP, { count: 1, timeoutSec: 1 });
  t.equal(ignored.replies.length, 0, 'sysctl applies inside the namespace (arp_ignore=8)');
  await lab.addAddress('b', 'lo', '198.51.100.1/32');
  const addrs = await lab.exec('b', 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo'], { check: true });
  t.match(addrs.stdout, /198\.51\.100\.1\/32/);
});

t.test('destroy removes every namespace and kills spawned processes', async (t) => {
  if (skipUnlessRoot(t, [])) return;
  const lab = await createLab(t, { hosts: [{ name: 'a' }, { name: 'b' }] });
  const sleeper = lab.spawn('a', 'sleep', ['600']);
  const before = (await run('ip', ['netns', 'list'], { check: true })).stdout;
  for (const n of [lab.ns('a'), lab.ns('b'), lab.switchNs]) t.match(before, n, `${n} exists`);
  await lab.destroy();
  await lab.destroy(); // idempotent
  const after = (await run('ip', ['netns', 'list'], { check: true })).stdout;
  t.notMatch(after, lab.id, 'no namespace of the lab is left');
  await waitFor(() => sleeper.exitCode !== null || sleeper.signalCode !== null, { what: 'spawned process to die' });
  t.pass('spawned process was killed');
  await t.rejects(lab.exec('a', 'true', [], { check: true }), /Cannot run/, 'exec with check throws on failure');
});

t.test('the stale-lab sweep (lab/sweep-stale.mjs, as .ci/run calls it) removes only labs whose process is gone', async (t) => {
  if (skipUnlessRoot(t, [])) return;
  const dead = spawn('true');
  await waitExit(dead);
  const id = randomBytes(3).toString('hex');
  // A live process that is not this one: the test runner that started us.
  const stale = `${LAB_PREFIX}${dead.pid}-${id}-stale`;
  const live = `${LAB_PREFIX}${process.ppid}-${id}-live`;
  for (const n of [stale, live]) await run('ip', ['netns', 'add', n], { check: true });
  t.teardown(async () => {
    for (const n of [stale, live]) await run('ip', ['netns', 'del', n]);
  });
  const r = await run(process.execPath, [join(REPO_ROOT, 'lab', 'sweep-stale.mjs')], { check: true });
  t.match(r.stdout, `lab: removed stale namespace ${stale}`);
  const after = (await run('ip', ['netns', 'list'], { check: true })).stdout;
  t.notMatch(after, stale, 'the lab of a dead process is gone');
  t.match(after, live, 'the lab of a live process is kept');
});

t.test('a lab that fails half-way is removed before the error is thrown', async (t) => {
  if (skipUnlessRoot(t, [])) return;
  const mine = async (): Promise<string[]> =>
    (await run('ip', ['netns', 'list'], { check: true })).stdout
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(`${LAB_PREFIX}${process.pid}-`));
  const before = await mine();
  // The second host's address is not one: `ip addr add` fails after three namespaces exist.
  await t.rejects(
    createLab(t, {
      hosts: [
        { name: 'a', ip: `${A_IP}/24` },
        { name: 'b', ip: '192.0.2.300/24' },
      ],
    }),
    /Cannot run "ip -n varplab-.*addr add 192\.0\.2\.300\/24/,
  );
  t.same(await mine(), before, 'no namespace of the failed lab is left');
});
