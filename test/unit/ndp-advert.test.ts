/**
 * The NA decoder (src/wire/ndp-advert.ts): the kernel's own NAs decoded field
 * by field, our encoders' NAs read back, and every RFC 4861 §7.1.2 check as
 * its own reason.
 */
import t from 'tap';
import { advertisedMac, decodeNa, emptyNeighborAdvertisement, type NaInvalidReason } from '../../src/wire/ndp-advert.js';
import { emptyNeighborSolicitation, encodeNaReply, encodeNs, encodeUnsolicitedNa, NDP_FRAME_LENGTH } from '../../src/wire/ndp.js';
import { formatIpv6 } from '../../src/wire/ipv6.js';
import { formatMac, parseMac } from '../../src/wire/mac.js';
import { KERNEL_NA, KERNEL_UNSOLICITED_NA } from './fixtures/kernel-frames.js';
import { fixIcmpv6Checksum, hex, ipv6 as ip } from './golden-bytes.js';

// biome-ignore lint/suspicious/noConfusingVoidType: an edit changes the frame in place (void) or returns a new one
function kernelNaWith(edit: (f: Buffer) => Buffer | void, keepChecksum = false): Buffer {
  const f = Buffer.from(KERNEL_NA, 'hex');
  const edited = edit(f) ?? f;
  return keepChecksum ? edited : fixIcmpv6Checksum(edited);
}

function view(buf: Buffer, length = buf.length): Record<string, unknown> {
  const out = emptyNeighborAdvertisement();
  const reason = decodeNa(buf, 0, length, out);
  if (reason !== undefined) return { reason };
  return {
    ethDst: formatMac(out.ethDst),
    ethSrc: formatMac(out.ethSrc),
    source: formatIpv6(out.source),
    destination: formatIpv6(out.destination),
    target: formatIpv6(out.target),
    router: out.router,
    solicited: out.solicited,
    override: out.override,
    hasTargetLla: out.hasTargetLla,
    targetLla: formatMac(out.targetLla),
    advertised: formatMac(advertisedMac(out)),
  };
}

t.test("decodeNa reads the kernel's solicited and unsolicited NAs", async (t) => {
  t.same(view(Buffer.from(KERNEL_NA, 'hex')), {
    ethDst: '02:00:00:00:00:02',
    ethSrc: '02:00:00:00:00:01',
    source: '2001:db8::1',
    destination: '2001:db8::2',
    target: '2001:db8::1',
    router: false,
    solicited: true,
    override: true,
    hasTargetLla: true,
    targetLla: '02:00:00:00:00:01',
    advertised: '02:00:00:00:00:01',
  });
  t.match(view(Buffer.from(KERNEL_UNSOLICITED_NA, 'hex')), { destination: 'ff02::1', solicited: false, override: true, targetLla: '02:00:00:00:00:03' });
});

t.test("decodeNa reads back ndp.ts's NAs", async (t) => {
  const mac = parseMac('02:00:00:00:0a:0a')!;
  const buf = Buffer.alloc(NDP_FRAME_LENGTH);
  encodeUnsolicitedNa(buf, 0, mac, ip('2001:db8::10'), true);
  t.match(view(buf), { target: '2001:db8::10', router: true, solicited: false, override: true, targetLla: '02:00:00:00:0a:0a' });
  const ns = emptyNeighborSolicitation();
  ns.source.set(ip('fe80::1'));
  ns.target.set(ip('2001:db8::10'));
  ns.hasSourceLla = true;
  ns.sourceLla = parseMac('02:00:00:00:00:02')!;
  encodeNaReply(buf, 0, ns, mac, false);
  t.match(view(buf), { destination: 'fe80::1', ethDst: '02:00:00:00:00:02', router: false, solicited: true, override: true });
});

