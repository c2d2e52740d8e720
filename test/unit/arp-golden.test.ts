/**
 * Golden bytes for every ARP encoder and the socket filter: each frame is
 * compared with bytes written out by hand, field by field from RFC 826
 * (ar$hrd ... ar$tpa), and with frames the Linux kernel wrote
 * (fixtures/kernel-frames.ts). Decoding our own output again would pass a
 * byte-order bug present in both directions; these do not.
 */
import t from 'tap';
import os from 'node:os';
import { ARP_FRAME_LENGTH, decodeArp, emptyArpFrame, encodeArp, encodeArpReply, encodeArpRequest, encodeGarp } from '../../src/wire/arp.js';
import { arpSocketFilter } from '../../src/wire/arp-filter.js';
import { parseMac } from '../../src/wire/mac.js';
import { parseIpv4 } from '../../src/wire/ipv4.js';
import { KERNEL_ARP_REPLY, KERNEL_ARP_REQUEST, KERNEL_GARP_REQUEST } from './fixtures/kernel-frames.js';
import { encoded, hex } from './golden-bytes.js';

// Every byte of each address differs, so a swapped or shifted field shows.
const OUR_MAC = parseMac('0a:1b:2c:3d:4e:5f')!;
const PEER_MAC = parseMac('02:a0:b1:c2:d3:e4')!;
const VIP = parseIpv4('198.51.100.10')!; // c6 33 64 0a
const PEER_IP = parseIpv4('192.0.2.77')!; // c0 00 02 4d

const ETHERNET_ARP_HEADER = [
  '08 06', // Ethernet type: ARP
  '00 01', // ar$hrd: Ethernet (1)
  '08 00', // ar$pro: IPv4
  '06', // ar$hln: 6-byte hardware addresses
  '04', // ar$pln: 4-byte protocol addresses
];

t.test('encodeArpRequest writes the RFC 826 request byte for byte', async (t) => {
  const got = encoded(t, ARP_FRAME_LENGTH, (buf) => encodeArpRequest(buf, 0, OUR_MAC, PEER_IP, VIP));
  t.equal(
    got.toString('hex'),
    hex(
      'ff ff ff ff ff ff', // Ethernet destination: broadcast
      '0a 1b 2c 3d 4e 5f', // Ethernet source: our MAC
      ...ETHERNET_ARP_HEADER,
      '00 01', // ar$op: REQUEST
      '0a 1b 2c 3d 4e 5f', // ar$sha: our MAC
      'c0 00 02 4d', // ar$spa: 192.0.2.77
      '00 00 00 00 00 00', // ar$tha: unknown, zero
      'c6 33 64 0a', // ar$tpa: 198.51.100.10
    ).toString('hex'),
  );
});

t.test('encodeArpReply writes the RFC 826 reply byte for byte: unicast, the fields swapped', async (t) => {
  const request = emptyArpFrame();
  const wire = Buffer.alloc(ARP_FRAME_LENGTH);
  encodeArpRequest(wire, 0, PEER_MAC, PEER_IP, VIP);
  decodeArp(wire, 0, ARP_FRAME_LENGTH, request);
  const got = encoded(t, ARP_FRAME_LENGTH, (buf) => encodeArpReply(buf, 0, request, OUR_MAC, VIP));
  t.equal(
    got.toString('hex'),
    hex(
      '02 a0 b1 c2 d3 e4', // Ethernet destination: the requester
      '0a 1b 2c 3d 4e 5f', // Ethernet source: our MAC
      ...ETHERNET_ARP_HEADER,
      '00 02', // ar$op: REPLY
      '0a 1b 2c 3d 4e 5f', // ar$sha: our MAC
      'c6 33 64 0a', // ar$spa: the VIP
      '02 a0 b1 c2 d3 e4', // ar$tha: the requester's ar$sha
      'c0 00 02 4d', // ar$tpa: the requester's ar$spa
    ).toString('hex'),
  );
});

