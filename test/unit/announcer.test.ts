import t, { type Test } from 'tap';
import { constants } from 'node:os';
import { systemError } from '../../src/util/errors.js';
import { AnnouncerFeature } from '../../src/announcer/announcer.js';
import { addedRoundOffsets, garpForms, takeoverRoundOffsets } from '../../src/announcer/announce-schedule.js';
import { TokenBucket } from '../../src/announcer/token-bucket.js';
import { AnnouncePacer } from '../../src/announcer/announce-pacer.js';
import { AnnounceCounters } from '../../src/announcer/announce-counters.js';
import type { AnnounceEncoder } from '../../src/announcer/announce-encoder.js';
import { arpAnnounceEncoder } from '../../src/announcer/arp-announce.js';
import { encodeGarp } from '../../src/wire/arp.js';
import { pino } from 'pino';
import { ARPOP_REPLY, ARPOP_REQUEST } from '../../src/wire/arp.js';
import { BROADCAST_MAC, parseMac } from '../../src/wire/mac.js';
import { formatIpv4, parseIpv4 } from '../../src/wire/ipv4.js';
import { configWith, FakeClock, RecordingConn, snapshotOf, startFakeDaemon } from './daemon-fixture.js';

const ip = (x: string): number => parseIpv4(x)!;
const GROUP_MAC = '02:00:00:00:aa:01';
const MAC = parseMac(GROUP_MAC)!;

t.test('takeoverRoundOffsets', async (t) => {
  const cases = [
    {
      desc: 'defaults: 5 rounds 1100 ms apart, a second block at 5000',
      garp: { count: 5, intervalMs: 1100, delayMs: 5000 },
      want: [0, 1100, 2200, 3300, 4400, 5000, 6100, 7200, 8300, 9400],
    },
    { desc: 'delay 0 means no second block', garp: { count: 3, intervalMs: 100, delayMs: 0 }, want: [0, 100, 200] },
    {
      desc: 'a delay inside the first block interleaves, sorted',
      garp: { count: 3, intervalMs: 1000, delayMs: 1500 },
      want: [0, 1000, 1500, 2000, 2500, 3500],
    },
    { desc: 'count 1', garp: { count: 1, intervalMs: 1000, delayMs: 0 }, want: [0] },
  ];
  for (const c of cases) t.same(takeoverRoundOffsets(c.garp), c.want, c.desc);
  t.same(addedRoundOffsets({ count: 2, intervalMs: 50 }), [0, 50], 'added VIPs: one block, no delayed block');
});

t.test('garpForms', async (t) => {
  t.same(garpForms('request'), ['request']);
  t.same(garpForms('reply'), ['reply']);
  t.same(garpForms('both'), ['request', 'reply'], 'both: request first, as send_arp');
});

t.test('TokenBucket', async (t) => {
  const b = new TokenBucket(1000, 10, 0);
  t.equal(b.available(0), 10, 'starts full');
  b.take(10);
  t.equal(b.available(0), 0);
  t.equal(b.msUntil(5, 0), 5, '5 tokens at 1000/s take 5 ms');
  t.equal(b.available(3), 3, 'refills with time');
  t.equal(b.available(1000), 10, 'never above capacity');
  t.equal(b.msUntil(50, 1000), 0, 'asking beyond capacity waits for capacity only');
  t.throws(() => new TokenBucket(0, 1, 0), RangeError);
  t.throws(() => new TokenBucket(10, 0.5, 0), RangeError);
});

/** VIPs 198.51.100.1 … 198.51.100.n */
function vips(n: number): string[] {
  return Array.from({ length: n }, (_, i) => formatIpv4(parseIpv4('198.51.100.1')! + i));
}

async function setup(t: Test, opts: { vips?: number; role?: 'master' | 'backup'; garp?: object; rate?: number; groups?: Record<string, unknown>[] } = {}) {
  const clock = new FakeClock();
  const conn = new RecordingConn(clock);
  let announcer!: AnnouncerFeature;
  const groups = opts.groups ?? [
    {
      name: 'web',
      interface: 'lo',
      mac: GROUP_MAC,
      vips: vips(opts.vips ?? 3),
      initialRole: opts.role ?? 'master',
      garp: { count: 1, delayMs: 0, ...opts.garp },
    },
  ];
  const config = configWith(groups, { announce: { maxFramesPerSecond: opts.rate ?? 0 } });
  // Port fakes: links with the recording conn as their wire; no addon, no root.
  const daemon = await startFakeDaemon(config, conn, (p) => [(announcer = new AnnouncerFeature({ ...p, clock }))]);
  t.teardown(() => daemon.stop());
  return { clock, conn, announcer, daemon, config };
}

