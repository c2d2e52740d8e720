import t from 'tap';
import { Responder } from '../../src/responder/responder.js';
import type { Outcome } from '../../src/responder/outcome.js';
import { VipTable } from '../../src/vips/vip-table.js';
import type { GroupState } from '../../src/vips/group-state.js';
import type { FrameBatch, FrameConn, RxBatch } from '../../src/io/frame-conn.js';
import { decodeArp, emptyArpFrame, encodeArp, encodeArpRequest, encodeGarp, type ArpFrame } from '../../src/wire/arp.js';
import { BROADCAST_MAC, parseMac } from '../../src/wire/mac.js';
import { parseIpv4 } from '../../src/wire/ipv4.js';
import { PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST, PACKET_OTHERHOST, rxBatch } from './rx-batch.js';

const IFACE_MAC = parseMac('02:00:00:00:00:01')!;
const VRRP_MAC = parseMac('00:00:5e:00:01:0a')!;
const CLIENT_MAC = parseMac('02:00:00:00:00:02')!;
const OTHER_MAC = parseMac('02:00:00:00:00:99')!;
const CLIENT_IP = parseIpv4('192.0.2.2')!;
const ip = (s: string): number => parseIpv4(s)!;

/** FrameConn fake: records every frame sent, optionally refusing some. */
class FakeConn implements FrameConn {
  sent: ArpFrame[] = [];
  accept = Infinity;
  start(): void {}
  send(batch: FrameBatch): number {
    const n = Math.min(batch.count, this.accept);
    for (let i = 0; i < n; i++) {
      const f = emptyArpFrame();
      if (decodeArp(batch.buf, i * batch.slotSize, batch.lengths[i]!, f) !== undefined) throw new Error('sent a malformed frame');
      this.sent.push(f);
    }
    return n;
  }
  close(): void {}
}

function setup() {
  const web: GroupState = { name: 'web', role: 'MASTER', mac: undefined };
  const vrrp: GroupState = { name: 'vrrp', role: 'MASTER', mac: VRRP_MAC };
  const mail: GroupState = { name: 'mail', role: 'BACKUP', mac: undefined };
  const lan2: GroupState = { name: 'lan2', role: 'MASTER', mac: undefined };
  const table = new VipTable([
    { family: 'ipv4', group: web, iface: 'eth0', ips: Uint32Array.of(ip('198.51.100.10')) },
    { family: 'ipv4', group: vrrp, iface: 'eth0', ips: Uint32Array.of(ip('198.51.100.11')) },
    { family: 'ipv4', group: mail, iface: 'eth0', ips: Uint32Array.of(ip('198.51.100.20')) },
    { family: 'ipv4', group: lan2, iface: 'eth1', ips: Uint32Array.of(ip('203.0.113.5')) },
  ]);
  const conn = new FakeConn();
  const claims: Array<{ vip: number; mac: number }> = [];
  const responder = new Responder({
    iface: 'eth0',
    conn,
    interfaceMac: () => IFACE_MAC,
    vips: { onInterface: () => table.forInterface('eth0'), isVip: (x) => table.isVip(x) },
    onForeignClaim: (_iface, _group, f) => claims.push({ vip: f.senderIp, mac: f.senderMac }),
  });
  return { responder, conn, claims, groups: { web, vrrp, mail } };
}

/** A frame to put in a batch, with what the ring says about it. */
interface TestFrame {
  build: (buf: Buffer) => number;
  /** Length on the wire (default: what `build` wrote). */
  length?: number;
  /** sll_pkttype (default PACKET_BROADCAST). */
  packetType?: number;
  /** TCI left on the frame (default -1, none). */
  vlanTag?: number;
}

/** Frames in a batch of fixed 64-byte slots, as the packet socket delivers them. */
function batchOf(frames: TestFrame[]): RxBatch {
  const slot = 64;
  return rxBatch(
    slot,
    frames.map((f) => {
      const bytes = Buffer.alloc(slot);
      const n = f.build(bytes);
      return { bytes, length: f.length ?? n, packetType: f.packetType ?? PACKET_BROADCAST, vlanTag: f.vlanTag };
    }),
  );
}

