import t from 'tap';
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { classifyConflict, handoverRole, type ConflictKind } from '../../src/diagnostics/conflict-kind.js';
import { ConflictLog } from '../../src/diagnostics/conflict-log.js';
import { DefenceLimiter, DEFEND_INTERVAL_MS } from '../../src/diagnostics/defence-limiter.js';
import { ConflictMonitor, TAKEOVER_RACE_MS } from '../../src/diagnostics/conflict-monitor.js';
import { HandoverGrace, type ExpiredGrace } from '../../src/diagnostics/handover-grace.js';
import { DIAGNOSTICS_RENDERERS } from '../../src/diagnostics/format.js';
import { PLAIN } from '../../src/control/text-style.js';
import { FakeClock } from './daemon-fixture.js';
import { NeighbourCache, parseProcNetArp } from '../../src/diagnostics/neighbour-table.js';
import { CommandRegistry } from '../../src/control/command-registry.js';
import type { ConflictMonitorOptions } from '../../src/diagnostics/conflict-monitor.js';
import type { ConfigView } from '../../src/config/config-view.js';
import type { RoleEvents } from '../../src/roles/role-source.js';
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
  t.match(rec, {
    vip: VIP,
    mac: RS_MAC,
    count: 101,
    firstSeen: 1000,
    lastSeen: 11_000,
    kind: 'request-as-sender',
    kinds: { reply: 1, 'request-as-sender': 100, gratuitous: 0 },
  });
  t.equal(log.observe('eth0', 'web', VIP, RS_MAC, 'reply', 61_000), rec, 'logged again once the relog interval passed');
  t.equal(log.observe('eth0', 'web', VIP, RS_MAC, 'reply', 61_001), undefined);

  // A flood of new MACs in one second: 3 lines, the rest suppressed and counted.
  const due = [1, 2, 3, 4].map((n) => log.observe('eth0', 'web', VIP2, RS_MAC + n, 'gratuitous', 100_000 + n));
  t.same(
    due.map((d) => d !== undefined),
    [true, true, true, false],
    'global budget of 3 lines per second',
  );
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

/** The ports a ConflictMonitor is built with, but for its clocks. */
type MonitorPorts = Omit<ConflictMonitorOptions, 'clock' | 'now' | 'neighbours'>;

/**
 * Port fakes for what ConflictMonitor reads and calls. `graceMs` is the handover
 * grace (default 0: defend at once, as the tests of the defence itself want).
 */
function fakeDaemon(
  opts: { role?: GroupState['role']; defend?: boolean; peers?: string[]; interval?: number; graceMs?: number; lines?: Array<Record<string, unknown>> } = {},
) {
  const group: GroupState = { name: 'web', role: opts.role ?? 'MASTER', mac: undefined };
  const announced: Array<{ vips: number[]; reason: string; family?: 'ipv6' }> = [];
  /** holdRounds / resumeRounds calls, in order */
  const holds: string[] = [];
  const events = new EventEmitter<RoleEvents>();
  const roles = Object.assign(events, { groups: new Map([['web', group]]) });
  const config = Object.assign(new EventEmitter(), {
    config: { diagnostics: { peers: opts.peers ?? [], defendIntervalMs: opts.interval ?? DEFEND_INTERVAL_MS, handoverGraceMs: opts.graceMs ?? 0 } },
    snapshot: { groups: [{ config: { name: 'web', defend: opts.defend ?? true }, vips: [VIP, VIP2] }] },
    generation: 1,
  }) as unknown as ConfigView;
  const daemon: MonitorPorts = {
    roles,
    config,
    log:
      opts.lines === undefined
        ? pino({ level: 'silent' })
        : pino({ level: 'info' }, { write: (s: string) => opts.lines!.push(JSON.parse(s) as Record<string, unknown>) }),
    commands: new CommandRegistry(),
    vips: {
      table: { isVip: (n: number) => n === VIP || n === VIP2 } as MonitorPorts['vips']['table'],
      ipv6Table: { isVip: () => false } as unknown as MonitorPorts['vips']['ipv6Table'],
    },
    announcer: {
      announceOnce: (sets: readonly VipSet[], reason: string) =>
        announced.push({
          vips: sets.flatMap((x) => Array.from(x.ips)),
          reason,
          ...(sets.some((x) => x.family === 'ipv6') ? { family: 'ipv6' as const } : {}),
        }),
      holdRounds: (g: string) => holds.push(`hold ${g}`),
      resumeRounds: (g: string) => holds.push(`resume ${g}`),
    },
  };
  /** What RoleMachine.setRole does, as far as the monitor sees it. */
  const setRole = (to: GroupState['role']): void => {
    const from = group.role;
    group.role = to;
    events.emit('role-changed', { group: 'web', from, to, source: 'test' });
  };
  return { daemon, roles, group, announced, holds, setRole };
}

