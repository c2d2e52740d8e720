// Issue 12: an interface that is down logs no stack trace per GARP round;
// the expected errno codes are logged by code, rate-limited, and counted per
// code by the link (replies and GARPs alike).
import t from 'tap';
import { constants } from 'node:os';
import { systemError } from '../../src/util/errors.js';
import { pino } from 'pino';
import { AnnouncePacer } from '../../src/announcer/announce-pacer.js';
import { AnnounceCounters } from '../../src/announcer/announce-counters.js';
import { arpAnnounceEncoder } from '../../src/announcer/arp-announce.js';
import { InterfaceLink } from '../../src/daemon/interface-link.js';
import { LinkMonitor } from '../../src/iface/link-monitor.js';
import { createLogger } from '../../src/log/log.js';
import { TxBatch } from '../../src/io/tx-batch.js';
import { FakeClock, RecordingConn } from './daemon-fixture.js';

/** What PacketSocket.send throws on a down link: a SystemError with a stack. */
const errnoError = (code: keyof typeof constants.errno) => systemError(-constants.errno[code], 'sendmmsg', 'eth0');

t.test('a down interface: one line per code per minute, no stack trace; other errors keep theirs', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const conn = new RecordingConn();
  const clock = new FakeClock();
  const pacer = new AnnouncePacer({ iface: 'eth0', wire: () => conn, maxFramesPerSecond: 0, log, clock });
  const counters = new AnnounceCounters();
  const round = () =>
    pacer.enqueue({ group: 'web', ips: [1, 2, 3], forms: ['request'], encoder: arpAnnounceEncoder, mac: 1, counts: counters.of('web', 'eth0') });
  conn.error = errnoError('ENETDOWN');
  for (let i = 0; i < 5; i++) {
    round();
    clock.advance(1100);
  }
  conn.error = errnoError('ENXIO');
  round();
  t.equal(lines.length, 2, '6 failed rounds: one line for ENETDOWN, one for the new code ENXIO');
  t.match(lines, [{ code: 'ENETDOWN', group: 'web' }, { code: 'ENXIO' }]);
  t.notOk(JSON.stringify(lines).includes('stack'), 'no stack trace for an expected condition');
  t.equal(counters.of('web', 'eth0').dropped, 18, 'every frame counted as dropped');
  conn.error = errnoError('EPERM');
  round();
  t.match(lines[2], { err: { stack: String } }, 'an unexpected error keeps its stack');
});

t.test('the link counts refused sends per errno code, for GARPs and for replies whose TxBatch swallows the error', async (t) => {
  const conn = new RecordingConn();
  const link = new InterfaceLink({
    iface: 'lo',
    log: createLogger('silent'),
    vips: { onInterface: () => undefined, isVip: () => false },
    monitor: new LinkMonitor({ log: createLogger('silent'), open: () => ({ start: () => undefined, close: () => undefined }) }),
    openConn: () => conn,
  });
  t.teardown(() => link.close());
  const tx = new TxBatch(4);
  tx.commit(42);
  conn.error = errnoError('ENETDOWN');
  t.throws(() => link.wire!.send(tx), { code: 'ENETDOWN' }, 'the GARP path still sees the error');
  t.equal(tx.flush(link.wire!), 1, 'TxBatch counts the frame as not taken');
  conn.error = errnoError('ENOBUFS');
  tx.commit(42);
  tx.flush(link.wire!);
  t.same(link.sendErrors, { ENETDOWN: 2, ENOBUFS: 1 });
});
