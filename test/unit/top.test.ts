import t from 'tap';
import { PassThrough } from 'node:stream';
import { EventEmitter } from 'node:events';
import { ratesBetween, sampleOf, type StatusSample } from '../../src/top/top-rates.js';
import { renderTop, type TopFrame } from '../../src/top/top-view.js';
import { runTop } from '../../src/top/top.js';
import { openScreen } from '../../src/top/terminal-screen.js';
import { PLAIN, textStyle } from '../../src/control/text-style.js';
import type { ControlResponse } from '../../src/control/protocol.js';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const before = (ms: number): string => new Date(NOW - ms).toISOString();

function status(counts: Record<string, number>, garp: number, extra: object = {}): Record<string, unknown> {
  return {
    daemon: { pid: 7, uptimeSec: 65, startedAt: before(65_000), generation: 2 },
    groups: [
      { name: 'web', role: 'MASTER', interface: 'eth0', vips: 2 },
      { name: 'mail', role: 'BACKUP', interface: 'eth0', vips: 1 },
    ],
    interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', present: true, counts, txDropped: 0 }],
    garp: { rounds: 1, interfaces: [{ name: 'eth0', request: garp, reply: 0, dropped: 0, cancelled: 0 }] },
    conflicts: { active: 0, counters: {}, latest: [] },
    events: { roleChanges: [{ at: before(1_500), group: 'web', from: 'BACKUP', to: 'MASTER', source: 'control' }], reloads: [] },
    ...extra,
  };
}

t.test('ratesBetween: per second, by outcome; no rate across a restart or a counter reset', async (t) => {
  const a = sampleOf(status({ answered: 100, 'not-master': 10, 'not-request': 5, 'malformed:short': 0 }, 3), NOW);
  const b = sampleOf(status({ answered: 300, 'not-master': 30, 'not-request': 7, 'malformed:short': 4 }, 9), NOW + 2000);
  const r = ratesBetween(a, b)!.get('eth0')!;
  t.equal(r.outcomes['answered'], 100);
  t.equal(r.outcomes['not-master'], 10);
  t.equal(r.outcomes['malformed:short'], 2);
  t.equal(r.requests, 112, 'requests: every frame but ARP replies');
  t.equal(r.garp, 3);
  t.equal(ratesBetween(undefined, b), undefined, 'first sample');
  const restarted: StatusSample = { ...b, pid: 8 };
  t.equal(ratesBetween(a, restarted), undefined, 'another daemon');
  const lower = sampleOf(status({ answered: 50 }, 0), NOW + 1000);
  t.equal(ratesBetween(a, lower)!.get('eth0')!.outcomes['answered'], 0, 'a counter that went down gives 0, not a negative rate');
  t.throws(() => sampleOf({ nope: 1 }, NOW), TypeError);
});

function frame(s: unknown, rates: TopFrame['rates'], extra: Partial<TopFrame> = {}): TopFrame {
  return { status: s, rates, intervalMs: 1000, socket: '/run/x.sock', receivedAt: NOW, ...extra };
}

