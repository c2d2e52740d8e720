// The NDP side of a link (src/daemon/ndp-link.ts) with fakes for the socket,
// the memberships and the forwarding sysctl: opened only while the interface
// has IPv6 VIPs, reconciled on every sync, started afresh for a new ifindex,
// and the NA's R flag from the group or the (cached) forwarding setting.
import t from 'tap';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/log/log.js';
import { NdpLink, type Memberships } from '../../src/daemon/ndp-link.js';
import { Ipv6VipTable } from '../../src/vips/ipv6-vip-table.js';
import type { FrameBatch, FrameConn, RxBatch } from '../../src/io/frame-conn.js';
import type { GroupState } from '../../src/vips/group-state.js';
import { encodeNs, NDP_FRAME_LENGTH } from '../../src/wire/ndp.js';
import { parseIpv6 } from '../../src/wire/ipv6.js';

const a6 = (text: string): Uint32Array => {
  const out = new Uint32Array(4);
  parseIpv6(text, out);
  return out;
};
const OUR_MAC = 0x02_00_00_00_00_01;
const CLIENT_MAC = 0x02_00_00_00_00_02;

class FakeConn implements FrameConn {
  closed = false;
  sent: Buffer[] = [];
  onFrames: ((b: RxBatch) => void) | undefined;
  start(onFrames: (b: RxBatch) => void): void {
    this.onFrames = onFrames;
  }
  send(b: FrameBatch): number {
    for (let i = 0; i < b.count; i++) this.sent.push(Buffer.from(b.buf.subarray(i * b.slotSize, i * b.slotSize + b.lengths[i]!)));
    return b.count;
  }
  close(): void {
    this.closed = true;
  }
}

class FakeMemberships implements Memberships {
  groups = new Set<number>();
  closed = false;
  pending = 0;
  allMulticast = false;
  neededGroups = 0;
  reconcile(...vipSets: Uint32Array[]) {
    const want = new Set<number>();
    for (const vips of vipSets) for (let i = 3; i < vips.length; i += 4) want.add(vips[i]! & 0xffffff);
    this.neededGroups = want.size;
    const joined = [...want].filter((k) => !this.groups.has(k)).length;
    const left = [...this.groups].filter((k) => !want.has(k)).length;
    this.groups = want;
    return { joined, left, failures: [] };
  }
  joined(): string[] {
    return [...this.groups].sort((a, b) => a - b).map((k) => `ff02::1:ff${(k >> 16).toString(16).padStart(2, '0')}:${(k & 0xffff).toString(16)}`);
  }
  close(): void {
    this.closed = true;
  }
}

function nsFor(target: string): RxBatch {
  const buf = Buffer.alloc(256);
  const n = encodeNs(buf, 0, CLIENT_MAC, a6('2001:db8::2'), a6(target));
  return { buf, slotSize: 256, lengths: Int32Array.of(n || NDP_FRAME_LENGTH), count: 1, packetTypes: Uint8Array.of(2), vlanTags: Int32Array.of(-1) };
}