function monitor(daemon: MonitorPorts, clock: { now: number }, table = '') {
  return new ConflictMonitor({
    ...daemon,
    clock: new FakeClock(),
    now: () => clock.now,
    neighbours: new NeighbourCache({ read: async () => table, now: () => clock.now }),
  });
}

t.test('ConflictMonitor defends a MASTER VIP at most once per interval, however hard a peer floods', async (t) => {
  const clock = { now: 1_000_000 };
  const { daemon, roles, announced, group } = fakeDaemon();
  const m = monitor(daemon, clock);
  m.start();
  t.equal(roles.listenerCount('role-changed'), 1, 'the monitor listens to role changes');
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
  m.onForeignClaim('eth0', group, f, IFACE_MAC);
  t.equal(m.counters().frames, 50_000, 'stopped: a claim is not taken any more');
  t.equal(roles.listenerCount('role-changed'), 0, 'stop removes the listener');
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
    const m = monitor(daemon, clock);
    m.start();
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
  const m = monitor(daemon, clock, table);
  m.start();
  m.onForeignClaim('eth0', group, frame(ARPOP_REQUEST, RS_MAC, VIP, GW), IFACE_MAC);
  clock.now += 500;
  m.onForeignClaim('eth0', group, frame(ARPOP_REQUEST, RS_MAC, VIP, GW), IFACE_MAC);
  const r = (await daemon.commands.run('conflicts', [])) as { total: number; conflicts: Array<Record<string, unknown>> };
  t.equal(r.total, 1);
  t.match(r.conflicts[0], {
    vip: '198.51.100.10',
    mac: '02:00:00:00:00:20',
    ip: '192.0.2.20',
    iface: 'eth0',
    group: 'web',
    kind: 'request-as-sender',
    count: 2,
    firstSeen: '2024-01-01T00:00:00.000Z',
    lastSeen: '2024-01-01T00:00:00.500Z',
    lastDefended: null,
    fix: /arp_announce=2/,
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
  const m = monitor(daemon, clock, table);
  m.start();
  const f = frame(ARPOP_REQUEST, RS_MAC, VIP, GW);
  for (let s = 0; s < 150; s++) {
    clock.now = 1_000_000 + s * 1000;
    m.onForeignClaim('eth0', group, f, IFACE_MAC);
    await new Promise((r) => setImmediate(r)); // let the neighbour lookup and the line happen
  }
  const conflictLines = lines.filter((l) => /^ARP conflict/.test(String(l['msg'])));
  t.equal(conflictLines.length, 3, '150 s of one frame a second: lines at 0, 60 and 120 s');
  t.match(conflictLines[0], {
    level: 40,
    msg: 'ARP conflict: a foreign MAC claims a VIP',
    vip: '198.51.100.10',
    mac: '02:00:00:00:00:20',
    hostIp: '192.0.2.20',
    kind: 'request-as-sender',
    defence: 'sent',
    iface: 'eth0',
    group: 'web',
  });
  t.match(conflictLines[1], { msg: 'ARP conflict continues: a foreign MAC still claims a VIP', count: 61, newFrames: 60, defence: 'sent' });
  m.stop();
});

// --- the handover grace (issue 10 item 6, issue 16 item 5) ---------------

const GRACE_MS = 2000;
/** The monitors below start with 'web' MASTER for this long before the first claim (not a takeover of their own). */
const MASTER_FOR_MS = 60_000;
const EPOCH = Date.parse('2024-01-01T00:00:00Z') - MASTER_FOR_MS;

t.test('HandoverGrace: one grace per group, claims kept per VIP, ended by the release or expired', async (t) => {
  const clock = new FakeClock();
  const expired: ExpiredGrace[] = [];
  let graceMs = GRACE_MS;
  const grace = new HandoverGrace({ graceMs: () => graceMs, clock, onExpired: (g) => expired.push(g) });
  const claim = (vip: number, m: number, peer = false) => ({ iface: 'eth0', vip, mac: m, peer });
  t.equal(grace.claim('web', claim(VIP, PEER_MAC)), true, 'the first claim opens the grace');
  clock.advance(10);
  t.equal(grace.claim('web', claim(VIP, PEER_MAC)), false, 'later claims join it');
  t.equal(grace.claim('web', claim(VIP2, PEER_MAC)), false);
  t.ok(grace.isOpen('web') && grace.isOpen('web', PEER_MAC), 'open, and PEER_MAC claimed in it');
  t.notOk(grace.isOpen('web', RS_MAC), 'RS_MAC did not');
  t.notOk(grace.isOpen('mail'), 'graces are per group');
  clock.advance(80);
  t.equal(grace.end('web'), 90, 'the release ends it after 90 ms');
  clock.advance(10 * GRACE_MS);
  t.same(expired, [], 'an ended grace never expires');
  t.equal(grace.end('web'), undefined, 'nothing left to end');

  graceMs = 500; // a reload: the next grace uses the new value
  clock.time = 0;
  grace.claim('web', claim(VIP, RS_MAC));
  grace.claim('web', claim(VIP2, PEER_MAC));
  grace.claim('web', claim(VIP, PEER_MAC)); // the latest MAC per VIP is kept, first-claimed order stays
  clock.advance(499);
  t.same(expired, [], 'not before the grace');
  clock.advance(1);
  t.same(expired, [{ group: 'web', openedAt: 0, claims: [claim(VIP, PEER_MAC), claim(VIP2, PEER_MAC)] }], 'expires at 500 ms with one claim per VIP');
  t.notOk(grace.isOpen('web'), 'closed once expired');

  grace.claim('web', claim(VIP, RS_MAC));
  grace.claim('mail', claim(VIP2, RS_MAC));
  t.same(grace.clear().sort(), ['mail', 'web'], 'clear names the groups that had one');
  t.equal(clock.pending, 0, 'and cancels their timers');
});

/** A monitor whose epoch clock and grace timers follow one fake clock, started on `daemon` {@link MASTER_FOR_MS} ago. */
function graceMonitor(clock: FakeClock, daemon: MonitorPorts) {
  const m = new ConflictMonitor({
    ...daemon,
    now: () => EPOCH + clock.time,
    clock,
    neighbours: new NeighbourCache({ read: async () => '', now: () => EPOCH + clock.time }),
  });
  m.start();
  clock.advance(MASTER_FOR_MS);
  return m;
}

const garpFrom = (m: number, vip = VIP) => frame(ARPOP_REQUEST, m, vip, vip);

t.test('a make-before-break handover: the old MASTER holds defence and rounds, and the release ends it quietly', async (t) => {
  const clock = new FakeClock();
  const lines: Array<Record<string, unknown>> = [];
  const { daemon, group, announced, holds, setRole } = fakeDaemon({ graceMs: GRACE_MS, lines });
  const m = graceMonitor(clock, daemon);
  m.onForeignClaim('eth0', group, garpFrom(RS_MAC), IFACE_MAC);
  m.onForeignClaim('eth0', group, frame(ARPOP_REPLY, RS_MAC, VIP, VIP), IFACE_MAC); // the reply form of the same GARP
  m.onForeignClaim('eth0', group, frame(ARPOP_REPLY, RS_MAC, VIP2, GW), IFACE_MAC); // the new MASTER answering a request
  t.same(announced, [], 'no defence while the grace runs');
  t.same(holds, ['hold web'], "the group's scheduled rounds are held, once");
  await new Promise((r) => setImmediate(r));
  t.match(
    lines.find((l) => /^ARP conflict/.test(String(l['msg']))),
    { kind: 'gratuitous', defence: 'grace' },
    'the conflict line says the defence waits',
  );
  clock.advance(90);
  setRole('BACKUP');
  clock.advance(10 * GRACE_MS);
  t.same(announced, [], 'released in time: never defended');
  t.match(m.counters(), { handovers: 1, splitBrains: 0, defencesSent: 0 });
  t.match(
    lines.find((l) => /^handover/.test(String(l['msg']))),
    { level: 30, group: 'web', to: 'BACKUP', releasedAfterMs: 90 },
  );
  t.same(m.status().splitBrains, [], 'status lists no split brain');
  m.stop();
});

t.test('a split brain: the grace runs out while MASTER, the VIPs are defended and it is reported', async (t) => {
  const clock = new FakeClock();
  const lines: Array<Record<string, unknown>> = [];
  const { daemon, group, announced, holds } = fakeDaemon({ graceMs: GRACE_MS, lines });
  const m = graceMonitor(clock, daemon);
  m.onForeignClaim('eth0', group, garpFrom(RS_MAC), IFACE_MAC);
  clock.advance(1100);
  m.onForeignClaim('eth0', group, garpFrom(RS_MAC, VIP2), IFACE_MAC);
  clock.advance(GRACE_MS - 1100 - 1);
  t.same(announced, [], 'nothing before the grace is over');
  clock.advance(1);
  t.same(
    announced,
    [
      { vips: [VIP], reason: 'defend' },
      { vips: [VIP2], reason: 'defend' },
    ],
    'every claimed VIP defended when the grace ran out',
  );
  t.same(holds, ['hold web', 'resume web'], 'rounds resume');
  await new Promise((r) => setImmediate(r));
  t.match(
    lines.find((l) => /^split brain/.test(String(l['msg']))),
    {
      level: 40,
      group: 'web',
      iface: 'eth0',
      vip: '198.51.100.10',
      mac: '02:00:00:00:00:20',
      vips: 2,
      peer: false,
      graceMs: GRACE_MS,
      defence: 'sent',
      defended: 2,
      fix: /handoverGraceMs/,
    },
  );
  t.match(m.counters(), { splitBrains: 1, handovers: 0, defencesSent: 2 });
  t.match(m.status().splitBrains, [{ group: 'web', vip: '198.51.100.10', mac: '02:00:00:00:00:20', vips: 2, count: 1, firstSeen: '2024-01-01T00:00:02.000Z' }]);
  const listed = (await daemon.commands.run('conflicts', [])) as { conflicts: Array<Record<string, unknown>>; splitBrains: unknown[] };
  t.match(
    listed.conflicts.find((c) => c['vip'] === '198.51.100.10'),
    { splitBrain: '2024-01-01T00:00:02.000Z' },
    'conflicts marks the pair',
  );
  t.equal(listed.splitBrains.length, 1);
  const human = DIAGNOSTICS_RENDERERS['conflicts']!(listed, { now: Date.parse('2024-01-01T00:00:12.000Z'), style: PLAIN });
  t.match(
    human,
    /^SPLIT BRAIN {2}group web on eth0: 198\.51\.100\.10 \(\+1 VIP\) claimed by 02:00:00:00:00:20, 1 time, last 10 s ago, defence sent\n/,
    'vip-arpctl conflicts shows it first',
  );
  t.match(human, /^198\.51\.100\.10\s+02:00:00:00:00:20\s.*\s10 s ago\s+web \(eth0\)$/m, 'and on the pair');

  // It goes on: the next claim opens a new grace; its defence is within the RFC 5227 interval, so suppressed; one log line a minute.
  m.onForeignClaim('eth0', group, garpFrom(RS_MAC), IFACE_MAC);
  clock.advance(GRACE_MS);
  t.equal(announced.length, 2, 'the second expiry is within defendIntervalMs: no new defence');
  t.match(m.counters(), { splitBrains: 2, defencesSuppressed: 1 });
  t.equal(lines.filter((l) => /^split brain/.test(String(l['msg']))).length, 1, 'logged once per minute per group');
  m.stop();
});

t.test('during a grace, a request with the VIP as sender or a reply from another MAC is still defended at once', async (t) => {
  const clock = new FakeClock();
  const { daemon, group, announced } = fakeDaemon({ graceMs: GRACE_MS });
  const m = graceMonitor(clock, daemon);
  m.onForeignClaim('eth0', group, garpFrom(PEER_MAC), IFACE_MAC);
  m.onForeignClaim('eth0', group, frame(ARPOP_REQUEST, RS_MAC, VIP2, GW), IFACE_MAC);
  t.same(announced, [{ vips: [VIP2], reason: 'defend' }], 'who-has gw tell VIP (the realserver leak): defended at once');
  const d2 = fakeDaemon({ graceMs: GRACE_MS });
  const m2 = graceMonitor(clock, d2.daemon);
  m2.onForeignClaim('eth0', d2.group, frame(ARPOP_REPLY, RS_MAC, VIP, GW), IFACE_MAC);
  t.same(d2.announced, [{ vips: [VIP], reason: 'defend' }], 'a reply with no grace open: defended at once');
  m2.onForeignClaim('eth0', d2.group, garpFrom(PEER_MAC, VIP2), IFACE_MAC);
  m2.onForeignClaim('eth0', d2.group, frame(ARPOP_REPLY, RS_MAC, VIP2, GW), IFACE_MAC);
  t.equal(d2.announced.length, 2, 'a reply from a MAC that is not the claiming director: defended at once');
  m.stop();
  m2.stop();
});

t.test('grace cases: a peer holds rounds and is reported, not defended; BACKUP ignores; graceMs 0 defends at once', async (t) => {
  const clock = new FakeClock();
  const lines: Array<Record<string, unknown>> = [];
  const peer = fakeDaemon({ graceMs: GRACE_MS, peers: ['02:00:00:00:00:02'], lines });
  const m = graceMonitor(clock, peer.daemon);
  m.onForeignClaim('eth0', peer.group, garpFrom(PEER_MAC), IFACE_MAC);
  t.same(peer.holds, ['hold web'], "a peer's GARP holds our rounds too");
  t.equal(m.conflicts.pairs, 0, 'a peer is no conflict');
  clock.advance(GRACE_MS);
  t.same(peer.announced, [], 'nor defended against');
  await new Promise((r) => setImmediate(r));
  t.match(
    lines.find((l) => /^split brain/.test(String(l['msg']))),
    { peer: true, defence: 'peer', mac: '02:00:00:00:00:02' },
    'but a split brain with it is reported',
  );
  m.stop();

  const backup = fakeDaemon({ graceMs: GRACE_MS, role: 'BACKUP' });
  const mb = graceMonitor(clock, backup.daemon);
  mb.onForeignClaim('eth0', backup.group, garpFrom(RS_MAC), IFACE_MAC);
  clock.advance(GRACE_MS);
  t.same([backup.holds, backup.announced, mb.counters().splitBrains], [[], [], 0], 'BACKUP: no grace, no hold, no defence');
  mb.stop();

  const now = fakeDaemon({ graceMs: 0 });
  const m0 = graceMonitor(clock, now.daemon);
  m0.onForeignClaim('eth0', now.group, garpFrom(RS_MAC), IFACE_MAC);
  t.same([now.holds, now.announced], [[], [{ vips: [VIP], reason: 'defend' }]], 'handoverGraceMs 0: defended at once, nothing held');
  m0.stop();
});

t.test('stop closes an open grace and resumes the held rounds', async (t) => {
  const clock = new FakeClock();
  const { daemon, group, holds, announced } = fakeDaemon({ graceMs: GRACE_MS });
  const m = graceMonitor(clock, daemon);
  m.onForeignClaim('eth0', group, garpFrom(RS_MAC), IFACE_MAC);
  m.stop();
  t.same(holds, ['hold web', 'resume web']);
  t.equal(clock.pending, 0, 'no timer left');
  clock.advance(GRACE_MS);
  t.same(announced, []);
});

t.test("the new MASTER: the old one's frames just after our takeover are neither held nor defended nor a split brain", async (t) => {
  const clock = new FakeClock();
  const lines: Array<Record<string, unknown>> = [];
  const { daemon, group, announced, holds, setRole } = fakeDaemon({ graceMs: GRACE_MS, role: 'BACKUP', lines });
  const m = graceMonitor(clock, daemon);
  setRole('MASTER');
  clock.advance(3);
  m.onForeignClaim('eth0', group, garpFrom(RS_MAC), IFACE_MAC); // the old MASTER's round that crossed our takeover
  clock.advance(10 * GRACE_MS);
  t.same([announced, holds], [[], []], 'our own rounds go on, nothing defended');
  t.match(m.counters(), { splitBrains: 0, handovers: 0 });
  await new Promise((r) => setImmediate(r));
  t.match(
    lines.find((l) => /^ARP conflict/.test(String(l['msg']))),
    { defence: 'taking-over' },
  );

  // A handover back, even soon after our takeover, is someone taking over from us.
  setRole('BACKUP');
  setRole('MASTER');
  clock.advance(TAKEOVER_RACE_MS);
  m.onForeignClaim('eth0', group, garpFrom(RS_MAC), IFACE_MAC);
  t.same(holds, ['hold web'], `${TAKEOVER_RACE_MS} ms after our takeover: a grace opens`);
  m.stop();
});

// --- NDP claims (issue 13, Diagnostics): recorded, shown and defended like ARP ones, under the IPv6 VipKey.

const V6_TEXT = '2001:db8::10';
const V6_WORDS = [0x20010db8, 0, 0, 0x10];

t.test("an NDP claim is recorded under the VIP's RFC 5952 text (the reused array copied), shown with family ipv6 and defended with an NA", async (t) => {
  const clock = { now: Date.parse('2024-01-01T00:00:00Z') };
  const lines: Array<Record<string, unknown>> = [];
  const { daemon, group, announced } = fakeDaemon({ lines });
  const m = monitor(daemon, clock);
  m.start();
  const reused = Uint32Array.from(V6_WORDS);
  m.onNdpClaim('eth0', group, reused, 'dad-probe', RS_MAC, IFACE_MAC);
  reused.fill(0xffffffff); // the decoder reuses its array for the next frame
  clock.now += 500;
  m.onNdpClaim('eth0', group, Uint32Array.from(V6_WORDS), 'solicitation-source', RS_MAC, IFACE_MAC);
  m.onNdpClaim('eth0', group, Uint32Array.from(V6_WORDS), 'advertisement', IFACE_MAC, IFACE_MAC);
  t.same(announced, [{ vips: V6_WORDS, reason: 'defend', family: 'ipv6' }], 'defended once (the limiter), by an IPv6 set: an unsolicited NA');
  t.equal(m.peerFrames, 1, 'our own interface MAC is no conflict');
  const r = (await daemon.commands.run('conflicts', [])) as { total: number; conflicts: Array<Record<string, unknown>> };
  t.equal(r.total, 1);
  t.match(r.conflicts[0], {
    vip: V6_TEXT,
    family: 'ipv6',
    mac: '02:00:00:00:00:20',
    iface: 'eth0',
    group: 'web',
    kind: 'solicitation-source',
    count: 2,
    kinds: { advertisement: 0, 'dad-probe': 1, 'solicitation-source': 1 },
    fix: /preferred_lft 0/,
  });
  t.notOk('gratuitous' in (r.conflicts[0]!['kinds'] as object), 'an IPv6 pair counts NDP kinds only');
  t.match(m.status(), { active: 1, latest: [{ vip: V6_TEXT, family: 'ipv6' }], counters: { frames: 2, defencesSent: 1, defencesSuppressed: 1 } });
  m.onForeignClaim('eth0', group, frame(ARPOP_REPLY, RS_MAC, VIP, GW), IFACE_MAC);
  const both = (await daemon.commands.run('conflicts', [])) as { conflicts: Array<Record<string, unknown>> };
  t.same(
    both.conflicts.map((c) => [c['vip'], c['family']]).sort(),
    [
      ['198.51.100.10', 'ipv4'],
      [V6_TEXT, 'ipv6'],
    ],
    'both families side by side',
  );
  const text = DIAGNOSTICS_RENDERERS.conflicts!(both, { now: clock.now, style: PLAIN });
  t.match(text, /2001:db8::10\s+02:00:00:00:00:20\s+\S+\s+solicitation-source/, 'the table shows the IPv6 pair like an ARP one');
  await new Promise((r) => setImmediate(r));
  t.match(
    lines.find((l) => /^NDP conflict/.test(String(l['msg']))),
    { vip: V6_TEXT, family: 'ipv6', defence: 'sent', fix: /preferred_lft/ },
    'logged as an NDP conflict',
  );
  m.stop();
});

t.test("another director's unsolicited NA while MASTER is a make-before-break handover; DAD probes and NS from the VIP are defended at once", async (t) => {
  const clock = new FakeClock();
  const { daemon, group, announced, holds, setRole } = fakeDaemon({ graceMs: GRACE_MS });
  const m = graceMonitor(clock, daemon);
  m.onNdpClaim('eth0', group, Uint32Array.from(V6_WORDS), 'advertisement', PEER_MAC, IFACE_MAC);
  t.same(announced, [], 'no defence while the grace runs');
  t.same(holds, ['hold web'], "the group's scheduled rounds (GARP and NA) are held");
  m.onNdpClaim('eth0', group, Uint32Array.of(0x20010db8, 0, 0, 0x11), 'dad-probe', RS_MAC, IFACE_MAC);
  m.onNdpClaim('eth0', group, Uint32Array.of(0x20010db8, 0, 0, 0x12), 'solicitation-source', RS_MAC, IFACE_MAC);
  t.same(
    announced.map((a) => a.vips[3]),
    [0x11, 0x12],
    'a DAD probe and an NS from the VIP are never a handover: defended at once',
  );
  clock.advance(GRACE_MS);
  t.same(
    announced.map((a) => a.vips[3]),
    [0x11, 0x12, 0x10],
    'the grace ran out while MASTER: a split brain, the NA-claimed VIP defended',
  );
  t.match(m.status().splitBrains, [{ group: 'web', vip: V6_TEXT, mac: '02:00:00:00:00:02' }]);
  t.same(holds, ['hold web', 'resume web']);

  // A clean handover: the release within the grace ends it, nothing defended.
  announced.length = 0;
  clock.advance(60_000);
  m.onNdpClaim('eth0', group, Uint32Array.from(V6_WORDS), 'advertisement', PEER_MAC, IFACE_MAC);
  clock.advance(100);
  setRole('BACKUP');
  clock.advance(10 * GRACE_MS);
  t.same(announced, [], 'released in time: never defended');
  t.equal(m.counters().handovers, 1);
  m.stop();
});

t.test('each NDP kind plays the handover role of its ARP twin: a solicited NA answers as an ARP reply does, an unsolicited one announces', async (t) => {
  t.equal(handoverRole('solicited-advertisement'), handoverRole('reply'), 'solicited NA (S=1) = ARP reply: an answer');
  t.equal(handoverRole('advertisement'), handoverRole('gratuitous'), 'unsolicited NA (S=0) = gratuitous ARP: an announcement');
  t.equal(handoverRole('solicitation-source'), handoverRole('request-as-sender'), 'NS from the VIP = who-has … tell VIP: a leak');
});

t.test("a realserver's solicited NA for our VIP is defended at once like an ARP reply, with the same limiter; the new MASTER's joins its grace", async (t) => {
  const clock = new FakeClock();
  const lines: Array<Record<string, unknown>> = [];
  const { daemon, group, announced, holds, setRole } = fakeDaemon({ graceMs: GRACE_MS, lines });
  const m = graceMonitor(clock, daemon);
  m.onNdpClaim('eth0', group, Uint32Array.from(V6_WORDS), 'solicited-advertisement', RS_MAC, IFACE_MAC);
  t.same(announced, [{ vips: V6_WORDS, reason: 'defend', family: 'ipv6' }], 'defended at once by an unsolicited NA, not after the grace');
  t.same(holds, [], 'no grace opened: our rounds go on');
  clock.advance(100);
  m.onNdpClaim('eth0', group, Uint32Array.from(V6_WORDS), 'solicited-advertisement', RS_MAC, IFACE_MAC);
  t.equal(announced.length, 1, 'the second answer within defendIntervalMs: suppressed by the limiter');
  clock.advance(GRACE_MS);
  t.match(m.counters(), { defencesSent: 1, defencesSuppressed: 1, splitBrains: 0 });
  const r = (await daemon.commands.run('conflicts', [])) as { conflicts: Array<Record<string, unknown>> };
  t.match(r.conflicts, [
    {
      vip: V6_TEXT,
      family: 'ipv6',
      mac: '02:00:00:00:00:20',
      kind: 'solicited-advertisement',
      count: 2,
      kinds: { advertisement: 0, 'solicited-advertisement': 2, 'dad-probe': 0, 'solicitation-source': 0 },
      lastDefended: String,
      splitBrain: null,
      fix: /ip -6 addr add 2001:db8::10\/128 dev lo nodad/,
    },
  ]);
  await new Promise((r) => setImmediate(r));
  t.match(
    lines.find((l) => /^NDP conflict/.test(String(l['msg']))),
    { vip: V6_TEXT, kind: 'solicited-advertisement', defence: 'sent' },
    'logged with its kind and the defence sent',
  );

  // A make-before-break handover: the new MASTER's unsolicited NA opens the grace, its answers to NS join it.
  announced.length = 0;
  m.onNdpClaim('eth0', group, Uint32Array.of(0x20010db8, 0, 0, 0x11), 'advertisement', PEER_MAC, IFACE_MAC);
  m.onNdpClaim('eth0', group, Uint32Array.of(0x20010db8, 0, 0, 0x12), 'solicited-advertisement', PEER_MAC, IFACE_MAC);
  t.same(announced, [], "the claiming director's solicited NA waits in its grace");
  t.same(holds, ['hold web']);
  setRole('BACKUP');
  clock.advance(10 * GRACE_MS);
  t.same(announced, [], 'released in time: never defended');
  t.equal(m.counters().handovers, 1);
  m.stop();
});