t.test('encodeArpReply to an RFC 5227 probe writes ar$tpa 0.0.0.0', async (t) => {
  const probe = { ...emptyArpFrame(), ethDst: 0xffff_ffff_ffff, ethSrc: PEER_MAC, op: 1, senderMac: PEER_MAC, targetIp: VIP };
  const got = encoded(t, ARP_FRAME_LENGTH, (buf) => encodeArpReply(buf, 0, probe, OUR_MAC, VIP));
  t.equal(
    got.toString('hex'),
    hex(
      '02 a0 b1 c2 d3 e4', // Ethernet destination: the prober
      '0a 1b 2c 3d 4e 5f', // Ethernet source: our MAC
      ...ETHERNET_ARP_HEADER,
      '00 02', // ar$op: REPLY
      '0a 1b 2c 3d 4e 5f', // ar$sha: our MAC
      'c6 33 64 0a', // ar$spa: the VIP
      '02 a0 b1 c2 d3 e4', // ar$tha: the prober
      '00 00 00 00', // ar$tpa: the probe's ar$spa, 0.0.0.0
    ).toString('hex'),
  );
});

t.test('encodeGarp request form writes an RFC 5227 announcement byte for byte (arping -U)', async (t) => {
  const got = encoded(t, ARP_FRAME_LENGTH, (buf) => encodeGarp(buf, 0, 'request', OUR_MAC, VIP));
  t.equal(
    got.toString('hex'),
    hex(
      'ff ff ff ff ff ff', // Ethernet destination: broadcast
      '0a 1b 2c 3d 4e 5f', // Ethernet source: our MAC
      ...ETHERNET_ARP_HEADER,
      '00 01', // ar$op: REQUEST
      '0a 1b 2c 3d 4e 5f', // ar$sha: our MAC
      'c6 33 64 0a', // ar$spa: the VIP
      '00 00 00 00 00 00', // ar$tha: zero
      'c6 33 64 0a', // ar$tpa: the VIP again
    ).toString('hex'),
  );
});

t.test('encodeGarp reply form writes ar$op REPLY and ar$tha = our MAC byte for byte (arping -A)', async (t) => {
  const got = encoded(t, ARP_FRAME_LENGTH, (buf) => encodeGarp(buf, 0, 'reply', OUR_MAC, VIP));
  t.equal(
    got.toString('hex'),
    hex(
      'ff ff ff ff ff ff', // Ethernet destination: broadcast
      '0a 1b 2c 3d 4e 5f', // Ethernet source: our MAC
      ...ETHERNET_ARP_HEADER,
      '00 02', // ar$op: REPLY
      '0a 1b 2c 3d 4e 5f', // ar$sha: our MAC
      'c6 33 64 0a', // ar$spa: the VIP
      '0a 1b 2c 3d 4e 5f', // ar$tha: our MAC
      'c6 33 64 0a', // ar$tpa: the VIP
    ).toString('hex'),
  );
});

t.test('encodeArp writes every field where it is told and touches no byte outside the frame', async (t) => {
  const buf = Buffer.alloc(5 + ARP_FRAME_LENGTH + 5, 0xee);
  const frame = { ethDst: PEER_MAC, ethSrc: OUR_MAC, op: 0x0102, senderMac: OUR_MAC, senderIp: VIP, targetMac: PEER_MAC, targetIp: PEER_IP };
  t.equal(encodeArp(buf, 5, frame), ARP_FRAME_LENGTH);
  t.equal(
    buf.toString('hex'),
    hex(
      'ee ee ee ee ee', // before the frame: untouched
      '02 a0 b1 c2 d3 e4', // Ethernet destination
      '0a 1b 2c 3d 4e 5f', // Ethernet source
      ...ETHERNET_ARP_HEADER,
      '01 02', // ar$op as given, high byte first
      '0a 1b 2c 3d 4e 5f', // ar$sha
      'c6 33 64 0a', // ar$spa
      '02 a0 b1 c2 d3 e4', // ar$tha
      'c0 00 02 4d', // ar$tpa
      'ee ee ee ee ee', // after the frame: untouched
    ).toString('hex'),
  );
});

