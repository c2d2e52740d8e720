import t from 'tap';
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { classifyConflict, type ConflictKind } from '../../src/diagnostics/conflict-kind.js';
import { ConflictLog } from '../../src/diagnostics/conflict-log.js';
import { DefenceLimiter, DEFEND_INTERVAL_MS } from '../../src/diagnostics/defence-limiter.js';
import { ConflictMonitor } from '../../src/diagnostics/conflict-monitor.js';
import { NeighbourCache, parseProcNetArp } from '../../src/diagnostics/neighbour-table.js';
import { CommandRegistry } from '../../src/control/command-registry.js';
import type { Daemon } from '../../src/daemon/daemon.js';
import type { VipSet } from '../../src/vips/vip-table.js';
import type { GroupState } from '../../src/vips/group-state.js';
import { ARPOP_REPLY, ARPOP_REQUEST, emptyArpFrame, type ArpFrame } from '../../src/wire/arp.js';
import { parseMac } from '../../src/wire/mac.js';
import { parseIpv4 } from '../../src/wire/ipv4.js';

const ip = (s: string): number => parseIpv4(s)!;
const mac = (s: string): number => parseMac(s)!;
const VIP = ip('198.51.100.10');
const VIP2 = ip('198.51.100.11');
const GW = ip('192.0.2.1');
const IFACE_MAC = mac('02:00:00:00:00:01');
const RS_MAC = mac('02:00:00:00:00:20');
const PEER_MAC = mac('02:00:00:00:00:02');

function frame(op: number, senderMac: number, senderIp: number, targetIp: number): ArpFrame {
  return { ...emptyArpFrame(), op, senderMac, ethSrc: senderMac, senderIp, targetIp };
}

t.test('classifyConflict names how a foreign host claimed the VIP', async (t) => {
  const cases: Array<{ desc: string; f: ArpFrame; want: ConflictKind }> = [
    { desc: 'a reply from the VIP (realserver answering, HOWTO §6.1)', f: frame(ARPOP_REPLY, RS_MAC, VIP, GW), want: 'reply' },
    { desc: '"who-has gw tell VIP" (HOWTO §6.14 problem 3)', f: frame(ARPOP_REQUEST, RS_MAC, VIP, GW), want: 'request-as-sender' },
    { desc: 'a gratuitous request (arping -U)', f: frame(ARPOP_REQUEST, RS_MAC, VIP, VIP), want: 'gratuitous' },
    { desc: 'a gratuitous reply (arping -A)', f: frame(ARPOP_REPLY, RS_MAC, VIP, VIP), want: 'gratuitous' },
  ];
  for (const c of cases) t.equal(classifyConflict(c.f), c.want, c.desc);
});

t.test('ConflictLog records per (VIP, MAC) and rate-limits log lines', async (t) => {
  const log = new ConflictLog({ relogMs: 60_000, logsPerSecond: 3, maxRecords: 5 });
  const first = log.observe('eth0', 'web', VIP, RS_MAC, 'reply', 1000);
  t.ok(first, 'the first sighting is logged at once');
  log.markLogged(first!);
  for (let i = 1; i <= 100; i++) t.equal(log.observe('eth0', 'web', VIP, RS_MAC, 'request-as-sender', 1000 + i * 100), undefined);
  const rec = log.records()[0]!;
  t.match(rec, { vip: VIP, mac: RS_MAC, count: 101, firstSeen: 1000, lastSeen: 11_000, kind: 'request-as-sender', kinds: { reply: 1, 'request-as-sender': 100, gratuitous: 0 } });
  t.equal(log.observe('eth0', 'web', VIP, RS_MAC, 'reply', 61_000), rec, 'logged again once the relog interval passed');
  t.equal(log.observe('eth0', 'web', VIP, RS_MAC, 'reply', 61_001), undefined);

  // A flood of new MACs in one second: 3 lines, the rest suppressed and counted.
  const due = [1, 2, 3, 4].map((n) => log.observe('eth0', 'web', VIP2, RS_MAC + n, 'gratuitous', 100_000 + n));
  t.same(due.map((d) => d !== undefined), [true, true, true, false], 'global budget of 3 lines per second');
  t.equal(log.logsSuppressed, 1);
  t.ok(log.observe('eth0', 'web', VIP2, RS_MAC + 4, 'gratuitous', 101_500), 'the suppressed pair logs in the next second');
  t.equal(log.pairs, 5);
  t.equal(log.observe('eth0', 'web', VIP2, RS_MAC + 99, 'gratuitous', 102_000), undefined);
  t.equal(log.untracked, 1, 'past maxRecords new pairs are only counted');
  t.equal(log.frames, 103 + 4 + 1 + 1);
  log.clear();
  t.equal(log.pairs, 0);
  t.equal(log.frames, 109, 'counters stay monotonic after clear');
});

