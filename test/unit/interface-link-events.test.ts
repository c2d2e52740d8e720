import t, { type Test } from 'tap';
import { constants } from 'node:os';
import { systemError } from '../../src/util/errors.js';
import { vethFlapDatagrams } from './rtnetlink-fixture.js';
import { createLogger } from '../../src/log/log.js';
import { LinkMonitor, type LinkEventSource } from '../../src/iface/link-monitor.js';
import { InterfaceLink } from '../../src/daemon/interface-link.js';
import { SAFETY_POLL_MS, INTERFACE_POLL_MS, stateAfterMessage } from '../../src/iface/interface-watch.js';
import type { NetlinkHandlers } from '../../src/native/netlink-socket.js';
import { decodeLinkMessages } from '../../src/iface/rtnetlink.js';
import { RecordingConn } from './daemon-fixture.js';

/** A LinkEventSource whose datagrams the test pushes. */
class FakeSource implements LinkEventSource {
  h: NetlinkHandlers | undefined;
  start(h: NetlinkHandlers): void {
    this.h = h;
  }
  push(...bufs: Buffer[]): void {
    for (const b of bufs) this.h!.onDatagram(b, b.length);
  }
  close(): void {}
}

function linkOn(iface: string, source: FakeSource, t: Test) {
  const monitor = new LinkMonitor({ log: createLogger('silent'), open: () => source });
  const events: string[] = [];
  const link = new InterfaceLink({
    iface,
    log: createLogger('silent'),
    vips: { onInterface: () => undefined, isVip: () => false },
    monitor,
    openConn: () => new RecordingConn(),
    onReopen: (l) => events.push(`reannounce (${l.phase})`),
    onPhaseChange: (l) => events.push(`phase ${l.phase}`),
  });
  t.teardown(() => {
    link.close();
    monitor.close();
  });
  return { link, events, monitor };
}

t.test('a link that does not exist is waited for and opened when the kernel announces it', async (t) => {
  const steps = vethFlapDatagrams();
  const source = new FakeSource();
  const { link, events } = linkOn('nlcap0', source, t);
  t.equal(link.phase, 'missing', 'missing at start, no throw');
  t.ok(link.missingSince !== undefined, 'missingSince set');
  t.equal(link.wire, undefined);
  source.push(...steps.get('add veth')!);
  t.equal(link.phase, 'down', 'created down: socket open, not announced');
  t.same(events, ['phase down']);
  source.push(...steps.get('up both')!);
  t.equal(link.phase, 'up');
  t.same(events.slice(1), ['reannounce (up)', 'phase up'], 'running → re-announced once');
  t.equal(link.missingSince, undefined);
});

t.test('every down→up re-announces, also when both arrive in one read', async (t) => {
  const steps = vethFlapDatagrams();
  const source = new FakeSource();
  const { link, events } = linkOn('nlcap0', source, t);
  source.push(...steps.get('add veth')!, ...steps.get('up both')!);
  events.length = 0;
  const flaps = link.flaps;
  // A flap shorter than any poll: its down and up in one datagram.
  source.push(Buffer.concat([...steps.get('down nlcap0')!, ...steps.get('up nlcap0')!]));
  t.same(events, ['phase down', 'reannounce (up)', 'phase up']);
  t.equal(link.flaps, flaps + 1);
  source.push(...steps.get('down nlcap0')!);
  source.push(...steps.get('up nlcap0')!);
  t.equal(link.flaps, flaps + 2, 'and in separate reads');
  source.push(...steps.get('del')!);
  t.equal(link.phase, 'missing', 'RTM_DELLINK: missing again');
  t.equal(link.wire, undefined, 'socket closed');
});

t.test('lost link messages (ENOBUFS) re-read the state and re-announce an up link', async (t) => {
  const source = new FakeSource();
  const { link, events, monitor } = linkOn('lo', source, t);
  t.equal(link.phase, 'up', 'lo is up');
  source.h!.onOverflow();
  t.same(events, ['reannounce (up)'], 'a flap may have been missed: announced again');
  t.equal(monitor.counts.resyncs, 1);
});

t.test('the watch polls slowly with link events and fast without', async (t) => {
  const withEvents = new LinkMonitor({ log: createLogger('silent'), open: () => new FakeSource() });
  const without = new LinkMonitor({
    log: createLogger('silent'),
    open: () => {
      throw systemError(-constants.errno.EAFNOSUPPORT, 'socket(AF_NETLINK)');
    },
  });
  t.equal(withEvents.available, true);
  t.equal(without.available, false);
  const mk = (monitor: LinkMonitor) =>
    new InterfaceLink({
      iface: 'lo',
      log: createLogger('silent'),
      vips: { onInterface: () => undefined, isVip: () => false },
      monitor,
      openConn: () => new RecordingConn(),
    });
  const a = mk(withEvents);
  const b = mk(without);
  t.teardown(() => {
    a.close();
    b.close();
  });
  t.equal((a as unknown as { watch: { pollMs: number } }).watch.pollMs, SAFETY_POLL_MS);
  t.equal((b as unknown as { watch: { pollMs: number } }).watch.pollMs, INTERFACE_POLL_MS);
});

t.test('stateAfterMessage: our name, another link, our index renamed away', async (t) => {
  const steps = vethFlapDatagrams();
  const [m] = decodeLinkMessages(steps.get('up nlcap0')![1]!).links;
  const up = stateAfterMessage('nlcap0', { present: false, error: 'ENODEV' }, m!);
  t.match(up, { present: true, up: true, info: { index: 3, name: 'nlcap0' } });
  t.equal(stateAfterMessage('eth0', { present: false, error: 'ENODEV' }, m!), undefined, 'another link: no change');
  const renamed = { ...m!, name: 'other' };
  t.match(stateAfterMessage('nlcap0', up!, renamed), { present: false, error: 'renamed to other' });
});