t.test('the NDP side opens only with IPv6 VIPs, follows them, and starts afresh on a new ifindex', async (t) => {
  const web: GroupState = { name: 'web', role: 'MASTER', mac: undefined };
  let table = new Ipv6VipTable();
  const conns: FakeConn[] = [];
  const memberships: FakeMemberships[] = [];
  let forwardingReads = 0;
  const link = new NdpLink({
    iface: 'eth0',
    log: createLogger('silent'),
    vips: {
      onInterface: () => table.forInterface('eth0'),
      isVip: (a) => table.isVip(a),
      vipSets: () => [table.vipsOf('web')?.ips ?? new Uint32Array(0)].filter((ips) => ips.length > 0),
    },
    interfaceMac: () => OUR_MAC,
    sendVia: (get) => ({ start: () => undefined, send: (b) => get()?.send(b) ?? 0, close: () => undefined }),
    onSendError: () => undefined,
    onSocketError: () => undefined,
    openConn: () => {
      const c = new FakeConn();
      conns.push(c);
      return c;
    },
    openMemberships: () => {
      const m = new FakeMemberships();
      memberships.push(m);
      return m;
    },
    forwarding: () => {
      forwardingReads++;
      return true;
    },
  });
  link.sync(7);
  t.notOk(link.open, 'no IPv6 VIPs: no socket');
  t.equal(conns.length + memberships.length, 0, 'nor memberships');

  table = new Ipv6VipTable([{ family: 'ipv6', group: web, iface: 'eth0', ips: Uint32Array.from([...a6('2001:db8::10'), ...a6('2001:db8::1:20')]) }]);
  link.sync(7);
  t.ok(link.open, 'an IPv6 VIP: the socket opens');
  t.same(link.joinedGroups(), ['ff02::1:ff00:10', 'ff02::1:ff01:20'], 'and joins its groups');

  conns[0]!.onFrames!(nsFor('2001:db8::10'));
  conns[0]!.onFrames!(nsFor('2001:db8::10'));
  t.equal(link.responder.counts.answered, 2, 'an NS for the VIP is answered');
  t.equal(conns[0]!.sent.length, 2, 'on the NDP socket');
  t.equal(conns[0]!.sent[0]![54 + 4]! & 0x80, 0x80, 'R=1: the interface forwards');
  t.equal(forwardingReads, 1, 'forwarding read once for two answers');
  web.ndpRouter = false;
  conns[0]!.onFrames!(nsFor('2001:db8::10'));
  t.equal(conns[0]!.sent[2]![54 + 4]! & 0x80, 0, 'R=0: the group says so');
  web.ndpRouter = undefined;

  table = new Ipv6VipTable([{ family: 'ipv6', group: web, iface: 'eth0', ips: a6('2001:db8::10') }]);
  link.sync(7);
  t.equal(conns.length, 1, 'same ifindex: the socket is kept');
  t.same(link.joinedGroups(), ['ff02::1:ff00:10'], 'the group no VIP needs is left');

  link.sync(8);
  t.ok(conns[0]!.closed && memberships[0]!.closed, 'a new ifindex closes the old socket and memberships');
  t.equal(conns.length, 2, 'and opens new ones');
  t.same(link.joinedGroups(), ['ff02::1:ff00:10'], 'joined again on the new interface');

  table = new Ipv6VipTable();
  link.sync(8);
  t.notOk(link.open, 'the last IPv6 VIP gone: the socket closes');
  t.ok(memberships[1]!.closed, 'and every group is left');
  t.same(link.joinedGroups(), []);
  t.equal(link.responder.counts.answered, 3, 'the counts outlive the socket');
});

t.test('all-multicast reception past ndp.maxSolicitedNodeGroups: the limit reaches the memberships, one warning, shown on the link', async (t) => {
  const web: GroupState = { name: 'web', role: 'MASTER', mac: undefined };
  const table = new Ipv6VipTable([{ family: 'ipv6', group: web, iface: 'eth0', ips: a6('2001:db8::10') }]);
  const out = new PassThrough();
  const lines: { level: number; msg: string; limit?: number; needed?: number }[] = [];
  out.on('data', (chunk: Buffer) =>
    lines.push(
      ...chunk
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ),
  );
  const fake = new FakeMemberships();
  let limitSeen: number | undefined;
  const link = new NdpLink({
    iface: 'eth0',
    log: createLogger('info', out),
    vips: { onInterface: () => table.forInterface('eth0'), isVip: (a) => table.isVip(a), vipSets: () => [table.vipsOf('web')!.ips] },
    interfaceMac: () => OUR_MAC,
    sendVia: (get) => ({ start: () => undefined, send: (b) => get()?.send(b) ?? 0, close: () => undefined }),
    onSendError: () => undefined,
    onSocketError: () => undefined,
    openConn: () => new FakeConn(),
    openMemberships: (_iface, _index, opts) => {
      limitSeen = opts.maxGroups?.();
      return fake;
    },
    maxGroups: () => 8,
  });
  link.sync(7);
  t.equal(limitSeen, 8, 'ndp.maxSolicitedNodeGroups reaches the memberships');
  t.notOk(link.allMulticast);
  fake.allMulticast = true;
  link.sync(7);
  link.sync(7);
  t.ok(link.allMulticast, 'the link shows it');
  t.equal(link.neededGroups, 1, 'and how many groups its VIPs need');
  const warned = lines.filter((l) => /receiving all multicast/.test(l.msg));
  t.same(
    warned.map((l) => [l.level, l.limit, l.needed]),
    [[40, 8, 1]],
    'one warning, with the limit and the groups needed',
  );
  fake.allMulticast = false;
  link.sync(7);
  fake.allMulticast = true;
  link.sync(7);
  t.equal(lines.filter((l) => /receiving all multicast/.test(l.msg)).length, 2, 'warned again after it ended and came back');
});
