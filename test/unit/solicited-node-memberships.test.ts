/**
 * SolicitedNodeMemberships against fake socket calls: one membership per
 * distinct group however many VIPs share it, leaves what no VIP needs, spills
 * to a new socket when one runs out of option memory (ENOMEM) without asking
 * the full ones again, reports failures with their errno code and retries them
 * on the next reconcile; works in time-budgeted slices that a newer reconcile
 * replaces; past maxGroups receives all multicast instead of joining.
 */
import t from 'tap';
import { constants } from 'node:os';
import { SolicitedNodeMemberships, type MembershipOptions, type MembershipSocketOps } from '../../src/native/solicited-node-memberships.js';
import { parseIpv6 } from '../../src/wire/ipv6.js';

const ADD = 20;
const DROP = 21;

/** Fake sockets each holding at most `perSocket` groups; records every call. */
function fakeOps(perSocket: number) {
  const held = new Map<number, Set<string>>();
  const calls: string[] = [];
  let nextFd = 10;
  let refuse: number | undefined;
  let packetFd: number | undefined;
  const counts = { addAttempts: 0 };
  const ops: MembershipSocketOps = {
    open: () => {
      const fd = nextFd++;
      held.set(fd, new Set());
      calls.push(`open ${fd}`);
      return fd;
    },
    setOption: (fd, name, mreq) => {
      const group = mreq.subarray(13, 16).toString('hex');
      const ifindex = mreq.readUInt32LE(16);
      const set = held.get(fd)!;
      if (refuse !== undefined) return -refuse;
      if (name === ADD) {
        counts.addAttempts++;
        if (set.size >= perSocket) return -constants.errno.ENOMEM;
        set.add(group);
        calls.push(`join ${fd} ${group}@${ifindex}`);
      } else if (name === DROP) {
        set.delete(group);
        calls.push(`leave ${fd} ${group}@${ifindex}`);
      }
      return 0;
    },
    openPacket: () => {
      if (refuse !== undefined) return -refuse;
      packetFd = nextFd++;
      calls.push(`open-packet ${packetFd}`);
      return packetFd;
    },
    setPacketOption: (fd, name, mreq) => {
      calls.push(`packet ${fd} ${name} ifindex=${mreq.readInt32LE(0)} type=${mreq.readUInt16LE(4)}`);
      return 0;
    },
    close: (fd) => {
      held.delete(fd);
      if (fd === packetFd) packetFd = undefined;
      calls.push(`close ${fd}`);
    },
  };
  return { ops, held, calls, counts, allMulticast: () => packetFd !== undefined, refuseWith: (errno: number | undefined) => (refuse = errno) };
}

/** Options that do all the work in the first slice (a clock that never moves). */
function inOneSlice(ops: MembershipSocketOps): MembershipOptions {
  return { ops, now: () => 0 };
}

function distinct(n: number, base = 0): Uint32Array {
  const words = new Uint32Array(4 * n);
  for (let i = 0; i < n; i++) {
    words[4 * i] = 0x2001_0db8;
    words[4 * i + 3] = base + i;
  }
  return words;
}

function vips(...texts: string[]): Uint32Array {
  const words = new Uint32Array(4 * texts.length);
  texts.forEach((text, i) => {
    parseIpv6(text, words, 4 * i);
  });
  return words;
}

t.test("the groups of several groups' VIP sets: a group two sets share is joined once", async (t) => {
  const { ops, calls } = fakeOps(100);
  const m = new SolicitedNodeMemberships('eth0', 7, inOneSlice(ops));
  t.same(m.reconcile(vips('2001:db8::10', '2001:db8::abc:def0'), vips('2001:db8:1::10'), vips()), { joined: 2, left: 0, failures: [] });
  t.same(calls, ['open 10', 'join 10 000010@7', 'join 10 bcdef0@7']);
  t.same(m.reconcile(vips('2001:db8:1::10')), { joined: 0, left: 1, failures: [] }, 'the other set still needs ff02::1:ff00:10');
  t.same(m.joined(), ['ff02::1:ff00:10']);
  m.close();
});

