import t from 'tap';
import {
  ARP_FRAME_LENGTH,
  decodeArp,
  emptyArpFrame,
  encodeArp,
  encodeArpReply,
  encodeArpRequest,
  encodeGarp,
  type ArpFrame,
  type MalformedReason,
} from '../../src/wire/arp.js';
import { formatMac, parseMac, isGroupMac, BROADCAST_MAC } from '../../src/wire/mac.js';
import { formatIpv4, parseIpv4 } from '../../src/wire/ipv4.js';
import { seededRandomFor } from './seeded-random.js';

const CLIENT_MAC = parseMac('02:00:00:00:00:02')!;
const DIRECTOR_MAC = parseMac('02:00:00:00:00:01')!;
const CLIENT_IP = parseIpv4('192.0.2.2')!;
const VIP = parseIpv4('198.51.100.10')!;

function request(): Buffer {
  const buf = Buffer.alloc(60);
  encodeArpRequest(buf, 0, CLIENT_MAC, CLIENT_IP, VIP);
  return buf;
}

/** A well-formed request with one byte changed. */
function patched(offset: number, value: number): Buffer {
  const buf = request();
  buf[offset] = value;
  return buf;
}

t.test('decodeArp accepts a well-formed request and reads every field', async (t) => {
  const out = emptyArpFrame();
  t.equal(decodeArp(request(), 0, ARP_FRAME_LENGTH, out), undefined);
  t.same(out, {
    ethDst: BROADCAST_MAC,
    ethSrc: CLIENT_MAC,
    op: 1,
    senderMac: CLIENT_MAC,
    senderIp: CLIENT_IP,
    targetMac: 0,
    targetIp: VIP,
  });
});

t.test('decodeArp ignores what follows the ARP frame: padding, trailers, a jumbo frame', async (t) => {
  const want = emptyArpFrame();
  decodeArp(request(), 0, ARP_FRAME_LENGTH, want);
  for (const length of [60, 64, 65, 1514, 9014]) {
    const whole = Buffer.alloc(length, 0xa5);
    request().copy(whole, 0, 0, ARP_FRAME_LENGTH);
    const out = emptyArpFrame();
    t.equal(decodeArp(whole, 0, length, out), undefined, `${length} bytes, all of them in the buffer`);
    t.same(out, want, `${length} bytes: the same request`);
    // As the socket filter delivers it: the first 42 bytes, the length on the wire.
    t.equal(decodeArp(request().subarray(0, ARP_FRAME_LENGTH), 0, length, emptyArpFrame()), undefined, `${length} bytes, cut to 42`);
  }
});

const rejections: Array<{ desc: string; buf: Buffer; length: number; want: MalformedReason }> = [
  { desc: 'a truncated Ethernet frame', buf: request().subarray(0, 13), length: 13, want: 'short' },
  { desc: 'a frame cut inside the ARP addresses', buf: request().subarray(0, 30), length: 30, want: 'short' },
  { desc: 'a 22-byte header stub with good fields', buf: request().subarray(0, 22), length: 22, want: 'short' },
  { desc: 'a buffer that holds less than the ARP frame', buf: request().subarray(0, 30), length: 50, want: 'short' },
  { desc: 'another ethertype', buf: patched(13, 0x00), length: 42, want: 'not-arp' },
  { desc: 'htype 6 (IEEE 802)', buf: patched(15, 6), length: 42, want: 'htype' },
  { desc: 'ptype IPv6', buf: patched(16, 0x86), length: 42, want: 'ptype' },
  { desc: 'hlen 8', buf: patched(18, 8), length: 42, want: 'hlen' },
  { desc: 'plen 16', buf: patched(19, 16), length: 42, want: 'plen' },
  { desc: 'op 3 (RARP request)', buf: patched(21, 3), length: 42, want: 'op' },
  { desc: 'op 0', buf: patched(21, 0), length: 42, want: 'op' },
  { desc: 'a multicast sender MAC', buf: patched(22, 0x01), length: 42, want: 'sender-mac' },
  {
    desc: 'a broadcast sender MAC',
    buf: (() => {
      const b = request();
      b.fill(0xff, 22, 28);
      return b;
    })(),
    length: 42,
    want: 'sender-mac',
  },
];

for (const c of rejections) {
  t.test(`decodeArp rejects ${c.desc} as ${c.want}`, async (t) => {
    t.equal(decodeArp(c.buf, 0, c.length, emptyArpFrame()), c.want);
  });
}