t.test('encodeArpRequest writes what the Linux kernel writes for the same request', async (t) => {
  const got = encoded(t, ARP_FRAME_LENGTH, (buf) => encodeArpRequest(buf, 0, parseMac('02:00:00:00:00:02')!, parseIpv4('192.0.2.2')!, parseIpv4('192.0.2.1')!));
  t.equal(got.toString('hex'), KERNEL_ARP_REQUEST);
});

t.test("encodeArpReply answers the kernel's request with the bytes the kernel answered it with", async (t) => {
  const request = emptyArpFrame();
  t.equal(decodeArp(Buffer.from(KERNEL_ARP_REQUEST, 'hex'), 0, ARP_FRAME_LENGTH, request), undefined, 'the kernel request decodes');
  const got = encoded(t, ARP_FRAME_LENGTH, (buf) => encodeArpReply(buf, 0, request, parseMac('02:00:00:00:00:01')!, parseIpv4('192.0.2.1')!));
  t.equal(got.toString('hex'), KERNEL_ARP_REPLY);
});

t.test('encodeGarp request form writes what the kernel sends for arp_notify', async (t) => {
  const got = encoded(t, ARP_FRAME_LENGTH, (buf) => encodeGarp(buf, 0, 'request', parseMac('02:00:00:00:00:03')!, parseIpv4('192.0.2.1')!));
  t.equal(got.toString('hex'), KERNEL_GARP_REQUEST);
});

t.test('arpSocketFilter is the hand-assembled struct sock_filter program', async (t) => {
  // Little-endian struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }, as
  // `tcpdump -dd` would print it: { code, jt, jf, k }.
  const littleEndian = hex(
    '2800 00 00 0c000000', // { 0x28, 0, 0, 12 }     ldh [12]           ethertype
    '1500 00 0c 06080000', // { 0x15, 0, 12, 0x806 } jeq #0x806 else drop
    '8000 00 00 00000000', // { 0x80, 0, 0, 0 }      ld #len
    '3500 00 09 16000000', // { 0x35, 0, 9, 22 }     jge #22 else stub
    '2800 00 00 0e000000', // { 0x28, 0, 0, 14 }     ldh [14]           htype
    '1500 00 07 01000000', // { 0x15, 0, 7, 1 }      jeq #1 else stub
    '2800 00 00 10000000', // { 0x28, 0, 0, 16 }     ldh [16]           ptype
    '1500 00 05 00080000', // { 0x15, 0, 5, 0x800 }  jeq #0x800 else stub
    '3000 00 00 12000000', // { 0x30, 0, 0, 18 }     ldb [18]           hlen
    '1500 00 03 06000000', // { 0x15, 0, 3, 6 }      jeq #6 else stub
    '3000 00 00 13000000', // { 0x30, 0, 0, 19 }     ldb [19]           plen
    '1500 00 01 04000000', // { 0x15, 0, 1, 4 }      jeq #4 else stub
    '0600 00 00 2a000000', // { 0x06, 0, 0, 42 }     ret #42            whole: the ARP frame
    '0600 00 00 16000000', // { 0x06, 0, 0, 22 }     ret #22            stub: the ARP header
    '0600 00 00 00000000', // { 0x06, 0, 0, 0 }      ret #0             drop
  );
  const want = Buffer.from(littleEndian);
  if (os.endianness() === 'BE') {
    for (let i = 0; i < want.length; i += 8) {
      want.writeUInt16BE(littleEndian.readUInt16LE(i), i);
      want.writeUInt32BE(littleEndian.readUInt32LE(i + 4), i + 4);
    }
  }
  t.equal(arpSocketFilter().toString('hex'), want.toString('hex'));
});