t.test('DefenceLimiter allows one defence per VIP per interval', async (t) => {
  const cases = [
    { desc: 'first conflict', vip: VIP, at: 0, want: true },
    { desc: 'a flood right after', vip: VIP, at: 1, want: false },
    { desc: 'another VIP is independent', vip: VIP2, at: 2, want: true },
    { desc: 'just inside the interval', vip: VIP, at: DEFEND_INTERVAL_MS - 1, want: false },
    { desc: 'at the interval', vip: VIP, at: DEFEND_INTERVAL_MS, want: true },
    { desc: 'again right after', vip: VIP, at: DEFEND_INTERVAL_MS + 5, want: false },
  ];
  const l = new DefenceLimiter();
  for (const c of cases) t.equal(l.tryDefend(c.vip, c.at), c.want, c.desc);
  t.equal(l.allowed, 3);
  t.equal(l.suppressed, 3);
});

t.test('parseProcNetArp maps complete entries MAC → IPs', async (t) => {
  const text = [
    'IP address       HW type     Flags       HW address            Mask     Device',
    '192.0.2.20       0x1         0x2         02:00:00:00:00:20     *        eth0',
    '192.0.2.21       0x1         0x0         00:00:00:00:00:00     *        eth0',
    '192.0.2.22       0x1         0x6         02:00:00:00:00:20     *        eth0',
    '',
  ].join('\n');
  const m = parseProcNetArp(text);
  t.same([...m.entries()], [[RS_MAC, ['192.0.2.20', '192.0.2.22']]], 'incomplete entries are skipped');
  t.same(parseProcNetArp(''), new Map());
});

/** A daemon double with what ConflictMonitor reads. */
function fakeDaemon(opts: { role?: GroupState['role']; defend?: boolean; peers?: string[]; interval?: number; lines?: Array<Record<string, unknown>> } = {}) {
  const group: GroupState = { name: 'web', role: opts.role ?? 'MASTER', mac: undefined };
  const announced: Array<{ vips: number[]; reason: string }> = [];
  const events = new EventEmitter();
  const daemon = Object.assign(events, {
    log: opts.lines === undefined
      ? pino({ level: 'silent' })
      : pino({ level: 'info' }, { write: (s: string) => opts.lines!.push(JSON.parse(s) as Record<string, unknown>) }),
    commands: new CommandRegistry(),
    config: { diagnostics: { peers: opts.peers ?? [], defendIntervalMs: opts.interval ?? DEFEND_INTERVAL_MS } },
    snapshot: { groups: [{ config: { name: 'web', defend: opts.defend ?? true }, vips: [VIP, VIP2] }] },
    table: { isVip: (n: number) => n === VIP || n === VIP2 },
    announcer: { announceOnce: (sets: readonly VipSet[], reason: string) => announced.push({ vips: sets.flatMap((x) => Array.from(x.ips)), reason }) },
    foreignClaimListener: undefined as unknown,
  });
  return { daemon: daemon as unknown as Daemon, group, announced };
}

function monitor(clock: { now: number }, table = '') {
  return new ConflictMonitor({ now: () => clock.now, neighbours: new NeighbourCache({ read: async () => table, now: () => clock.now }) });
}

t.test('ConflictMonitor defends a MASTER VIP at most once per interval, however hard a peer floods', async (t) => {
  const clock = { now: 1_000_000 };
  const { daemon, announced, group } = fakeDaemon();
  const m = monitor(clock);
  m.start(daemon);
  t.equal(daemon.foreignClaimListener, m.onForeignClaim, 'the monitor is the daemon\'s listener');
  const f = frame(ARPOP_REQUEST, RS_MAC, VIP, VIP);
  // 25 s of a flood: 1000 frames per second on two VIPs.
  for (let ms = 0; ms < 25_000; ms++) {
    clock.now = 1_000_000 + ms;
    m.onForeignClaim('eth0', group, f, IFACE_MAC);
    m.onForeignClaim('eth0', group, frame(ARPOP_REPLY, RS_MAC, VIP2, GW), IFACE_MAC);
  }
  t.equal(announced.filter((a) => a.vips[0] === VIP).length, 3, 'VIP defended at 0, 10 and 20 s');
  t.equal(announced.filter((a) => a.vips[0] === VIP2).length, 3, 'VIP2 likewise');
  t.ok(announced.every((a) => a.reason === 'defend' && a.vips.length === 1));
  t.match(m.counters(), { frames: 50_000, pairs: 2, defencesSent: 6, defencesSuppressed: 50_000 - 6 });
  m.stop();
  t.equal(daemon.foreignClaimListener, undefined, 'stop removes the listener');
});