t.test('encodeArpReply answers the requester with our MAC for the VIP', async (t) => {
  const req = emptyArpFrame();
  decodeArp(request(), 0, 42, req);
  const buf = Buffer.alloc(42);
  t.equal(encodeArpReply(buf, 0, req, DIRECTOR_MAC, VIP), 42);
  const out = emptyArpFrame();
  t.equal(decodeArp(buf, 0, 42, out), undefined);
  t.same(out, { ethDst: CLIENT_MAC, ethSrc: DIRECTOR_MAC, op: 2, senderMac: DIRECTOR_MAC, senderIp: VIP, targetMac: CLIENT_MAC, targetIp: CLIENT_IP });
});

t.test('encodeArpReply to an RFC 5227 probe keeps target IP 0.0.0.0', async (t) => {
  const probe: ArpFrame = { ethDst: BROADCAST_MAC, ethSrc: CLIENT_MAC, op: 1, senderMac: CLIENT_MAC, senderIp: 0, targetMac: 0, targetIp: VIP };
  const buf = Buffer.alloc(42);
  encodeArpReply(buf, 0, probe, DIRECTOR_MAC, VIP);
  const out = emptyArpFrame();
  decodeArp(buf, 0, 42, out);
  t.equal(out.targetIp, 0);
  t.equal(out.ethDst, CLIENT_MAC);
});

t.test('encodeGarp builds both gratuitous forms', async (t) => {
  const buf = Buffer.alloc(42);
  const out = emptyArpFrame();
  encodeGarp(buf, 0, 'request', DIRECTOR_MAC, VIP);
  decodeArp(buf, 0, 42, out);
  t.same(out, { ethDst: BROADCAST_MAC, ethSrc: DIRECTOR_MAC, op: 1, senderMac: DIRECTOR_MAC, senderIp: VIP, targetMac: 0, targetIp: VIP });
  encodeGarp(buf, 0, 'reply', DIRECTOR_MAC, VIP);
  decodeArp(buf, 0, 42, out);
  t.same(out, { ethDst: BROADCAST_MAC, ethSrc: DIRECTOR_MAC, op: 2, senderMac: DIRECTOR_MAC, senderIp: VIP, targetMac: DIRECTOR_MAC, targetIp: VIP });
});

t.test('encodeArp refuses a buffer too small', async (t) => {
  t.throws(() => encodeArp(Buffer.alloc(41), 0, emptyArpFrame()), RangeError);
  t.throws(() => encodeArp(Buffer.alloc(60), 30, emptyArpFrame()), RangeError);
});

t.test('decodeArp never throws and never reads out of range on 100,000 random buffers', async (t) => {
  const rng = seededRandomFor(t);
  const out = emptyArpFrame();
  let accepted = 0;
  let thrown = 0;
  for (let i = 0; i < 100_000; i++) {
    const len = i % 80;
    // Half the buffers get a valid ARP header so the deeper checks run too.
    const buf = rng.bytes(len);
    if (i % 2 === 0 && len >= 22) request().copy(buf, 0, 0, 22);
    try {
      if (decodeArp(buf, 0, len + (i % 7 === 0 ? 100 : 0), out) === undefined) accepted++;
    } catch {
      thrown++;
    }
  }
  t.equal(thrown, 0, `no exception (seed ${rng.seed})`);
  t.ok(accepted > 0, `some random frames decode (${accepted}, seed ${rng.seed})`);
});

t.test('MAC and IPv4 helpers round-trip and reject garbage', async (t) => {
  t.equal(formatMac(parseMac('AA-bb-cc-dd-ee-0f')!), 'aa:bb:cc:dd:ee:0f');
  t.equal(formatMac(BROADCAST_MAC), 'ff:ff:ff:ff:ff:ff');
  for (const bad of ['', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:gg', 'aa:bb-cc:dd:ee:ff', 'aabbccddeeff']) t.equal(parseMac(bad), undefined, bad);
  t.ok(isGroupMac(parseMac('01:00:5e:00:00:01')!));
  t.notOk(isGroupMac(parseMac('00:00:5e:00:01:0a')!));
  t.equal(formatIpv4(parseIpv4('255.0.10.1')!), '255.0.10.1');
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', ' 1.2.3.4']) t.equal(parseIpv4(bad), undefined, bad);
});
