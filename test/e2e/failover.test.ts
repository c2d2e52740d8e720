// Failover between two LVS directors, executed by vip-arpd: A is MASTER and
// alone answers; `vip-arpctl takeover` on B and `release` on A move the
// client's kernel neighbour entry for the VIP to B's MAC from B's gratuitous
// ARP alone, within 1 s, while the client sends nothing.
import t from 'tap';
import {
  arping,
  createLab,
  CTL_ENTRY,
  neighbour,
  run,
  skipUnlessRoot,
  sleep,
  startCapture,
  startControlledDaemon,
  waitFor,
  type Lab,
  silenceKernelArp,
} from './lab.js';

const VIP = '198.51.100.10';
/** Linux ignores a neighbour update within arp locktime (1 s) of the last one; wait past it before failing over. */
const LOCKTIME_MS = 1100;
/** Frames sent just before a release may still be in flight to the capture. */
const IN_FLIGHT_GRACE_MS = 100;

/** An LVS director: VIP on lo, the kernel told never to speak ARP for it (LVS-HOWTO "the ARP problem"). */
async function director(lab: Lab, host: string): Promise<void> {
  await lab.addAddress(host, 'lo', `${VIP}/32`);
  await silenceKernelArp(lab, host, ['all', 'eth0']);
}

function ctl(sock: string, ...args: string[]) {
  return run(process.execPath, [CTL_ENTRY, '--socket', sock, ...args], { check: true });
}

t.test('takeover on B and release on A move the client to B by GARP alone, within 1 s', async (t) => {
  if (skipUnlessRoot(t, ['arping', 'ping'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'c', ip: '192.0.2.1/24' },
      { name: 'a', ip: '192.0.2.11/24' },
      { name: 'b', ip: '192.0.2.12/24' },
    ],
  });
  await director(lab, 'a');
  await director(lab, 'b');
  // The client reaches the VIP on-link, as a router in front of the directors does.
  await lab.exec('c', 'ip', ['route', 'add', '198.51.100.0/24', 'dev', 'eth0'], { check: true });

  const a = await startControlledDaemon(lab, 'a', { groups: [{ name: 'web', interface: 'eth0', vips: [VIP], initialRole: 'master' }] });
  const b = await startControlledDaemon(lab, 'b', { groups: [{ name: 'web', interface: 'eth0', vips: [VIP], initialRole: 'backup' }] });

  const before = await arping(lab, 'c', 'eth0', VIP, { count: 3, broadcast: true });
  t.same([...new Set(before.replies.map((r) => r.mac))], [lab.mac('a')], 'only A answers while A is MASTER');

  t.equal((await lab.exec('c', 'ping', ['-c', '1', '-W', '2', VIP])).code, 0, 'the client reaches the VIP on A');
  t.equal((await neighbour(lab, 'c', VIP))?.mac, lab.mac('a'), "the client's entry points at A");
  await sleep(LOCKTIME_MS);

  const cap = await startCapture(lab, 'c', 'eth0', 'arp');
  // A releases first, as keepalived's BACKUP transition would; that also cancels what is left of A's start-up burst.
  await ctl(a.socket, 'release', 'web');
  const released = Date.now();
  const t0 = Date.now();
  await ctl(b.socket, 'takeover', 'web');
  const tReturned = Date.now() - t0;
  const moved = await waitFor(async () => ((await neighbour(lab, 'c', VIP))?.mac === lab.mac('b') ? Date.now() - t0 : 0), {
    timeoutMs: 3000,
    intervalMs: 5,
    what: "the client's neighbour entry to move to B",
  });
  const roleChangedAt = (await b.waitForLog((l) => l.msg === 'role changed' && l.to === 'MASTER')).time ?? 0;
  t.comment(
    `client's entry moved to B ${moved} ms after \`vip-arpctl takeover\` was run (vip-arpctl returned after ${tReturned} ms, ` +
      `most of it node start-up); ${moved - (roleChangedAt - t0)} ms after B's daemon took the command`,
  );
  t.ok(moved <= 1000, `moved within 1 s of the takeover command (${moved} ms), client silent`);

  // Keep listening for one more GARP interval: a round A failed to cancel would show here.
  await sleep(LOCKTIME_MS + 200);
  const frames = await cap.stop();
  // A's delayed start-up block (delayMs 5000) falls about when A is released:
  // a round sent just before the release can still be on its way to the
  // client's capture, whose timestamps are taken on receipt. Frames later than
  // the grace are what A must never send.
  const garps = frames.filter((f) => f.senderIp === VIP && f.targetIp === VIP && f.time * 1000 > released);
  const fromA = garps
    .filter((f) => f.senderMac !== lab.mac('b') && f.time * 1000 > released + IN_FLIGHT_GRACE_MS)
    .map((f) => `${f.senderMac} op ${f.arpOp} +${(f.time * 1000 - released).toFixed(1)} ms`);
  t.ok(
    garps.some((f) => f.senderMac === lab.mac('b')),
    'B announced',
  );
  t.same(fromA, [], 'every GARP after A released is from B');
  t.notOk(
    frames.some((f) => f.ethSrc === lab.mac('c')),
    'the client sent no ARP: the GARP alone moved its entry',
  );
  const after = await arping(lab, 'c', 'eth0', VIP, { count: 3, broadcast: true });
  t.same([...new Set(after.replies.map((r) => r.mac))], [lab.mac('b')], 'only B answers after the failover');
  t.equal((await lab.exec('c', 'ping', ['-c', '1', '-W', '2', VIP])).code, 0, 'the client reaches the VIP on B');
});
