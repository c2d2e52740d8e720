/**
 * The NDP responder's decision for every frame (ndp-rules.ts, in order) and
 * the NA it sends, against a fake connection and a static lookup.
 */
import t from 'tap';
import { NdpResponder } from '../../src/responder/ndp-responder.js';
import type { NdpOutcome } from '../../src/responder/ndp-outcome.js';
import { classifyAdvertisement, type NdpClaimKind } from '../../src/responder/ndp-rules.js';
import type { GroupState } from '../../src/vips/group-state.js';
import type { FrameBatch, FrameConn, RxBatch } from '../../src/io/frame-conn.js';
import { decodeNs, encodeNaReply, encodeNs, encodeUnsolicitedNa, emptyNeighborSolicitation, NDP_FRAME_LENGTH } from '../../src/wire/ndp.js';
import { decodeNa, emptyNeighborAdvertisement, type NeighborAdvertisement } from '../../src/wire/ndp-advert.js';
import { formatIpv6, multicastMac, solicitedNodeAddress, writeIpv6, type Ipv6Address } from '../../src/wire/ipv6.js';
import { formatMac, parseMac, writeMac } from '../../src/wire/mac.js';
import { fixIcmpv6Checksum, ipv6 as ip } from './golden-bytes.js';
import { PACKET_HOST, PACKET_MULTICAST, PACKET_OTHERHOST, rxBatch } from './rx-batch.js';

const IFACE_MAC = parseMac('02:00:00:00:00:01')!;
const VRRP_MAC = parseMac('00:00:5e:00:02:0a')!;
const CLIENT_MAC = parseMac('02:00:00:00:00:02')!;
const OTHER_MAC = parseMac('02:00:00:00:00:99')!;

const CLIENT = ip('2001:db8::2');
const WEB_VIP = ip('2001:db8::10');
const VRRP_VIP = ip('2001:db8::11');
const MAIL_VIP = ip('2001:db8::20');
const LAN2_VIP = ip('2001:db8:2::5');
const UNSPECIFIED = ip('::');

/** FrameConn fake: decodes every NA sent. */
class FakeConn implements FrameConn {
  sent: NeighborAdvertisement[] = [];
  raw: Buffer[] = [];
  start(): void {}
  send(batch: FrameBatch): number {
    for (let i = 0; i < batch.count; i++) {
      const frame = Buffer.from(batch.buf.subarray(i * batch.slotSize, i * batch.slotSize + batch.lengths[i]!));
      const na = emptyNeighborAdvertisement();
      const bad = decodeNa(frame, 0, frame.length, na);
      if (bad !== undefined) throw new Error(`sent an invalid NA: ${bad}`);
      this.sent.push(na);
      this.raw.push(frame);
    }
    return batch.count;
  }
  close(): void {}
}

function setup() {
  const web: GroupState = { name: 'web', role: 'MASTER', mac: undefined };
  const vrrp: GroupState = { name: 'vrrp', role: 'MASTER', mac: VRRP_MAC };
  const mail: GroupState = { name: 'mail', role: 'BACKUP', mac: undefined };
  const here = new Map([
    [formatIpv6(WEB_VIP), web],
    [formatIpv6(VRRP_VIP), vrrp],
    [formatIpv6(MAIL_VIP), mail],
  ]);
  const everywhere = new Set([...here.keys(), formatIpv6(LAN2_VIP)]);
  const conn = new FakeConn();
  const claims: Array<{ group: string; vip: string; kind: NdpClaimKind; mac: string }> = [];
  const responder = new NdpResponder({
    iface: 'eth0',
    conn,
    interfaceMac: () => IFACE_MAC,
    vips: { groupOf: (a) => here.get(formatIpv6(a)), isVip: (a) => everywhere.has(formatIpv6(a)) },
    router: (g) => g.name === 'web',
    onForeignClaim: (_iface, group, vip, kind, mac) => claims.push({ group: group.name, vip: formatIpv6(vip), kind, mac: formatMac(mac) }),
  });
  return { responder, conn, claims, groups: { web, vrrp, mail } };
}

interface TestFrame {
  frame: Buffer;
  packetType?: number;
  vlanTag?: number;
}

/** Frames in a batch of 256-byte slots, as the NDP socket delivers them (multicast unless told). */
function batchOf(frames: TestFrame[]): RxBatch {
  return rxBatch(
    256,
    frames.map((f) => ({ bytes: f.frame, packetType: f.packetType ?? PACKET_MULTICAST, vlanTag: f.vlanTag })),
  );
}