t.test('each mode sends the right frames for every VIP, synchronously at start', async (t) => {
  for (const mode of ['request', 'reply', 'both'] as const) {
    const { conn } = await setup(t, { garp: { mode } });
    const forms = mode === 'both' ? 2 : 1;
    t.equal(conn.sent.length, 3 * forms, `${mode}: one round = 3 VIPs x ${forms} form(s), sent during start`);
    for (const f of conn.sent) {
      t.equal(f.ethDst, BROADCAST_MAC, `${mode}: Ethernet broadcast`);
      t.equal(f.ethSrc, MAC, `${mode}: from the group MAC`);
      t.equal(f.senderMac, MAC);
      t.equal(f.senderIp, f.targetIp, `${mode}: sender IP = target IP`);
      if (f.op === ARPOP_REQUEST) t.equal(f.targetMac, 0, 'request: target MAC zero');
      else t.equal(f.targetMac, MAC, 'reply: target MAC = ours');
    }
    const ops = conn.sent.map((f) => f.op);
    if (mode === 'request') t.ok(ops.every((o) => o === ARPOP_REQUEST));
    if (mode === 'reply') t.ok(ops.every((o) => o === ARPOP_REPLY));
    if (mode === 'both') t.same(ops, [1, 2, 1, 2, 1, 2], 'both: request then reply per VIP');
    t.same([...new Set(conn.sent.map((f) => formatIpv4(f.senderIp)))], vips(3), 'every VIP announced');
  }
});

t.test('count, interval and the delayed block are honoured', async (t) => {
  const { clock, conn } = await setup(t, { garp: { mode: 'request', count: 3, intervalMs: 1000, delayMs: 5000 } });
  clock.advance(20_000);
  const times = [...new Set(conn.sent.map((f) => f.at))];
  t.same(times, [0, 1000, 2000, 5000, 6000, 7000], 'rounds at the configured offsets');
  t.equal(conn.sent.length, 6 * 3, 'each round covers every VIP');
  t.equal(clock.pending, 0, 'no timer left without refresh');
});

t.test('refreshMs re-announces while MASTER, and stops when the group leaves MASTER', async (t) => {
  const { clock, conn, daemon } = await setup(t, { garp: { mode: 'request', refreshMs: 10_000 } });
  clock.advance(35_000);
  t.same([...new Set(conn.sent.map((f) => f.at))], [0, 10_000, 20_000, 30_000]);
  daemon.setRole('web', 'BACKUP', 'test');
  t.equal(clock.pending, 0, 'refresh timer cleared');
  const before = conn.sent.length;
  clock.advance(60_000);
  t.equal(conn.sent.length, before, 'silent after release');
});

t.test('a BACKUP group sends nothing; takeover sends the first frame before setRole returns', async (t) => {
  const { conn, daemon, announcer } = await setup(t, { role: 'backup', rate: 1000, vips: 50, garp: { mode: 'both' } });
  t.equal(conn.sent.length, 0, 'BACKUP at start: silent');
  daemon.setRole('web', 'MASTER', 'test');
  t.ok(conn.sent.length >= 1, `first batch left synchronously (${conn.sent.length} frames)`);
  t.ok(announcer.queuedFrames > 0, 'the rest is paced');
});

t.test('pacing holds maxFramesPerSecond over the whole round', async (t) => {
  const rate = 1000;
  const { clock, conn, announcer } = await setup(t, { vips: 1000, rate, garp: { mode: 'both' } });
  clock.advance(5000);
  t.equal(conn.sent.length, 2000, 'all 1000 VIPs x 2 forms sent');
  t.equal(announcer.queuedFrames, 0);
  const times = conn.sent.map((f) => f.at);
  let worst = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    worst = Math.max(worst, i - j + 1);
  }
  t.ok(worst <= rate + rate * 0.005 + 1, `at most ${rate} + one tick of frames in any 1 s window (worst ${worst})`);
  const last = times[times.length - 1]!;
  t.ok(last >= 1900 && last <= 2100, `2000 frames at 1000/s take ~2 s (${last} ms)`);
  t.ok(Math.max(...countPerSend(conn)) <= 64, 'small batches');
});

function countPerSend(conn: RecordingConn): number[] {
  const per = new Map<number, number>();
  for (const f of conn.sent) per.set(f.at, (per.get(f.at) ?? 0) + 1);
  return [...per.values()];
}

