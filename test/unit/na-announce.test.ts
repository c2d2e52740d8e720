/**
 * Unsolicited NA announcements (issue 13, "Announce on takeover"): the
 * encoder's bytes, and the announcer sending NAs for a group's IPv6 VIPs on
 * the ARP schedule, in the same paced queue, cancelled and held the same way.
 * Port fakes only (daemon-fixture.ts): no addon, no root.
 */
import t, { type Test } from 'tap';
import { AnnouncerFeature } from '../../src/announcer/announcer.js';
import { naAnnounceEncoder } from '../../src/announcer/na-announce.js';
import type { GroupState } from '../../src/vips/group-state.js';
import { parseMac } from '../../src/wire/mac.js';
import { formatIpv4, parseIpv4 } from '../../src/wire/ipv4.js';
import { formatIpv6 } from '../../src/wire/ipv6.js';
import { icmpv6Checksum } from '../../src/wire/ndp.js';
import { configWith, FakeClock, RecordingConn, snapshotOf, startFakeDaemon } from './daemon-fixture.js';
import { encoded, hex, ipv6 } from './golden-bytes.js';

const GROUP_MAC = '02:00:00:00:aa:01';
const MAC = parseMac(GROUP_MAC)!;
const ALL_NODES_MAC = parseMac('33:33:00:00:00:01')!;

t.test('the NA encoder writes an unsolicited NA for the index-th 4-word address, R as asked', async (t) => {
  const mac = parseMac('0a:1b:2c:3d:4e:5f')!;
  // Two addresses; the encoder must take the second one's four words.
  const ips = Uint32Array.of(...ipv6('2001:db8::1'), ...ipv6('2001:db8::a:b0c1'));
  const vip = '20 01 0d b8 00 00 00 00 00 00 00 00 00 0a b0 c1';
  const frame = (checksum: string, flags: string) =>
    hex(
      '33 33 00 00 00 01',
      '0a 1b 2c 3d 4e 5f',
      '86 dd',
      '60 00 00 00',
      '00 20',
      '3a',
      'ff', // payload 32, ICMPv6, hop limit 255
      vip,
      'ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 01',
      '88',
      '00',
      checksum,
      flags,
      vip,
      '02',
      '01',
      '0a 1b 2c 3d 4e 5f', // Target Link-Layer Address
    );
  const host = encoded(t, 86, (buf) => naAnnounceEncoder(false).encode(buf, 0, 'na', mac, ips, 1));
  // R=0 S=0 O=1; its checksum is R=1's (94 de) plus 0x8000 in one's complement, as the cleared R bit asks.
  t.same(host, frame('14 df', '20 00 00 00'), 'R=0: golden bytes');
  t.equal(icmpv6Checksum(host, 14, 32), 0, 'the checksum verifies');
  const router = encoded(t, 86, (buf) => naAnnounceEncoder(true).encode(buf, 0, 'na', mac, ips, 1));
  t.same(router, frame('94 de', 'a0 00 00 00'), 'R=1: golden bytes');
  t.equal(naAnnounceEncoder(true).wordsPerAddress, 4);
  t.equal(naAnnounceEncoder(false).family, 'ipv6');
});