/** A multicast NS from the client for `target`, with its Source LLA option, edited by `edit` (checksum fixed after). */
// biome-ignore lint/suspicious/noConfusingVoidType: an edit changes the frame in place (void) or returns a new one
function ns(target: Ipv6Address, edit?: (f: Buffer) => Buffer | void, opts: { mac?: number; source?: Ipv6Address } = {}): Buffer {
  const f = Buffer.alloc(NDP_FRAME_LENGTH);
  encodeNs(f, 0, opts.mac ?? CLIENT_MAC, opts.source ?? CLIENT, target);
  return fixIcmpv6Checksum(edit?.(f) ?? f);
}

/** A unicast NUD probe: to the VIP itself at `ethDst`. */
function nud(target: Ipv6Address, ethDst: number): Buffer {
  return ns(target, (f) => {
    writeMac(f, 0, ethDst);
    writeIpv6(f, 38, target);
  });
}

/** A DAD probe for `target` from `mac`: source ::, no Source LLA option. */
function dad(target: Ipv6Address, mac = OTHER_MAC): Buffer {
  return ns(
    target,
    (f) => {
      const cut = Buffer.from(f.subarray(0, 78));
      cut.writeUInt16BE(24, 18);
      return cut;
    },
    { mac, source: UNSPECIFIED },
  );
}

function handle(responder: NdpResponder, ...frames: TestFrame[]): void {
  responder.handleBatch(batchOf(frames));
}

function nonZero(counts: Record<NdpOutcome, number>): Partial<Record<NdpOutcome, number>> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

t.test('a multicast NS for a VIP of a MASTER group is answered unicast to the solicitor, S=1 O=1, R from the group', async (t) => {
  const { responder, conn } = setup();
  handle(responder, { frame: ns(WEB_VIP) }, { frame: ns(VRRP_VIP) });
  t.same(nonZero(responder.counts), { answered: 2 });
  const [web, vrrp] = conn.sent;
  t.same(
    {
      ethDst: formatMac(web!.ethDst),
      ethSrc: formatMac(web!.ethSrc),
      src: formatIpv6(web!.source),
      dst: formatIpv6(web!.destination),
      target: formatIpv6(web!.target),
      r: web!.router,
      s: web!.solicited,
      o: web!.override,
      tlla: formatMac(web!.targetLla),
    },
    {
      ethDst: '02:00:00:00:00:02',
      ethSrc: '02:00:00:00:00:01',
      src: '2001:db8::10',
      dst: '2001:db8::2',
      target: '2001:db8::10',
      r: true,
      s: true,
      o: true,
      tlla: '02:00:00:00:00:01',
    },
  );
  t.equal(conn.raw[0]!.readUInt8(21), 255, 'hop limit 255');
  t.same(
    { ethSrc: formatMac(vrrp!.ethSrc), tlla: formatMac(vrrp!.targetLla), r: vrrp!.router },
    { ethSrc: '00:00:5e:00:02:0a', tlla: '00:00:5e:00:02:0a', r: false },
    'a group MAC answers with that MAC, R from its group',
  );
});

t.test('the NA is byte for byte what the codec writes for the NS', async (t) => {
  const { responder, conn } = setup();
  const frame = ns(WEB_VIP);
  handle(responder, { frame });
  const decoded = emptyNeighborSolicitation();
  t.equal(decodeNs(frame, 0, frame.length, decoded), undefined);
  const want = Buffer.alloc(NDP_FRAME_LENGTH);
  encodeNaReply(want, 0, decoded, IFACE_MAC, true);
  t.equal(conn.raw[0]!.toString('hex'), want.toString('hex'));
});

t.test('unicast NUD probes to the VIP are answered at the interface MAC and the group MAC, not at another MAC', async (t) => {
  const { responder, conn } = setup();
  handle(
    responder,
    { frame: nud(WEB_VIP, IFACE_MAC), packetType: PACKET_HOST },
    { frame: nud(VRRP_VIP, VRRP_MAC), packetType: PACKET_HOST },
    { frame: nud(VRRP_VIP, IFACE_MAC), packetType: PACKET_HOST },
    { frame: nud(WEB_VIP, OTHER_MAC), packetType: PACKET_HOST },
  );
  t.same(nonZero(responder.counts), { answered: 3, 'not-for-us': 1 });
  t.same(
    conn.sent.map((na) => [formatIpv6(na.destination), na.solicited]),
    [
      ['2001:db8::2', true],
      ['2001:db8::2', true],
      ['2001:db8::2', true],
    ],
  );
});

