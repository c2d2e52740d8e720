// Issue 11: one error path for sends. A refused send keeps its errno code
// (ENOBUFS and ENETDOWN are told apart), is counted per code by the link and
// logged rate-limited, by code and without a stack for expected conditions.
import t from 'tap';
import { constants } from 'node:os';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { isSystemError, systemError, VipArpdError, type SystemError } from '../../src/util/errors.js';
import { sendErrorKind, trySend } from '../../src/io/send-errors.js';
import { TxBatch } from '../../src/io/tx-batch.js';
import type { FrameBatch, FrameConn, RxBatch } from '../../src/io/frame-conn.js';
import { InterfaceLink } from '../../src/daemon/interface-link.js';
import { LinkMonitor } from '../../src/iface/link-monitor.js';
import { createLogger } from '../../src/log/log.js';
import { VipTable } from '../../src/vips/vip-table.js';
import type { GroupState } from '../../src/vips/group-state.js';
import { encodeArpRequest } from '../../src/wire/arp.js';
import { parseIpv4 } from '../../src/wire/ipv4.js';
import { parseMac } from '../../src/wire/mac.js';

const refused = (code: keyof typeof constants.errno): SystemError => systemError(-constants.errno[code], 'sendmmsg', 'lo');

/** A packet socket whose sendmmsg returns -errno: it throws what PacketSocket.send throws. */
class RefusingConn implements FrameConn {
  error: Error | undefined;
  start(): void {}
  send(batch: FrameBatch): number {
    if (this.error !== undefined) throw this.error;
    return batch.count;
  }
  close(): void {}
}

t.test('systemError is the one SystemError constructor: code, errno, syscall, interface, a message a person can act on', async (t) => {
  const err = systemError(-constants.errno.ENOBUFS, 'sendmmsg', 'eth0');
  t.match(err, {
    code: 'ENOBUFS',
    errno: -constants.errno.ENOBUFS,
    syscall: 'sendmmsg',
    iface: 'eth0',
    message: /^sendmmsg failed on interface eth0: ENOBUFS \(.+\)$/,
  });
  t.notOk('iface' in systemError(-constants.errno.EPERM, 'socket(AF_NETLINK)'), 'no interface when none was given');
  t.ok(isSystemError(err));
  let nodeError: unknown;
  try {
    readFileSync('/nonexistent/vip-arpd');
  } catch (e) {
    nodeError = e;
  }
  t.ok(isSystemError(nodeError), "Node's own errors are system errors too");
  t.notOk(isSystemError(new VipArpdError('EUSAGE', 'x')), 'a VipArpdError has a code but no syscall');
  t.notOk(isSystemError(new Error('sendmmsg failed: ENOBUFS')), 'the message is never read');
});

t.test('send error kinds: retry soon, wait for the link, or unexpected', async (t) => {
  for (const code of ['EAGAIN', 'EWOULDBLOCK', 'ENOBUFS']) t.equal(sendErrorKind(code), 'transient', code);
  for (const code of ['ENETDOWN', 'ENXIO', 'ENODEV']) t.equal(sendErrorKind(code), 'link-down', code);
  for (const code of ['EPERM', 'EINVAL', 'EMSGSIZE']) t.equal(sendErrorKind(code), 'unexpected', code);
});

t.test('trySend returns a refusal with its code; a bug in the sender is thrown', async (t) => {
  const conn = new RefusingConn();
  const tx = new TxBatch(4);
  tx.commit(42);
  t.same(trySend(conn, tx), { sent: 1, error: undefined });
  conn.error = refused('ENOBUFS');
  t.match(trySend(conn, tx), { sent: 0, error: { code: 'ENOBUFS', syscall: 'sendmmsg' } });
  conn.error = new TypeError('bug');
  t.throws(() => trySend(conn, tx), TypeError);
});

t.test('TxBatch.flush counts the frames not taken and hands on the error, ENOBUFS and ENETDOWN apart', async (t) => {
  const conn = new RefusingConn();
  const tx = new TxBatch(4);
  const seen: string[] = [];
  for (const code of ['ENOBUFS', 'ENETDOWN'] as const) {
    conn.error = refused(code);
    tx.commit(42);
    tx.commit(42);
    t.equal(
      tx.flush(conn, (err) => seen.push(err.code)),
      2,
      `${code}: both frames not taken`,
    );
    t.equal(tx.count, 0, 'batch emptied');
  }
  t.same(seen, ['ENOBUFS', 'ENETDOWN']);
});

const VIP = parseIpv4('198.51.100.10')!;
const CLIENT_MAC = parseMac('02:00:00:00:00:02')!;
const CLIENT_IP = parseIpv4('192.0.2.2')!;

/** One ARP request for the VIP, as the ring delivers it. */
function requestBatch(): RxBatch {
  const buf = Buffer.alloc(64);
  const length = encodeArpRequest(buf, 0, CLIENT_MAC, CLIENT_IP, VIP);
  return { buf, slotSize: 64, lengths: Int32Array.of(length), packetTypes: Uint8Array.of(1), vlanTags: Int32Array.of(-1), count: 1 };
}

t.test('refused replies on a link: counted per code, logged once per code, no stack for expected codes', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const web: GroupState = { name: 'web', role: 'MASTER', mac: undefined };
  const table = new VipTable([{ family: 'ipv4', group: web, iface: 'lo', ips: Uint32Array.of(VIP) }]);
  const conn = new RefusingConn();
  const link = new InterfaceLink({
    iface: 'lo',
    log,
    vips: { onInterface: () => table.forInterface('lo'), isVip: (x) => table.isVip(x) },
    monitor: new LinkMonitor({ log: createLogger('silent'), open: () => ({ start: () => undefined, close: () => undefined }) }),
    openConn: () => conn,
  });
  t.teardown(() => link.close());
  lines.length = 0;
  link.responder.handleBatch(requestBatch());
  t.equal(link.responder.counts.answered, 1, 'the request is answered');
  t.equal(link.responder.txDropped, 0);

  const answer = (code: keyof typeof constants.errno, times: number) => {
    conn.error = refused(code);
    for (let i = 0; i < times; i++) link.responder.handleBatch(requestBatch());
  };
  answer('ENOBUFS', 3);
  answer('ENETDOWN', 2);
  t.same(link.sendErrors, { ENOBUFS: 3, ENETDOWN: 2 }, 'counted per code');
  t.equal(link.responder.txDropped, 5, 'every refused reply counted as dropped');
  t.equal(lines.length, 2, 'one line per code within the minute');
  t.match(lines, [
    { level: 40, iface: 'lo', code: 'ENOBUFS', reason: /ENOBUFS/, msg: 'cannot send ARP replies; counted as dropped' },
    { level: 40, iface: 'lo', code: 'ENETDOWN' },
  ]);
  t.notOk(JSON.stringify(lines).includes('stack'), 'no stack trace for an expected condition');
  answer('EPERM', 1);
  t.match(lines[2], { err: { code: 'EPERM', stack: String } }, 'an unexpected error keeps its stack');
});
