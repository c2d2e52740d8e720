/**
 * SolicitedNodeMemberships against fake socket calls: one membership per
 * distinct group however many VIPs share it, leaves what no VIP needs, spills
 * to a new socket when one runs out of option memory (ENOMEM), reports
 * failures with their errno code and retries them on the next reconcile.
 */
import t from 'tap';
import { constants } from 'node:os';
import { SolicitedNodeMemberships, type MembershipSocketOps } from '../../src/native/solicited-node-memberships.js';
import { parseIpv6 } from '../../src/wire/ipv6.js';

const ADD = 20;
const DROP = 21;

/** Fake sockets each holding at most `perSocket` groups; records every call. */
function fakeOps(perSocket: number) {
  const held = new Map<number, Set<string>>();
  const calls: string[] = [];
  let nextFd = 10;
  let refuse: number | undefined;
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
        if (set.size >= perSocket) return -constants.errno.ENOMEM;
        set.add(group);
        calls.push(`join ${fd} ${group}@${ifindex}`);
      } else if (name === DROP) {
        set.delete(group);
        calls.push(`leave ${fd} ${group}@${ifindex}`);
      }
      return 0;
    },
    close: (fd) => {
      held.delete(fd);
      calls.push(`close ${fd}`);
    },
  };
  return { ops, held, calls, refuseWith: (errno: number | undefined) => (refuse = errno) };
}

function vips(...texts: string[]): Uint32Array {
  const words = new Uint32Array(4 * texts.length);
  texts.forEach((text, i) => {
    parseIpv6(text, words, 4 * i);
  });
  return words;
}

t.test('VIPs sharing a group join it once; the group goes when its last VIP does', async (t) => {
  const { ops, calls } = fakeOps(100);
  const m = new SolicitedNodeMemberships('eth0', 7, ops);
  // 2001:db8::10 and 2001:db8:1::10 share ff02::1:ff00:10.
  t.same(m.reconcile(vips('2001:db8::10', '2001:db8:1::10', '2001:db8::abc:def0')), { joined: 2, left: 0, failures: [] });
  t.same(m.joined(), ['ff02::1:ff00:10', 'ff02::1:ffbc:def0']);
  t.equal(m.vipsSharing(vips('2001:db8:9::10')), 2);
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
  const m = new SolicitedNodeMemberships('eth0', 3, ops);
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
  const m = new SolicitedNodeMemberships('eth0', 3, ops);
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
  const m = new SolicitedNodeMemberships('eth0', 3, ops);
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