t.test('VIPs sharing a group join it once; the group goes when its last VIP does', async (t) => {
  const { ops, calls } = fakeOps(100);
  const m = new SolicitedNodeMemberships('eth0', 7, inOneSlice(ops));
  // 2001:db8::10 and 2001:db8:1::10 share ff02::1:ff00:10.
  t.same(m.reconcile(vips('2001:db8::10', '2001:db8:1::10', '2001:db8::abc:def0')), { joined: 2, left: 0, failures: [] });
  t.same(m.joined(), ['ff02::1:ff00:10', 'ff02::1:ffbc:def0']);
  t.same(calls, ['open 10', 'join 10 000010@7', 'join 10 bcdef0@7']);
  t.same(m.reconcile(vips('2001:db8:1::10', '2001:db8::abc:def0')), { joined: 0, left: 0, failures: [] }, 'one sharer left: still joined');
  t.same(m.reconcile(vips('2001:db8::abc:def0')), { joined: 0, left: 1, failures: [] });
  t.same(m.joined(), ['ff02::1:ffbc:def0']);
  t.equal(calls.at(-1), 'leave 10 000010@7');
  m.close();
  t.same(m.joined(), []);
  t.equal(calls.at(-1), 'close 10');
});

t.test('a socket out of option memory spills to a new one; leaving frees room that is used again', async (t) => {
  const { ops, held } = fakeOps(2);
  const m = new SolicitedNodeMemberships('eth0', 3, inOneSlice(ops));
  const five = vips('2001:db8::1', '2001:db8::2', '2001:db8::3', '2001:db8::4', '2001:db8::5');
  t.same(m.reconcile(five), { joined: 5, left: 0, failures: [] });
  t.equal(m.socketCount, 3);
  t.same(
    [...held.values()].map((s) => s.size),
    [2, 2, 1],
  );
  m.reconcile(vips('2001:db8::2', '2001:db8::3', '2001:db8::4', '2001:db8::5'));
  m.reconcile(vips('2001:db8::2', '2001:db8::3', '2001:db8::4', '2001:db8::5', '2001:db8::6'));
  t.equal(m.socketCount, 3, 'the freed place on the first socket is reused');
  t.same(
    [...held.values()].map((s) => s.size),
    [2, 2, 1],
  );
});

t.test('10,000 distinct groups at the measured 2,340 per socket need 5 sockets', async (t) => {
  const { ops } = fakeOps(2340);
  const m = new SolicitedNodeMemberships('eth0', 3, inOneSlice(ops));
  const words = new Uint32Array(4 * 10000);
  for (let i = 0; i < 10000; i++) {
    words[4 * i] = 0x2001_0db8;
    words[4 * i + 3] = i;
  }
  t.equal(m.reconcile(words).joined, 10000);
  t.equal(m.socketCount, 5);
  t.equal(m.joined().length, 10000);
});

t.test('a refused join is reported with its code and retried on the next reconcile', async (t) => {
  const { ops, refuseWith } = fakeOps(10);
  const m = new SolicitedNodeMemberships('eth0', 3, inOneSlice(ops));
  refuseWith(constants.errno.ENODEV);
  const change = m.reconcile(vips('2001:db8::1'));
  t.equal(change.joined, 0);
  t.same(
    change.failures.map((f) => [f.group, f.error.code, f.error.syscall]),
    [['ff02::1:ff00:1', 'ENODEV', 'setsockopt(IPV6_ADD_MEMBERSHIP)']],
  );
  t.same(m.joined(), []);
  refuseWith(undefined);
  t.same(m.reconcile(vips('2001:db8::1')), { joined: 1, left: 0, failures: [] });
});

t.test('a full socket is not asked again: each join tries the socket that last had room', async (t) => {
  const { ops, counts } = fakeOps(2);
  const m = new SolicitedNodeMemberships('eth0', 3, inOneSlice(ops));
  t.equal(m.reconcile(distinct(8)).joined, 8);
  t.equal(m.socketCount, 4);
  t.equal(counts.addAttempts, 8 + 3, 'one join each, plus one refusal per socket that filled');
});