t.test('a DAD probe for our VIP is answered to ff02::1 with S=0 and reported as a foreign claim', async (t) => {
  const { responder, conn, claims } = setup();
  handle(responder, { frame: dad(WEB_VIP) });
  t.same(nonZero(responder.counts), { answered: 1 });
  const na = conn.sent[0]!;
  t.same([formatMac(na.ethDst), formatIpv6(na.destination), na.solicited, na.override], ['33:33:00:00:00:01', 'ff02::1', false, true]);
  t.same(claims, [{ group: 'web', vip: '2001:db8::10', kind: 'dad-probe', mac: '02:00:00:00:00:99' }]);
});

t.test("silent when not MASTER, for other interfaces' VIPs and for addresses that are no VIP", async (t) => {
  const { responder, conn, groups } = setup();
  handle(responder, { frame: ns(MAIL_VIP) }, { frame: ns(LAN2_VIP) }, { frame: ns(ip('2001:db8::77')) });
  t.same(nonZero(responder.counts), { 'not-master': 1, 'wrong-interface': 1, 'not-a-vip': 1 });
  groups.web.role = 'FAULT';
  handle(responder, { frame: ns(WEB_VIP) });
  t.equal(responder.counts['not-master'], 2);
  t.equal(conn.sent.length, 0);
});

t.test('an NS to another solicited-node group, or to the group at the wrong MAC, is not for us', async (t) => {
  const { responder, conn } = setup();
  const otherGroup = new Uint32Array(4);
  solicitedNodeAddress(ip('2001:db8::abcd'), otherGroup);
  handle(
    responder,
    {
      frame: ns(WEB_VIP, (f) => {
        writeIpv6(f, 38, otherGroup);
        writeMac(f, 0, multicastMac(otherGroup));
      }),
    },
    {
      frame: ns(WEB_VIP, (f) => {
        writeMac(f, 0, 0x3333_0000_0001);
      }),
    },
  );
  t.same(nonZero(responder.counts), { 'not-for-us': 2 });
  t.equal(conn.sent.length, 0);
});

t.test('every RFC 4861 §7.1.1 failure is counted by reason and never answered', async (t) => {
  const { responder, conn } = setup();
  const cases: Array<[Buffer, NdpOutcome]> = [
    [
      ns(WEB_VIP, (f) => {
        f[21] = 64;
      }),
      'malformed:hop-limit',
    ],
    [
      ns(WEB_VIP, (f) => {
        f[55] = 1;
      }),
      'malformed:icmp-code',
    ],
    [
      (() => {
        const f = ns(WEB_VIP);
        f[57] ^= 0xff;
        return f;
      })(),
      'malformed:checksum',
    ],
    [ns(WEB_VIP).subarray(0, 70), 'malformed:short'],
    [
      ns(WEB_VIP, (f) => {
        f.writeUInt16BE(16, 18);
      }),
      'malformed:icmp-length',
    ],
    [
      ns(WEB_VIP, (f) => {
        writeIpv6(f, 62, ip('ff02::1'));
      }),
      'malformed:target-multicast',
    ],
    [
      ns(WEB_VIP, (f) => {
        f[79] = 0;
      }),
      'malformed:option-length',
    ],
    [
      ns(WEB_VIP, (f) => {
        f[79] = 2;
        const g = Buffer.concat([f, Buffer.alloc(8)]);
        g.writeUInt16BE(40, 18);
        return g;
      }),
      'malformed:source-lla',
    ],
    [
      ns(WEB_VIP, (f) => {
        f.fill(0, 22, 38);
        writeIpv6(f, 38, WEB_VIP);
      }),
      'malformed:dad-destination',
    ],
    [
      ns(WEB_VIP, (f) => {
        f.fill(0, 22, 38);
      }),
      'malformed:dad-source-lla',
    ],
    [
      ns(WEB_VIP, (f) => {
        f[20] = 17;
      }),
      'malformed:not-icmpv6',
    ],
    [
      ns(WEB_VIP, (f) => {
        f[54] = 128;
      }),
      'malformed:not-ns',
    ],
  ];
  handle(responder, ...cases.map(([frame]) => ({ frame })));
  const want: Partial<Record<NdpOutcome, number>> = {};
  for (const [, o] of cases) want[o] = 1;
  t.same(nonZero(responder.counts), want);
  t.equal(conn.sent.length, 0);
  // A valid NS in the same batch as a bad one is still answered.
  handle(
    responder,
    {
      frame: ns(WEB_VIP, (f) => {
        f[21] = 1;
      }),
    },
    { frame: ns(WEB_VIP) },
  );
  t.equal(conn.sent.length, 1);
});