t.test('renderTop: groups, interface rates, conflicts and recent events', async (t) => {
  const a = sampleOf(status({ answered: 0, 'not-master': 0, 'not-a-vip': 0, 'foreign-vlan': 0, 'malformed:short': 0 }, 0), NOW - 1000);
  const cur = status({ answered: 1200, 'not-master': 30, 'not-a-vip': 5, 'foreign-vlan': 7, 'malformed:short': 2 }, 6, {
    conflicts: {
      active: 1,
      counters: {},
      latest: [
        {
          vip: '198.51.100.10',
          mac: '02:00:00:00:00:20',
          ip: null,
          iface: 'eth0',
          group: 'web',
          kind: 'gratuitous',
          count: 3,
          lastSeen: before(1_000),
          lastDefended: null,
        },
      ],
    },
  });
  const lines = renderTop(frame(cur, ratesBetween(a, sampleOf(cur, NOW))), { now: NOW, style: PLAIN });
  const text = lines.join('\n');
  t.match(lines[0], /^vip-arpd pid 7, up 1m 5s, config generation 2 {2}\d\d:\d\d:\d\d {2}every 1 s, q to quit$/);
  t.match(text, /^web\s+MASTER\s+eth0\s+2$/m);
  t.match(text, /^mail\s+BACKUP\s+eth0\s+1$/m);
  t.match(text, /^INTERFACE\s+REQ\/S\s+ANSWERED\/S\s+NOT-MASTER\/S\s+NOT-A-VIP\/S\s+WRONG-IF\/S\s+MALFORMED\/S\s+OTHER\/S\s+TX-DROP\/S\s+GARP\/S$/m);
  t.match(text, /^eth0\s+1\.2k\s+1\.2k\s+30\s+5\s+0\s+2\s+7\s+0\s+6$/m);
  t.match(text, /^ {2}eth0 other and malformed, per second: foreign-vlan 7, malformed:short 2$/m, 'what OTHER and MALFORMED are made of');
  t.match(text, /^conflicts: 1 active$/m);
  t.match(text, /^198\.51\.100\.10\s+02:00:00:00:00:20\s+\?\s+gratuitous\s+3 frames\s+1 s ago\s+web \(eth0\)$/m);
  t.match(text, /^ {2}2 s ago\s+web BACKUP -> MASTER \(control\)$/m);
  t.notMatch(text, /unreachable/);
  t.notMatch(text, /\x1b/);
  t.match(renderTop(frame(cur, undefined), { now: NOW, style: PLAIN }).join('\n'), /^eth0\s+-\s+-\s+-/m, 'no rates yet: dashes');
  t.match(renderTop(frame(cur, undefined), { now: NOW, style: textStyle(true) }).join('\n'), /\x1b\[32mMASTER/, 'roles coloured when asked');
});

t.test('renderTop: an unreachable daemon is said first, with how old the figures are', async (t) => {
  const lines = renderTop(
    frame(status({}, 0), undefined, { unreachable: { since: NOW - 3000, message: 'cannot connect to /run/x.sock: ECONNREFUSED' }, receivedAt: NOW - 4000 }),
    { now: NOW, style: PLAIN },
  );
  t.equal(lines[1], 'daemon unreachable, retrying (3 s): cannot connect to /run/x.sock: ECONNREFUSED');
  t.equal(lines[2], '(last answer 4 s ago; figures below are from then)');
  const never = renderTop({ status: undefined, rates: undefined, intervalMs: 1000, socket: '/run/x.sock' }, { now: NOW, style: PLAIN });
  t.same(never.slice(1), ['waiting for /run/x.sock']);
});

t.test('openScreen: alternate screen and in-place redraw on a TTY, plain lines on a pipe', async (t) => {
  const collect = (): { out: PassThrough; text: () => string } => {
    const out = new PassThrough();
    let buf = '';
    out.on('data', (d) => (buf += d));
    return { out, text: () => buf };
  };
  const tty = collect();
  const s = openScreen(tty.out, true);
  s.draw(['a', 'b']);
  s.close();
  s.close();
  t.equal(tty.text(), '\x1b[?1049h\x1b[?25l\x1b[Ha\x1b[K\nb\x1b[K\x1b[J\x1b[?25h\x1b[?1049l', 'restored once');
  const pipe = collect();
  const p = openScreen(pipe.out, false);
  p.draw(['a', 'b']);
  p.close();
  t.equal(pipe.text(), 'a\nb\n\n');
});

/** A fake terminal input: isTTY, raw mode recorded. */
class FakeTty extends PassThrough {
  isTTY = true;
  rawModes: boolean[] = [];
  setRawMode(raw: boolean): this {
    this.rawModes.push(raw);
    return this;
  }
}

t.test('runTop: survives the daemon going away, says so, clears it on reconnect, quits on q', async (t) => {
  const answers: Array<ControlResponse | Error> = [
    { id: 1, ok: true, data: status({ answered: 0 }, 0) },
    new Error('cannot connect to /run/x.sock: ECONNREFUSED'),
    new Error('cannot connect to /run/x.sock: ENOENT'),
    { id: 1, ok: true, data: status({ answered: 10 }, 0, { daemon: { pid: 9, uptimeSec: 1, startedAt: before(1000), generation: 1 } }) },
  ];
  const frames: string[] = [];
  const out = Object.assign(new PassThrough(), { isTTY: false });
  out.on('data', (d) => frames.push(String(d)));
  const input = new FakeTty();
  let calls = 0;
  const done = runTop({
    socket: '/run/x.sock',
    intervalMs: 10,
    style: PLAIN,
    out,
    in: input,
    request: async () => {
      const a = answers[calls++];
      if (a === undefined) {
        input.write('q');
        return { id: 1, ok: true, data: status({ answered: 20 }, 0, { daemon: { pid: 9, uptimeSec: 2, startedAt: before(1000), generation: 1 } }) };
      }
      if (a instanceof Error) throw a;
      return a;
    },
  });
  await done;
  t.match(frames[0], /^vip-arpd pid 7/);
  t.notMatch(frames[0], /unreachable/);
  t.match(frames[1], /daemon unreachable, retrying \(\d+ s\): cannot connect to \/run\/x\.sock: ECONNREFUSED/);
  t.match(frames[2], /daemon unreachable, retrying \(\d+ s\): cannot connect to \/run\/x\.sock: ENOENT/);
  t.match(frames[3], /^vip-arpd pid 9/);
  t.notMatch(frames[3], /unreachable/, 'the message clears at the first answer');
  t.match(frames[3], /^eth0\s+-/m, 'no rate across the restart');
  t.same(input.rawModes, [true, false], 'raw mode on, then restored');
});

t.test('runTop: SIGTERM ends it and a refused status is shown as unreachable', async (t) => {
  const out = Object.assign(new PassThrough(), { isTTY: false });
  let text = '';
  out.on('data', (d) => (text += d));
  const input = Object.assign(new EventEmitter(), { isTTY: false }) as unknown as PassThrough;
  const listeners = process.listenerCount('SIGTERM');
  const done = runTop({
    socket: '/run/x.sock',
    intervalMs: 10,
    style: PLAIN,
    out,
    in: input,
    request: async () => {
      setImmediate(() => process.emit('SIGTERM'));
      return { id: 1, ok: false, error: { code: 'EUNKNOWNCMD', message: 'unknown command "status"' } };
    },
  });
  await done;
  t.match(text, /daemon unreachable, retrying \(0 s\): unknown command "status" \(EUNKNOWNCMD\)/);
  t.equal(process.listenerCount('SIGTERM'), listeners, 'signal handlers removed');
});

t.test('renderTop: a missing or down interface says so beside its name', async (t) => {
  const s = status({ answered: 0 }, 0, {
    interfaces: [
      { name: 'eth0', mac: '02:00:00:00:00:01', present: true, state: 'up', counts: {}, txDropped: 0 },
      { name: 'eth1', mac: '02:00:00:00:00:02', present: false, state: 'missing', counts: {}, txDropped: 0 },
      { name: 'eth2', mac: '02:00:00:00:00:03', present: true, state: 'down', counts: {}, txDropped: 0 },
    ],
  });
  const text = renderTop(frame(s, undefined), { now: NOW, style: PLAIN }).join('\n');
  t.match(text, /^eth0\s+-/m);
  t.match(text, /^eth1 \(missing\)\s+-/m);
  t.match(text, /^eth2 \(down\)\s+-/m);
});
