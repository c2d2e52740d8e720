/**
 * The NDP socket filter (src/wire/ndp-filter.ts), run by a classic BPF
 * interpreter against hand-built frames: NS and NA pass (cut at 256 bytes),
 * whatever their hop limit; every other frame is dropped in the kernel.
 * And probe's filter (naSocketFilter): NAs only.
 */
import t from 'tap';
import { naSocketFilter, ndpSocketFilter, NDP_FILTER_CUT } from '../../src/wire/ndp-filter.js';
import { arpSocketFilter } from '../../src/wire/arp-filter.js';
import { encodeNs, encodeUnsolicitedNa, NDP_FRAME_LENGTH } from '../../src/wire/ndp.js';
import { encodeArpRequest } from '../../src/wire/arp.js';
import { parseIpv6 } from '../../src/wire/ipv6.js';
import { parseIpv4 } from '../../src/wire/ipv4.js';
import { runFilter } from './cbpf-interpreter.js';

const MAC = 0x0200_0000_0002;
function ip6(text: string): Uint32Array {
  const a = new Uint32Array(4);
  parseIpv6(text, a);
  return a;
}
const SOURCE = ip6('2001:db8::2');
const VIP = ip6('2001:db8::10');

function nsFrame(): Buffer {
  const f = Buffer.alloc(NDP_FRAME_LENGTH);
  encodeNs(f, 0, MAC, SOURCE, VIP);
  return f;
}

/** An Ethernet/IPv6 frame with next header `nextHeader` and `payload` bytes of payload, the first being `firstByte`. */
function ipv6Frame(nextHeader: number, firstByte: number, payload = 32): Buffer {
  const f = nsFrame().subarray(0, 54);
  const g = Buffer.concat([f, Buffer.alloc(payload)]);
  g[20] = nextHeader;
  g.writeUInt16BE(payload, 18);
  g[54] = firstByte;
  return g;
}

const filter = ndpSocketFilter();

t.test('NS and NA pass whole', async (t) => {
  t.equal(runFilter(filter, nsFrame()), NDP_FRAME_LENGTH);
  const na = Buffer.alloc(NDP_FRAME_LENGTH);
  encodeUnsolicitedNa(na, 0, MAC, VIP, false);
  t.equal(runFilter(filter, na), NDP_FRAME_LENGTH);
});

t.test('an NS with a hop limit other than 255 passes, to be counted malformed', async (t) => {
  const f = nsFrame();
  f[21] = 64;
  t.equal(runFilter(filter, f), NDP_FRAME_LENGTH);
});

t.test('a long NS is cut at NDP_FILTER_CUT bytes; a cut one passes as it is', async (t) => {
  t.equal(runFilter(filter, Buffer.concat([nsFrame(), Buffer.alloc(1000)])), NDP_FILTER_CUT);
  t.equal(runFilter(filter, nsFrame().subarray(0, 60)), 60);
});

t.test('every other IPv6 packet is dropped: UDP, TCP, ICMPv6 echo, router and redirect messages, extension headers', async (t) => {
  t.equal(runFilter(filter, ipv6Frame(17, 135)), 0, 'UDP whose first payload byte looks like an NS type');
  t.equal(runFilter(filter, ipv6Frame(6, 0)), 0, 'TCP');
  for (const type of [1, 128, 129, 130, 133, 134, 137, 143]) t.equal(runFilter(filter, ipv6Frame(58, type)), 0, `ICMPv6 type ${type}`);
  t.equal(runFilter(filter, ipv6Frame(0, 58)), 0, 'a hop-by-hop header before ICMPv6');
});

t.test('non-IPv6 frames and frames too short to hold the ICMPv6 type are dropped', async (t) => {
  const arp = Buffer.alloc(42);
  encodeArpRequest(arp, 0, MAC, parseIpv4('192.0.2.2')!, parseIpv4('192.0.2.1')!);
  t.equal(runFilter(filter, arp), 0, 'ARP');
  const ipv4 = nsFrame();
  ipv4.writeUInt16BE(0x0800, 12);
  t.equal(runFilter(filter, ipv4), 0, 'IPv4 EtherType');
  t.equal(runFilter(filter, nsFrame().subarray(0, 54)), 0, '54 bytes: no ICMPv6 type');
  t.equal(runFilter(filter, nsFrame().subarray(0, 12)), 0, 'no EtherType');
});

t.test('the ARP filter, assembled by the same assembler, still passes ARP and drops NDP', async (t) => {
  const arp = Buffer.alloc(60);
  encodeArpRequest(arp, 0, MAC, parseIpv4('192.0.2.2')!, parseIpv4('192.0.2.1')!);
  t.equal(runFilter(arpSocketFilter(), arp), 42);
  t.equal(runFilter(arpSocketFilter(), nsFrame()), 0);
});

t.test("probe's filter passes NAs only: not NS, not other ICMPv6, not ARP", async (t) => {
  const na = Buffer.alloc(NDP_FRAME_LENGTH);
  encodeUnsolicitedNa(na, 0, MAC, VIP, false);
  const probeFilter = naSocketFilter();
  t.equal(runFilter(probeFilter, na), NDP_FRAME_LENGTH, 'NA passes');
  t.equal(runFilter(probeFilter, Buffer.concat([na, Buffer.alloc(1000)])), NDP_FILTER_CUT, 'cut like the NDP socket');
  t.equal(runFilter(probeFilter, nsFrame()), 0, 'NS dropped');
  t.equal(runFilter(probeFilter, ipv6Frame(58, 128)), 0, 'echo request dropped');
  t.equal(runFilter(probeFilter, ipv6Frame(17, 136)), 0, 'UDP whose first byte is 136 dropped');
});