t.test('a multicast or loopback source is martian', async (t) => {
  const { responder, conn } = setup();
  handle(responder, { frame: ns(WEB_VIP, undefined, { source: ip('ff02::1') }) }, { frame: ns(WEB_VIP, undefined, { source: ip('::1') }) });
  t.same(nonZero(responder.counts), { 'martian-source': 2 });
  t.equal(conn.sent.length, 0);
});

t.test('link layer: a foreign VLAN tag and PACKET_OTHERHOST frames are dropped first', async (t) => {
  const { responder, conn } = setup();
  handle(responder, { frame: ns(WEB_VIP), vlanTag: 7 }, { frame: nud(WEB_VIP, OTHER_MAC), packetType: PACKET_OTHERHOST });
  t.same(nonZero(responder.counts), { 'foreign-vlan': 1, 'other-host': 1 });
  t.equal(conn.sent.length, 0);
});

t.test('an NA for our VIP from another MAC is a foreign claim; our own, or one for another address, is not', async (t) => {
  const { responder, conn, claims } = setup();
  const na = (mac: number, target: Ipv6Address) => {
    const f = Buffer.alloc(NDP_FRAME_LENGTH);
    encodeUnsolicitedNa(f, 0, mac, target, false);
    return f;
  };
  handle(
    responder,
    { frame: na(OTHER_MAC, WEB_VIP) },
    { frame: na(IFACE_MAC, WEB_VIP) },
    { frame: na(VRRP_MAC, VRRP_VIP) },
    { frame: na(OTHER_MAC, ip('2001:db8::77')) },
  );
  t.same(nonZero(responder.counts), { advertisement: 4 });
  t.same(claims, [{ group: 'web', vip: '2001:db8::10', kind: 'advertisement', mac: '02:00:00:00:00:99' }]);
  // S=1 to a multicast destination is invalid (§7.1.2): counted, and no claim.
  const bad = na(OTHER_MAC, WEB_VIP);
  bad[58] |= 0x40;
  handle(responder, { frame: fixIcmpv6Checksum(bad) });
  t.equal(responder.counts['malformed-na:solicited-multicast'], 1);
  t.equal(claims.length, 1);
  t.equal(conn.sent.length, 0);
});

t.test("a solicited NA (S=1) for our VIP from another MAC is an answer to someone's NS: claim kind solicited-advertisement", async (t) => {
  const { responder, conn, claims } = setup();
  /** `mac`'s answer to the director's own NS for `target` (as `probe` sends it): unicast to the director, S=1. */
  const answer = (mac: number, target: Ipv6Address) => {
    const solicitation = emptyNeighborSolicitation();
    const q = ns(target, undefined, { mac: IFACE_MAC, source: ip('fe80::1') });
    if (decodeNs(q, 0, q.length, solicitation) !== undefined) throw new Error('bad NS');
    const f = Buffer.alloc(NDP_FRAME_LENGTH);
    encodeNaReply(f, 0, solicitation, mac, false);
    return f;
  };
  handle(
    responder,
    { frame: answer(OTHER_MAC, WEB_VIP), packetType: PACKET_HOST },
    { frame: answer(IFACE_MAC, WEB_VIP), packetType: PACKET_HOST },
    { frame: answer(OTHER_MAC, ip('2001:db8::77')), packetType: PACKET_HOST },
  );
  t.same(nonZero(responder.counts), { advertisement: 3 }, 'counted as NAs, never answered');
  t.same(claims, [{ group: 'web', vip: '2001:db8::10', kind: 'solicited-advertisement', mac: '02:00:00:00:00:99' }]);
  t.equal(conn.sent.length, 0);
  t.same(
    [classifyAdvertisement({ solicited: true }), classifyAdvertisement({ solicited: false })],
    ['solicited-advertisement', 'advertisement'],
    'by the S flag alone',
  );
});

t.test('an NS whose source is our VIP from another MAC is a foreign claim (and answered when its target is ours)', async (t) => {
  const { responder, claims } = setup();
  handle(
    responder,
    { frame: ns(ip('2001:db8::1'), undefined, { mac: OTHER_MAC, source: WEB_VIP }) },
    { frame: ns(WEB_VIP, undefined, { mac: IFACE_MAC, source: WEB_VIP }) },
  );
  t.same(claims, [{ group: 'web', vip: '2001:db8::10', kind: 'solicitation-source', mac: '02:00:00:00:00:99' }]);
});