/** IPv4 VIPs 198.51.100.1 … and IPv6 VIPs 2001:db8::1 … */
function vips(v4: number, v6: number): string[] {
  return [
    ...Array.from({ length: v4 }, (_, i) => formatIpv4(parseIpv4('198.51.100.1')! + i)),
    ...Array.from({ length: v6 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`),
  ];
}

async function setup(t: Test, opts: { v4?: number; v6?: number; garp?: object; rate?: number; role?: 'master' | 'backup'; router?: boolean } = {}) {
  const clock = new FakeClock();
  const conn = new RecordingConn(clock);
  let announcer!: AnnouncerFeature;
  const routerAsked: Array<[string, string]> = [];
  const router = (g: GroupState, iface: string): boolean => {
    routerAsked.push([g.name, iface]);
    return opts.router ?? false;
  };
  const config = configWith(
    [
      {
        name: 'web',
        interface: 'lo',
        mac: GROUP_MAC,
        vips: vips(opts.v4 ?? 2, opts.v6 ?? 3),
        initialRole: opts.role ?? 'master',
        garp: { count: 1, delayMs: 0, ...opts.garp },
      },
    ],
    { announce: { maxFramesPerSecond: opts.rate ?? 0 } },
  );
  const daemon = await startFakeDaemon(config, conn, (p) => [(announcer = new AnnouncerFeature({ ...p, clock, router }))]);
  t.teardown(() => daemon.stop());
  return { clock, conn, announcer, daemon, config, routerAsked };
}

t.test('a dual-stack takeover: GARP for the IPv4 VIPs and an unsolicited NA for each IPv6 VIP, before setRole returns', async (t) => {
  const { conn, daemon, announcer, routerAsked } = await setup(t, { role: 'backup', garp: { mode: 'request' } });
  t.equal(conn.sent.length + conn.sentNa.length, 0, 'BACKUP sends nothing');
  daemon.setRole('web', 'MASTER', 'test');
  t.same(
    conn.sent.map((f) => formatIpv4(f.senderIp)),
    vips(2, 0),
    'every IPv4 VIP by gratuitous ARP',
  );
  t.same(
    conn.sentNa.map((n) => n.targetText),
    vips(0, 3),
    'every IPv6 VIP by NA, in the same round',
  );
  for (const na of conn.sentNa) {
    t.equal(na.ethDst, ALL_NODES_MAC, 'Ethernet 33:33:00:00:00:01');
    t.equal(formatIpv6(na.destination), 'ff02::1', 'to all nodes');
    t.equal(formatIpv6(na.source), na.targetText, 'from the VIP');
    t.equal(na.ethSrc, MAC, 'from the group MAC');
    t.match(na, { solicited: false, override: true, router: false, hasTargetLla: true, targetLla: MAC }, 'S=0 O=1, Target LLA = the group MAC');
    t.equal(na.bytes[21], 255, 'hop limit 255');
    t.equal(icmpv6Checksum(na.bytes, 14, 32), 0, 'checksum verifies');
  }
  t.same(routerAsked[0], ['web', 'lo'], 'R asked per group and interface');
  t.match(announcer.counters.of('web', 'lo'), { request: 2, na: 3, dropped: 0 }, 'NAs counted under their own form');
});

t.test('R follows the router setting', async (t) => {
  const { conn } = await setup(t, { router: true });
  t.ok(conn.sentNa.length > 0 && conn.sentNa.every((n) => n.router), 'R=1 on a forwarding interface');
});

t.test("without a router function, the group's ndpRouter sets R, as in the responder's answers", async (t) => {
  for (const ndpRouter of [true, false]) {
    const clock = new FakeClock();
    const conn = new RecordingConn(clock);
    const config = configWith([{ name: 'web', interface: 'lo', mac: GROUP_MAC, vips: ['2001:db8::1'], ndpRouter, garp: { count: 1, delayMs: 0 } }]);
    const daemon = await startFakeDaemon(config, conn, (p) => [new AnnouncerFeature({ ...p, clock })]);
    t.same(
      conn.sentNa.map((n) => n.router),
      [ndpRouter],
      `ndpRouter ${ndpRouter}: R=${ndpRouter ? 1 : 0}`,
    );
    await daemon.stop();
  }
});

t.test('count, interval and the delayed block apply to NAs', async (t) => {
  const { clock, conn } = await setup(t, { v4: 0, garp: { count: 3, intervalMs: 1000, delayMs: 5000 } });
  clock.advance(20_000);
  t.same([...new Set(conn.sentNa.map((n) => n.at))], [0, 1000, 2000, 5000, 6000, 7000], 'rounds at the configured offsets');
  t.equal(conn.sentNa.length, 6 * 3);
});

t.test('refresh re-announces IPv6 VIPs while MASTER; release stops it', async (t) => {
  const { clock, conn, daemon } = await setup(t, { v4: 0, garp: { refreshMs: 10_000 } });
  clock.advance(30_000);
  t.same([...new Set(conn.sentNa.map((n) => n.at))], [0, 10_000, 20_000, 30_000]);
  daemon.setRole('web', 'BACKUP', 'test');
  conn.sentNa = [];
  clock.advance(60_000);
  t.equal(conn.sentNa.length, 0);
});

t.test('paced: NAs and GARPs share the interface queue and its rate; release cancels the NAs still queued', async (t) => {
  const { clock, conn, daemon, announcer } = await setup(t, { v4: 100, v6: 100, rate: 1000, garp: { mode: 'request' } });
  clock.advance(50);
  const sent = conn.sent.length + conn.sentNa.length;
  t.ok(sent <= 1000 * 0.05 + 5 + 1, `one rate for both families (${sent} frames in 50 ms at 1000/s)`);
  t.ok(conn.sent.length > 0 && conn.sentNa.length > 0, 'round-robin: both families progress');
  daemon.setRole('web', 'BACKUP', 'test');
  t.equal(announcer.queuedFrames, 0, 'nothing queued after release');
  const before = conn.sentNa.length;
  clock.advance(5000);
  t.equal(conn.sentNa.length, before, 'no NA after release');
  const counts = announcer.counters.of('web', 'lo');
  t.equal(counts.na + counts.request + counts.cancelled, 200, 'every frame sent or cancelled');
});

t.test('holdRounds holds NAs too; a defence (announceOnce) of an IPv6 VIP still goes out', async (t) => {
  const { clock, conn, announcer, daemon } = await setup(t, { v4: 0, garp: { refreshMs: 1000 } });
  announcer.holdRounds('web');
  conn.sentNa = [];
  clock.advance(3000);
  t.equal(conn.sentNa.length, 0, 'scheduled rounds held');
  t.equal(announcer.counters.roundsHeld, 3);
  const set = daemon.vips.ipv6Table.vipsOf('web')!;
  announcer.announceOnce([{ ...set, ips: set.ips.subarray(4, 8) }], 'defend');
  t.same(
    conn.sentNa.map((n) => n.targetText),
    ['2001:db8::2'],
    'the defence of one IPv6 VIP',
  );
});

t.test('a reload adding VIPs of both families to a MASTER group announces those only, each family in its own queued round', async (t) => {
  const group = (extra: string[]) => [
    { name: 'web', interface: 'lo', mac: GROUP_MAC, vips: ['198.51.100.1', '2001:db8::1', ...extra], garp: { mode: 'request', count: 1, delayMs: 0 } },
  ];
  const clock = new FakeClock();
  const conn = new RecordingConn(clock);
  // 1 frame/s: the added rounds wait in the queue, where one key for both families would let the IPv6 round replace the IPv4 one.
  const daemon = await startFakeDaemon(configWith(group([]), { announce: { maxFramesPerSecond: 1 } }), conn, (p) => [
    new AnnouncerFeature({ ...p, clock, router: () => false }),
  ]);
  t.teardown(() => daemon.stop());
  clock.advance(10_000);
  conn.sent = [];
  conn.sentNa = [];
  daemon.apply(snapshotOf(configWith(group(['198.51.100.2', '2001:db8::77', '2001:db8::78']), { announce: { maxFramesPerSecond: 1 } })));
  clock.advance(10_000);
  t.same(
    conn.sent.map((f) => formatIpv4(f.senderIp)),
    ['198.51.100.2'],
    'the added IPv4 VIP',
  );
  t.same(
    conn.sentNa.map((n) => n.targetText),
    ['2001:db8::77', '2001:db8::78'],
    'the added IPv6 VIPs, none of the kept one',
  );
});

t.test('link-up re-announces a group that has IPv6 VIPs only', async (t) => {
  const { conn, daemon } = await setup(t, { v4: 0, v6: 2 });
  conn.sentNa = [];
  daemon.links.emit('link-up', daemon.links.get('lo')!);
  t.equal(conn.sentNa.length, 2);
});
