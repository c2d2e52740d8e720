import t from 'tap';
import { vethFlapDatagrams } from './rtnetlink-fixture.js';
import { seededRandomFor } from './seeded-random.js';
import { decodeLinkMessages, IFF_LOWER_UP, IFF_RUNNING, IFF_UP, isRunning, NLMSG_HDRLEN, RTM_NEWLINK } from '../../src/iface/rtnetlink.js';

const summary = (bufs: Buffer[]): string[] =>
  bufs.flatMap((b) => decodeLinkMessages(b).links.map((l) => `${l.kind} ${l.index} ${l.name} ${l.operstate} running=${isRunning(l.flags)}`));

t.test('decodeLinkMessages reads the messages the kernel sent for a veth created, flapped and deleted', async (t) => {
  const steps = vethFlapDatagrams();
  for (const bufs of steps.values()) for (const b of bufs) t.equal(decodeLinkMessages(b).malformed, 0, 'nothing malformed in a real datagram');
  t.same(summary(steps.get('add veth')!), ['new 2 nlcap1 DOWN running=false', 'new 3 nlcap0 DOWN running=false']);
  t.same(
    summary(steps.get('up both')!),
    ['new 2 nlcap1 LOWERLAYERDOWN running=false', 'new 3 nlcap0 LOWERLAYERDOWN running=false', 'new 3 nlcap0 UP running=true', 'new 2 nlcap1 UP running=true'],
    'up, then carrier: RUNNING comes with the second message',
  );
  t.same(summary(steps.get('down nlcap0')!), ['new 3 nlcap0 DOWN running=false', 'new 2 nlcap1 LOWERLAYERDOWN running=false']);
  t.same(summary(steps.get('up nlcap0')!), ['new 3 nlcap0 LOWERLAYERDOWN running=false', 'new 3 nlcap0 UP running=true', 'new 2 nlcap1 UP running=true']);
  t.same(summary(steps.get('del')!).slice(-2), ['del 3 nlcap0 DOWN running=false', 'del 2 nlcap1 DOWN running=false'], 'deletion is RTM_DELLINK with the name');
  const up = decodeLinkMessages(steps.get('up nlcap0')![1]!).links[0]!;
  t.equal(up.mac?.toString('hex'), '020000000001', 'IFLA_ADDRESS is the MAC');
  t.equal(up.hwType, 1, 'ARPHRD_ETHER');
  t.equal(up.flags & (IFF_UP | IFF_RUNNING | IFF_LOWER_UP), IFF_UP | IFF_RUNNING | IFF_LOWER_UP);
});

t.test('decodeLinkMessages keeps every message of a datagram in order (a flap in one read)', async (t) => {
  const steps = vethFlapDatagrams();
  const down = steps.get('down nlcap0')![0]!;
  const up = steps.get('up nlcap0')![1]!;
  const both = Buffer.concat([down, up]); // each message is 4-byte aligned already
  t.same(summary([both]), ['new 3 nlcap0 DOWN running=false', 'new 3 nlcap0 UP running=true']);
});

t.test('decodeLinkMessages counts what it cannot decode and never throws', async (t) => {
  const real = vethFlapDatagrams().get('up nlcap0')![1]!;
  const cases: Array<{ desc: string; input: Buffer; links: number; malformed: number }> = [
    { desc: 'empty', input: Buffer.alloc(0), links: 0, malformed: 0 },
    { desc: 'shorter than a header', input: real.subarray(0, 10), links: 0, malformed: 1 },
    { desc: 'cut inside the message', input: real.subarray(0, 100), links: 0, malformed: 1 },
    { desc: 'header only, no ifinfomsg', input: withLength(real.subarray(0, NLMSG_HDRLEN), NLMSG_HDRLEN), links: 0, malformed: 1 },
    { desc: 'length below the header size', input: withLength(Buffer.from(real), 8), links: 0, malformed: 1 },
    { desc: 'an attribute running past the message', input: badAttribute(real), links: 0, malformed: 1 },
  ];
  for (const c of cases) {
    const r = decodeLinkMessages(c.input);
    t.same([r.links.length, r.malformed], [c.links, c.malformed], c.desc);
  }
  const rng = seededRandomFor(t);
  for (let i = 0; i < 2000; i++) {
    const junk = rng.bytes(1 + (i % 300));
    if (i % 2 === 0 && junk.length >= 6) {
      junk.writeUInt32LE(junk.length, 0);
      junk.writeUInt16LE(RTM_NEWLINK, 4);
    }
    decodeLinkMessages(junk);
  }
  t.pass(`2000 random datagrams decoded without a throw (seed ${rng.seed})`);
});

function withLength(b: Buffer, len: number): Buffer {
  const c = Buffer.from(b);
  c.writeUInt32LE(len, 0);
  return c;
}

function badAttribute(real: Buffer): Buffer {
  const c = Buffer.from(real);
  c.writeUInt16LE(0xfff0, NLMSG_HDRLEN + 16); // first rtattr's length
  return c;
}