const req = (target: string, opts: { ethDst?: number; senderIp?: number; op?: number } = {}) => ({
  build: (b: Buffer) =>
    encodeArp(b, 0, {
      ethDst: opts.ethDst ?? BROADCAST_MAC,
      ethSrc: CLIENT_MAC,
      op: opts.op ?? 1,
      senderMac: CLIENT_MAC,
      senderIp: opts.senderIp ?? CLIENT_IP,
      targetMac: 0,
      targetIp: ip(target),
    }),
});

const cases: Array<{ desc: string; frame: TestFrame; want: Outcome; replyMac?: number }> = [
  { desc: 'answers a broadcast request for a MASTER VIP', frame: req('198.51.100.10'), want: 'answered', replyMac: IFACE_MAC },
  { desc: 'answers a unicast request to the interface MAC', frame: req('198.51.100.10', { ethDst: IFACE_MAC }), want: 'answered', replyMac: IFACE_MAC },
  { desc: 'answers with the group MAC when one is configured', frame: req('198.51.100.11'), want: 'answered', replyMac: VRRP_MAC },
  { desc: 'answers a unicast request to the group MAC', frame: req('198.51.100.11', { ethDst: VRRP_MAC }), want: 'answered', replyMac: VRRP_MAC },
  { desc: 'answers an RFC 5227 probe (sender IP 0.0.0.0)', frame: req('198.51.100.10', { senderIp: 0 }), want: 'answered', replyMac: IFACE_MAC },
  { desc: 'is silent for a BACKUP group', frame: req('198.51.100.20'), want: 'not-master' },
  { desc: 'is silent for an address that is no VIP', frame: req('198.51.100.99'), want: 'not-a-vip' },
  { desc: 'is silent for a VIP of another interface', frame: req('203.0.113.5'), want: 'wrong-interface' },
  {
    desc: 'is silent for a unicast request to a MAC that does not answer for the VIP',
    frame: { ...req('198.51.100.10', { ethDst: OTHER_MAC }), packetType: PACKET_HOST },
    want: 'not-for-us',
  },
  {
    desc: 'is silent for a request to a multicast MAC',
    frame: { ...req('198.51.100.10', { ethDst: parseMac('01:00:5e:00:00:01')! }), packetType: PACKET_MULTICAST },
    want: 'not-for-us',
  },
  {
    desc: 'is silent for a frame the kernel marked for another host (promiscuous, veth)',
    frame: { ...req('198.51.100.10', { ethDst: OTHER_MAC }), packetType: PACKET_OTHERHOST },
    want: 'other-host',
  },
  {
    desc: 'is silent for a broadcast the kernel marked for another host (a foreign VLAN tag it removed)',
    frame: { ...req('198.51.100.10'), packetType: PACKET_OTHERHOST },
    want: 'foreign-vlan',
  },
  {
    desc: 'is silent for a request to its MAC the kernel marked for another host (a foreign VLAN tag)',
    frame: { ...req('198.51.100.10', { ethDst: IFACE_MAC }), packetType: PACKET_OTHERHOST },
    want: 'foreign-vlan',
  },
  { desc: 'is silent for a frame still tagged VID 100 (DSA conduit)', frame: { ...req('198.51.100.10'), vlanTag: 100 }, want: 'foreign-vlan' },
  { desc: 'is silent for a frame still tagged VID 4095 with PCP 7', frame: { ...req('198.51.100.10'), vlanTag: 0xefff }, want: 'foreign-vlan' },
  { desc: 'answers a priority-tagged request (VID 0, PCP 5)', frame: { ...req('198.51.100.10'), vlanTag: 0xa000 }, want: 'answered', replyMac: IFACE_MAC },
  {
    desc: 'answers a unicast request the kernel marked for this host',
    frame: { ...req('198.51.100.10', { ethDst: IFACE_MAC }), packetType: PACKET_HOST },
    want: 'answered',
    replyMac: IFACE_MAC,
  },
  { desc: 'does not answer ARP replies', frame: req('198.51.100.10', { op: 2 }), want: 'not-request' },
  { desc: 'does not answer a gratuitous request', frame: { build: (b) => encodeGarp(b, 0, 'request', CLIENT_MAC, ip('198.51.100.10')) }, want: 'gratuitous' },
  {
    desc: 'drops a frame with a bad header',
    frame: {
      build: (b) => {
        const n = encodeArpRequest(b, 0, CLIENT_MAC, CLIENT_IP, ip('198.51.100.10'));
        b[19] = 16;
        return n;
      },
    },
    want: 'malformed:plen',
  },
  {
    desc: 'answers a request followed by trailing bytes (a 1514-byte frame cut to 42 by the filter)',
    frame: { ...req('198.51.100.10'), length: 1514 },
    want: 'answered',
    replyMac: IFACE_MAC,
  },
  { desc: 'answers a request in a jumbo frame', frame: { ...req('198.51.100.10'), length: 9014 }, want: 'answered', replyMac: IFACE_MAC },
  ...['127.0.0.1', '127.255.255.255', '224.0.0.1', '239.255.255.255', '255.255.255.255', '240.0.0.1', '254.1.2.3', '0.0.0.1', '0.255.255.255'].map(
    (sender) => ({
      desc: `is silent for a request from martian sender ${sender}`,
      frame: req('198.51.100.10', { senderIp: ip(sender) }),
      want: 'martian-sender' as const,
    }),
  ),
  { desc: 'counts a martian reply as a reply', frame: req('198.51.100.10', { senderIp: ip('127.0.0.1'), op: 2 }), want: 'not-request' },
  { desc: 'drops a truncated frame', frame: { ...req('198.51.100.10'), length: 30 }, want: 'malformed:short' },
];