t.test('leaving MASTER cancels queued frames and pending rounds at once', async (t) => {
  const { clock, conn, daemon, announcer } = await setup(t, { vips: 500, rate: 1000, garp: { mode: 'request', count: 3, intervalMs: 1000, delayMs: 2000 } });
  clock.advance(100);
  const sent = conn.sent.length;
  t.ok(announcer.queuedFrames > 0, 'frames still queued');
  daemon.setRole('web', 'FAULT', 'test');
  t.equal(announcer.queuedFrames, 0, 'queue emptied before setRole returned');
  t.equal(clock.pending, 0, 'no timer left');
  clock.advance(60_000);
  t.equal(conn.sent.length, sent, 'nothing more on the wire');
  const c = announcer.counters.of('web', 'lo');
  t.equal(c.request, sent, 'sent frames counted');
  t.equal(c.cancelled, 500 - sent, 'the rest of the round counted as cancelled');
});

t.test('unpaced: a 10,000-VIP round leaves in turns, all of it', async (t) => {
  const { clock, conn, announcer } = await setup(t, {
    vips: 10_000,
    rate: 0,
    groups: [{ name: 'big', interface: 'lo', mac: GROUP_MAC, vips: ['198.51.100.0-198.51.139.15'], garp: { mode: 'request', count: 1, delayMs: 0 } }],
  });
  t.equal(conn.sent.length, 4096, 'first turn synchronously');
  clock.advance(10);
  t.equal(conn.sent.length, 10_000);
  t.equal(announcer.counters.totals().request, 10_000);
});

t.test('the kernel refusing frames: EAGAIN is retried, other errors drop the round', async (t) => {
  const { clock, conn, daemon, announcer } = await setup(t, { role: 'backup', vips: 10, garp: { mode: 'request' } });
  conn.accept = 4;
  daemon.setRole('web', 'MASTER', 'test');
  t.equal(conn.sent.length, 4, 'short send: 4 taken');
  conn.accept = Infinity;
  clock.advance(5);
  t.equal(conn.sent.length, 10, 'the rest retried and sent');

  daemon.setRole('web', 'BACKUP', 'test');
  conn.error = systemError(-constants.errno.EAGAIN, 'sendmmsg', 'lo');
  daemon.setRole('web', 'MASTER', 'test');
  clock.advance(500);
  t.equal(announcer.counters.of('web', 'lo').dropped, 10, 'a jammed interface: the round is dropped after the retries');

  conn.error = systemError(-constants.errno.ENETDOWN, 'sendmmsg', 'lo');
  const sends = conn.sends;
  daemon.setRole('web', 'MASTER', 'test');
  t.equal(conn.sends, sends + 1, 'ENETDOWN: one attempt');
  t.equal(announcer.queuedFrames, 0, 'round dropped at once');
  t.equal(announcer.counters.of('web', 'lo').dropped, 20);
});

t.test('VIPs added by a reload to a MASTER group are announced; to a BACKUP group not', async (t) => {
  const groups = (extra: string[]) => [
    { name: 'web', interface: 'lo', mac: GROUP_MAC, vips: ['198.51.100.1', ...extra], garp: { mode: 'request', count: 2, intervalMs: 100, delayMs: 0 } },
    {
      name: 'mail',
      interface: 'lo',
      vips: ['203.0.113.1', ...extra.map((v) => v.replace('198.51.100', '203.0.113'))],
      initialRole: 'backup',
      garp: { mode: 'request', count: 1, delayMs: 0 },
    },
  ];
  const { clock, conn, daemon } = await setup(t, { groups: groups([]) });
  clock.advance(1000);
  conn.sent = [];
  daemon.apply(snapshotOf(configWith(groups(['198.51.100.2', '198.51.100.3']))));
  t.same(
    conn.sent.map((f) => formatIpv4(f.senderIp)),
    ['198.51.100.2', '198.51.100.3'],
    'only the added MASTER VIPs, at once',
  );
  clock.advance(100);
  t.equal(conn.sent.length, 4, 'second round of the block');
});

t.test('link-up re-announces the MASTER groups on that link', async (t) => {
  const { conn, daemon } = await setup(t, { garp: { mode: 'reply' } });
  conn.sent = [];
  daemon.links.emit('link-up', daemon.links.get('lo')!);
  t.equal(conn.sent.length, 3);
});

t.test("announceOnce announces MASTER bindings only, in each group's mode", async (t) => {
  const { conn, daemon, announcer } = await setup(t, {
    groups: [
      { name: 'web', interface: 'lo', mac: GROUP_MAC, vips: ['198.51.100.1'], garp: { mode: 'reply', count: 1, delayMs: 0 } },
      { name: 'mail', interface: 'lo', vips: ['203.0.113.1'], initialRole: 'backup' },
    ],
  });
  conn.sent = [];
  t.equal(daemon.roles.listenerCount('role-changed'), 1, 'listening to the role machine');
  announcer.announceOnce([...daemon.table.sets()], 'defence');
  t.same(
    conn.sent.map((f) => [formatIpv4(f.senderIp), f.op]),
    [['198.51.100.1', ARPOP_REPLY]],
  );
  const rows = announcer.counters.rows().filter((r) => r.frames > 0);
  t.same(rows, [{ group: 'web', iface: 'lo', mode: 'reply', frames: 2 }], 'counters per group/interface/form');
});