t.test('decodeNa: each invalid NA has its own reason', async (t) => {
  const cases: Array<{ desc: string; frame: Buffer; length?: number; want: NaInvalidReason }> = [
    { desc: 'cut in the IPv6 header', frame: Buffer.from(KERNEL_NA, 'hex').subarray(0, 40), want: 'short' },
    { desc: 'cut in the message', frame: Buffer.from(KERNEL_NA, 'hex').subarray(0, 80), want: 'short' },
    { desc: 'wire length shorter than the payload length says', frame: Buffer.from(KERNEL_NA, 'hex'), length: 84, want: 'short' },
    {
      desc: 'ARP ethertype',
      frame: kernelNaWith((f) => {
        f.writeUInt16BE(0x0806, 12);
      }),
      want: 'not-ipv6',
    },
    {
      desc: 'IP version 4',
      frame: kernelNaWith((f) => {
        f[14] = 0x45;
      }),
      want: 'not-ipv6',
    },
    {
      desc: 'UDP',
      frame: kernelNaWith((f) => {
        f[20] = 17;
      }),
      want: 'not-icmpv6',
    },
    {
      desc: 'an NS',
      frame: kernelNaWith((f) => {
        f[54] = 135;
      }),
      want: 'not-na',
    },
    {
      desc: 'hop limit 254 (crossed a router)',
      frame: kernelNaWith((f) => {
        f[21] = 254;
      }),
      want: 'hop-limit',
    },
    {
      desc: 'code 1',
      frame: kernelNaWith((f) => {
        f[55] = 1;
      }),
      want: 'icmp-code',
    },
    {
      desc: 'ICMPv6 length 16',
      frame: kernelNaWith((f) => {
        f.writeUInt16BE(16, 18);
      }, true),
      want: 'icmp-length',
    },
    {
      desc: 'checksum off by one',
      frame: kernelNaWith((f) => {
        f[57] = f[57]! ^ 1;
      }, true),
      want: 'checksum',
    },
    {
      desc: 'multicast target',
      frame: kernelNaWith((f) => {
        f[62] = 0xff;
      }),
      want: 'target-multicast',
    },
    {
      desc: 'S=1 to a multicast destination',
      frame: kernelNaWith((f) => {
        hex('ff02 0000 0000 0000 0000 0000 0000 0001').copy(f, 38);
      }),
      want: 'solicited-multicast',
    },
    {
      desc: 'zero-length option',
      frame: kernelNaWith((f) => {
        f[79] = 0;
      }),
      want: 'option-length',
    },
    {
      desc: 'option longer than the message',
      frame: kernelNaWith((f) => {
        f[79] = 2;
      }),
      want: 'option-length',
    },
    {
      desc: 'Target LLA option of two units',
      want: 'target-lla',
      frame: kernelNaWith((f) => {
        const grown = Buffer.concat([f, Buffer.alloc(8)]);
        grown[79] = 2;
        grown.writeUInt16BE(grown.length - 54, 18);
        return grown;
      }),
    },
  ];
  for (const c of cases) t.same(view(c.frame, c.length ?? c.frame.length), { reason: c.want }, c.desc);
});

t.test('an NA without the Target LLA option is advertised by its Ethernet source; other options are skipped', async (t) => {
  const bare = kernelNaWith((f) => {
    const cut = f.subarray(0, 78);
    cut.writeUInt16BE(24, 18);
    return Buffer.from(cut);
  });
  t.match(view(bare), { hasTargetLla: false, advertised: '02:00:00:00:00:01' });
  const withNonce = kernelNaWith((f) => {
    const grown = Buffer.concat([f.subarray(0, 78), hex('0e01 0102 0304 0506'), f.subarray(78)]);
    grown.writeUInt16BE(grown.length - 54, 18);
    return grown;
  });
  t.match(view(withNonce), { hasTargetLla: true, targetLla: '02:00:00:00:00:01' });
});

t.test('an NS encoded by ndp.ts is not an NA', async (t) => {
  const buf = Buffer.alloc(NDP_FRAME_LENGTH);
  encodeNs(buf, 0, parseMac('02:00:00:00:00:01')!, ip('fe80::1'), ip('2001:db8::10'));
  t.same(view(buf), { reason: 'not-na' });
});