t.test('joins run in slices of sliceMs with the loop free in between; a newer reconcile replaces the pending work', async (t) => {
  const { ops, calls } = fakeOps(100);
  let clock = 0;
  const deferred: (() => void)[] = [];
  const later: { joined: number; left: number }[] = [];
  const m = new SolicitedNodeMemberships('eth0', 3, {
    ops,
    sliceMs: 3,
    now: () => clock++,
    defer: (run) => deferred.push(run),
    onChange: (c) => later.push({ joined: c.joined, left: c.left }),
  });
  const first = m.reconcile(distinct(10));
  t.ok(first.joined > 0 && first.joined < 10, `the first slice did only part (${first.joined})`);
  t.equal(m.pending, 10 - first.joined);
  t.equal(deferred.length, 1, 'the rest is deferred, the loop is free');
  deferred.shift()!();
  t.ok(m.pending < 10 - first.joined, 'the next slice goes on');
  const before = calls.length;
  // Replaced before it is done: groups 100.. wanted now, 0..9 not.
  m.reconcile(distinct(3, 100));
  while (deferred.length > 0) deferred.shift()!();
  t.equal(m.pending, 0);
  t.same(m.joined(), ['ff02::1:ff00:64', 'ff02::1:ff00:65', 'ff02::1:ff00:66']);
  t.notOk(
    calls.slice(before).some((c) => /join 10 00000[0-9]/.test(c)),
    'no group of the replaced work joined after the replacement',
  );
  t.ok(later.length > 0 && later.every((c) => c.joined + c.left > 0), 'each later slice reported');
  m.close();
});

t.test('more groups than maxGroups: all-multicast reception, no group joined; back under the limit: joins, then all-multicast ends', async (t) => {
  const { ops, calls, allMulticast } = fakeOps(100);
  let limit = 2;
  const m = new SolicitedNodeMemberships('eth0', 9, { ...inOneSlice(ops), maxGroups: () => limit });
  t.same(m.reconcile(distinct(2)), { joined: 2, left: 0, failures: [] });
  t.notOk(m.allMulticast);
  t.same(m.reconcile(distinct(3)), { joined: 0, left: 2, failures: [] });
  t.ok(m.allMulticast && allMulticast());
  t.same([m.joined(), m.neededGroups], [[], 3], 'no group joined; the three needed are counted');
  const packet = calls.findIndex((c) => c.startsWith('packet'));
  t.equal(calls[packet], 'packet 11 1 ifindex=9 type=2', 'PACKET_ADD_MEMBERSHIP, PACKET_MR_ALLMULTI on the interface');
  t.ok(packet < calls.findIndex((c) => c.startsWith('leave')), 'all-multicast is on before the groups are left');
  limit = 3;
  t.same(m.reconcile(distinct(3)), { joined: 3, left: 0, failures: [] });
  t.notOk(m.allMulticast || allMulticast(), 'the packet socket is closed once the groups are joined');
  t.equal(calls.at(-1), 'close 11');
  limit = 2;
  m.reconcile(distinct(3));
  m.close();
  t.notOk(allMulticast(), 'close ends all-multicast too');
  t.equal(m.neededGroups, 0, 'and needs no group any more');
});

t.test('all-multicast refused: reported, the groups joined one by one instead, and retried on the next reconcile', async (t) => {
  const { ops } = fakeOps(100);
  let refused = true;
  const refusing: MembershipSocketOps = { ...ops, openPacket: () => (refused ? -constants.errno.EPERM : ops.openPacket()) };
  const m = new SolicitedNodeMemberships('eth0', 3, { ...inOneSlice(refusing), maxGroups: () => 1 });
  const change = m.reconcile(distinct(2));
  t.same(
    change.failures.map((f) => [f.group, f.error.code, f.error.syscall]),
    [['all-multicast', 'EPERM', 'socket(AF_PACKET)']],
  );
  t.equal(change.joined, 2);
  t.notOk(m.allMulticast);
  refused = false;
  t.same(m.reconcile(distinct(2)), { joined: 0, left: 2, failures: [] });
  t.ok(m.allMulticast);
});