for (const c of cases) {
  t.test(`Responder ${c.desc}`, async (t) => {
    const { responder, conn } = setup();
    responder.handleBatch(batchOf([c.frame]));
    t.equal(responder.counts[c.want], 1, `outcome ${c.want}`);
    const total = Object.values(responder.counts).reduce((a, b) => a + b, 0);
    t.equal(total, 1, 'exactly one outcome counted');
    if (c.replyMac === undefined) {
      t.equal(conn.sent.length, 0, 'nothing sent');
      return;
    }
    t.equal(conn.sent.length, 1, 'one reply');
    const r = conn.sent[0]!;
    const asked = emptyArpFrame();
    const b = Buffer.alloc(128);
    decodeArp(b, 0, c.frame.build(b), asked);
    t.same(
      r,
      {
        ethDst: CLIENT_MAC,
        ethSrc: c.replyMac,
        op: 2,
        senderMac: c.replyMac,
        senderIp: asked.targetIp,
        targetMac: CLIENT_MAC,
        targetIp: asked.senderIp,
      },
      'unicast reply claiming the VIP',
    );
  });
}

t.test('Responder stops answering as soon as the group leaves MASTER', async (t) => {
  const { responder, conn, groups } = setup();
  responder.handleBatch(batchOf([req('198.51.100.10')]));
  groups.web.role = 'BACKUP';
  responder.handleBatch(batchOf([req('198.51.100.10')]));
  groups.web.role = 'FAULT';
  responder.handleBatch(batchOf([req('198.51.100.10')]));
  t.equal(conn.sent.length, 1);
  t.equal(responder.counts['not-master'], 2);
});

t.test('Responder answers a whole batch with one send and counts refused replies', async (t) => {
  const { responder, conn } = setup();
  conn.accept = 40;
  const frames = Array.from({ length: 64 }, () => req('198.51.100.10'));
  responder.handleBatch(batchOf(frames));
  t.equal(responder.counts.answered, 64);
  t.equal(conn.sent.length, 40);
  t.equal(responder.txDropped, 24);
});

t.test('Responder reports foreign claims on our VIPs, not our own frames', async (t) => {
  const { responder, claims } = setup();
  responder.handleBatch(
    batchOf([
      { build: (b) => encodeGarp(b, 0, 'reply', OTHER_MAC, ip('198.51.100.10')) },
      { build: (b) => encodeArpRequest(b, 0, OTHER_MAC, ip('198.51.100.20'), ip('192.0.2.1')) },
      { build: (b) => encodeGarp(b, 0, 'request', VRRP_MAC, ip('198.51.100.11')) },
      { build: (b) => encodeArpRequest(b, 0, OTHER_MAC, ip('198.51.100.99'), ip('192.0.2.1')) },
    ]),
  );
  t.same(claims, [
    { vip: ip('198.51.100.10'), mac: OTHER_MAC },
    { vip: ip('198.51.100.20'), mac: OTHER_MAC },
  ]);
});