t.test('ConflictMonitor records but does not defend when BACKUP, defend is off, or the MAC is a peer', async (t) => {
  const cases = [
    { desc: 'BACKUP', opts: { role: 'BACKUP' as const }, from: RS_MAC, pairs: 1 },
    { desc: 'defend: false', opts: { defend: false }, from: RS_MAC, pairs: 1 },
    { desc: 'a configured peer director', opts: { peers: ['02:00:00:00:00:02'] }, from: PEER_MAC, pairs: 0 },
    { desc: 'our own interface MAC', opts: {}, from: IFACE_MAC, pairs: 0 },
  ];
  for (const c of cases) {
    const clock = { now: 5000 };
    const { daemon, announced, group } = fakeDaemon(c.opts);
    const m = monitor(clock);
    m.start(daemon);
    m.onForeignClaim('eth0', group, frame(ARPOP_REPLY, c.from, VIP, GW), IFACE_MAC);
    t.equal(announced.length, 0, `${c.desc}: no defence`);
    t.equal(m.conflicts.pairs, c.pairs, `${c.desc}: ${c.pairs} conflict pair(s)`);
    m.stop();
  }
});

t.test('conflicts command and status section name the MAC, its IP, kind and counts', async (t) => {
  const clock = { now: Date.parse('2024-01-01T00:00:00Z') };
  const table = 'IP address HW type Flags HW address Mask Device\n192.0.2.20 0x1 0x2 02:00:00:00:00:20 * eth0\n';
  const { daemon, group } = fakeDaemon({ role: 'BACKUP' });
  const m = monitor(clock, table);
  m.start(daemon);
  m.onForeignClaim('eth0', group, frame(ARPOP_REQUEST, RS_MAC, VIP, GW), IFACE_MAC);
  clock.now += 500;
  m.onForeignClaim('eth0', group, frame(ARPOP_REQUEST, RS_MAC, VIP, GW), IFACE_MAC);
  const r = (await daemon.commands.run('conflicts', [])) as { total: number; conflicts: Array<Record<string, unknown>> };
  t.equal(r.total, 1);
  t.match(r.conflicts[0], {
    vip: '198.51.100.10', mac: '02:00:00:00:00:20', ip: '192.0.2.20', iface: 'eth0', group: 'web', kind: 'request-as-sender', count: 2,
    firstSeen: '2024-01-01T00:00:00.000Z', lastSeen: '2024-01-01T00:00:00.500Z', lastDefended: null, fix: /arp_announce=2/,
  });
  const status = daemon.commands.statusSections()['conflicts'] as { active: number };
  t.equal(status.active, 1);
  await t.rejects(daemon.commands.run('conflicts', ['--bogus']), { code: 'EUSAGE' });
  await daemon.commands.run('conflicts', ['--clear']);
  t.equal(((await daemon.commands.run('conflicts', [])) as { total: number }).total, 0, '--clear forgets the pairs');
  m.stop();
});

t.test('the conflict log line names the MAC and its IP, and repeats at most once a minute', async (t) => {
  const clock = { now: 1_000_000 };
  const lines: Array<Record<string, unknown>> = [];
  const table = 'IP address HW type Flags HW address Mask Device\n192.0.2.20 0x1 0x2 02:00:00:00:00:20 * eth0\n';
  const { daemon, group } = fakeDaemon({ lines });
  const m = monitor(clock, table);
  m.start(daemon);
  const f = frame(ARPOP_REQUEST, RS_MAC, VIP, GW);
  for (let s = 0; s < 150; s++) {
    clock.now = 1_000_000 + s * 1000;
    m.onForeignClaim('eth0', group, f, IFACE_MAC);
    await new Promise((r) => setImmediate(r)); // let the neighbour lookup and the line happen
  }
  const conflictLines = lines.filter((l) => /^ARP conflict/.test(String(l['msg'])));
  t.equal(conflictLines.length, 3, '150 s of one frame a second: lines at 0, 60 and 120 s');
  t.match(conflictLines[0], { level: 40, msg: 'ARP conflict: a foreign MAC claims a VIP', vip: '198.51.100.10', mac: '02:00:00:00:00:20', hostIp: '192.0.2.20', kind: 'request-as-sender', defence: 'sent', iface: 'eth0', group: 'web' });
  t.match(conflictLines[1], { msg: 'ARP conflict continues: a foreign MAC still claims a VIP', count: 61, newFrames: 60, defence: 'sent' });
  m.stop();
});
