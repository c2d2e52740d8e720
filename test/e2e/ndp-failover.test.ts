// IPv6 failover between two LVS directors (issue 13, "Announce on takeover"):
// a dual-stack group, A MASTER and alone answering NS; `vip-arpctl takeover`
// on B and `release` on A move the client kernel's IPv6 neighbour entry for
// the VIP to B's MAC by B's unsolicited NA alone, within 1 s, while the
// client sends nothing; tshark reads the NA (S=0, O=1, Target LLA = B, hop
// limit 255, checksum good); after the release A answers no NS.
import t from 'tap';
import { CTL_ENTRY, run, skipUnlessRoot, sleep, startCapture, startControlledDaemon, waitFor, type Lab } from './lab.js';
import { frameFields, NA_FIELDS, neighbour6 } from './lab-ndp.js';
import { createDualStackLab, ndiscAnswerers, VIP4, VIP6 } from './lab-ndp-director.js';

/** Frames sent just before a release may still be in flight to the capture. */
const IN_FLIGHT_GRACE_MS = 100;

function ctl(sock: string, ...args: string[]) {
  return run(process.execPath, [CTL_ENTRY, '--socket', sock, ...args], { check: true });
}

function start(lab: Lab, host: string, initialRole: string) {
  return startControlledDaemon(lab, host, { groups: [{ name: 'web', interface: 'eth0', vips: [VIP4, VIP6], initialRole }] });
}

t.test("takeover on B and release on A move the client's IPv6 neighbour entry to B by unsolicited NA alone, within 1 s", async (t) => {
  if (skipUnlessRoot(t, ['tshark', 'ping', 'ndisc6'])) return;
  const lab = await createDualStackLab(t);
  const a = await start(lab, 'a', 'master');
  const b = await start(lab, 'b', 'backup');

  t.same(await ndiscAnswerers(lab, 'c', VIP6), [lab.mac('a')], 'only A answers NS while A is MASTER');
  t.equal((await lab.exec('c', 'ping', ['-6', '-c', '1', '-W', '2', VIP6])).code, 0, 'the client reaches the IPv6 VIP on A');
  t.equal((await neighbour6(lab, 'c', VIP6))?.mac, lab.mac('a'), "the client's IPv6 entry points at A");
  // A's start-up burst (5 rounds 1.1 s apart, a block at 5 s) is cancelled by the release below.
  await sleep(500);

  const cap = await startCapture(lab, 'c', 'eth0', 'icmp6');
  await ctl(a.socket, 'release', 'web');
  const released = Date.now();
  const t0 = Date.now();
  await ctl(b.socket, 'takeover', 'web');
  const moved = await waitFor(async () => ((await neighbour6(lab, 'c', VIP6))?.mac === lab.mac('b') ? Date.now() - t0 : 0), {
    timeoutMs: 3000,
    intervalMs: 5,
    what: "the client's IPv6 neighbour entry to move to B",
  });
  t.comment(`client's IPv6 entry moved to B ${moved} ms after \`vip-arpctl takeover\` was run (node start-up of vip-arpctl included)`);
  t.ok(moved <= 1000, `moved within 1 s of the takeover command (${moved} ms), client silent`);
  await sleep(1300);
  await cap.stop();

  const nas = await frameFields(cap.file, `icmpv6.type == 136 && icmpv6.nd.na.target_address == ${VIP6}`, ['frame.time_epoch', 'eth.src', ...NA_FIELDS]);
  const fromB = nas.filter((n) => n['eth.src'] === lab.mac('b'));
  t.ok(fromB.length > 0, 'B announced the IPv6 VIP by NA');
  for (const n of fromB) {
    t.match(
      n,
      {
        'eth.dst': '33:33:00:00:00:01',
        'ipv6.src': VIP6,
        'ipv6.dst': 'ff02::1',
        'ipv6.hlim': '255',
        'icmpv6.nd.na.flag.s': /^(0|False)$/,
        'icmpv6.nd.na.flag.o': /^(1|True)$/,
        'icmpv6.nd.na.flag.r': /^(0|False)$/,
        'icmpv6.opt.linkaddr': lab.mac('b'),
        'icmpv6.checksum.status': '1',
      },
      'unsolicited NA: to ff02::1, hop limit 255, S=0 O=1, R=0 (B does not forward), Target LLA = B, checksum good',
    );
  }
  const lateFromA = nas.filter((n) => n['eth.src'] === lab.mac('a') && Number(n['frame.time_epoch']) * 1000 > released + IN_FLIGHT_GRACE_MS);
  t.same(lateFromA, [], 'no NA from A after its release');
  const clientNs = await frameFields(cap.file, `icmpv6.type == 135 && eth.src == ${lab.mac('c')}`, ['frame.time_epoch']);
  t.same(
    clientNs.filter((n) => Number(n['frame.time_epoch']) * 1000 < t0 + moved),
    [],
    'the client sent no NS before its entry moved: the NA alone moved it',
  );

  t.same(await ndiscAnswerers(lab, 'c', VIP6), [lab.mac('b')], 'after the release only B answers NS (A is silent)');
  t.equal((await lab.exec('c', 'ping', ['-6', '-c', '1', '-W', '2', VIP6])).code, 0, 'the client reaches the IPv6 VIP on B');
  const counters = (await ctl(b.socket, '--json', 'status')).stdout;
  t.match(JSON.parse(counters), { garp: { interfaces: [{ name: 'eth0', na: Number }] } }, 'status counts the NAs');
  t.ok(JSON.parse(counters).garp.interfaces[0].na > 0, 'B counted NA frames');
});