t.test('stop clears every timer and unhooks from the daemon', async (t) => {
  const { clock, daemon, announcer, conn } = await setup(t, { vips: 100, rate: 100, garp: { count: 5, refreshMs: 1000 } });
  t.ok(clock.pending > 0);
  await announcer.stop();
  t.equal(clock.pending, 0, 'no timers');
  t.same(
    [daemon.roles.listenerCount('role-changed'), daemon.config.listenerCount('snapshot-applied'), daemon.links.listenerCount('link-up')],
    [0, 0, 0],
    'unhooked from roles, reloads and links',
  );
  const n = conn.sent.length;
  daemon.setRole('web', 'BACKUP', 'test');
  daemon.setRole('web', 'MASTER', 'test');
  t.equal(conn.sent.length, n, 'no longer listening');
});

t.test("holdRounds skips the group's scheduled rounds and drops its queue; a defence still goes out; a role change ends the hold", async (t) => {
  const { clock, conn, daemon, announcer } = await setup(t, {
    vips: 100,
    rate: 1000,
    garp: { mode: 'request', count: 3, intervalMs: 1000, delayMs: 0, refreshMs: 500 },
  });
  t.ok(announcer.queuedFrames > 0, 'the start-up round is being paced');
  announcer.holdRounds('web');
  t.equal(announcer.queuedFrames, 0, 'its queued frames are dropped at once');
  const held = conn.sent.length;
  t.equal(announcer.counters.of('web', 'lo').cancelled, 100 - held, 'and counted as cancelled');
  clock.advance(2500);
  t.equal(conn.sent.length, held, 'burst and refresh rounds due while held: nothing sent');
  t.equal(announcer.counters.roundsHeld, 7, 'rounds at 500, 1000, 1000, 1500, 2000, 2000, 2500 ms skipped and counted');
  announcer.announceOnce([daemon.table.vipsOf('web')!], 'defend');
  clock.advance(200);
  t.equal(conn.sent.length, held + 100, 'announceOnce (a defence) is not held');
  announcer.resumeRounds('web');
  clock.advance(500);
  t.equal(conn.sent.length, held + 200, 'resumed: the next refresh goes out');

  announcer.holdRounds('web');
  daemon.setRole('web', 'BACKUP', 'test');
  conn.sent = [];
  daemon.setRole('web', 'MASTER', 'test');
  t.ok(conn.sent.length > 0, 'a new takeover announces at once: the hold ended with the role change');
});

t.test("the pacer takes its frame bytes from the round's encoder: a 4-word (IPv6-shaped) family shares the queue with ARP", async (t) => {
  const clock = new FakeClock();
  const conn = new RecordingConn(clock);
  const pacer = new AnnouncePacer({ iface: 'eth0', wire: () => conn, maxFramesPerSecond: 0, log: pino({ level: 'silent' }), clock });
  const counters = new AnnounceCounters();
  const calls: Array<[string, number]> = [];
  // A stand-in for the NA encoder: 4 words per address, one form; it writes an ARP frame for the first word so RecordingConn can read it.
  const wide: AnnounceEncoder<'request'> = {
    family: 'ipv6',
    wordsPerAddress: 4,
    encode: (buf, offset, form, mac, ips, index) => {
      calls.push([form, index]);
      return encodeGarp(buf, offset, form, mac, ips[index * 4]!);
    },
  };
  pacer.enqueue({
    group: 'v6',
    ips: Uint32Array.of(0x20010db8, 0, 0, 1, 0x20010db8, 0, 0, 2),
    forms: ['request'],
    encoder: wide,
    mac: 7,
    counts: counters.of('v6', 'eth0'),
  });
  pacer.enqueue({
    group: 'v4',
    ips: [ip('198.51.100.1')],
    forms: ['request', 'reply'],
    encoder: arpAnnounceEncoder,
    mac: 7,
    counts: counters.of('v4', 'eth0'),
  });
  t.same(
    calls,
    [
      ['request', 0],
      ['request', 1],
    ],
    'two addresses of four words each: two frames, by address index',
  );
  t.same(
    conn.sent.map((f) => [f.senderIp, f.op]),
    [
      [0x20010db8, ARPOP_REQUEST],
      [0x20010db8, ARPOP_REQUEST],
      [ip('198.51.100.1'), ARPOP_REQUEST],
      [ip('198.51.100.1'), ARPOP_REPLY],
    ],
  );
  t.match(counters.of('v6', 'eth0'), { request: 2, dropped: 0 });
  t.match(counters.of('v4', 'eth0'), { request: 1, reply: 1 });
  pacer.close();
});
