/**
 * The NDP codec: every RFC 4861 §7.1.1 check as its own reason, golden bytes
 * for every encoder (hand-written field by field, and frames the Linux kernel
 * wrote, fixtures/kernel-frames.ts), the checksums confirmed by tshark.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeNs,
  emptyNeighborSolicitation,
  encodeNaReply,
  encodeNs,
  encodeUnsolicitedNa,
  NDP_FRAME_LENGTH,
  NS_INVALID_REASONS,
  type NeighborSolicitation,
  type NsInvalidReason,
} from '../../src/wire/ndp.js';
import { formatIpv6 } from '../../src/wire/ipv6.js';
import { formatMac, parseMac } from '../../src/wire/mac.js';
import { KERNEL_DAD_NS, KERNEL_NA, KERNEL_NS, KERNEL_UNSOLICITED_NA, KERNEL_UNSOLICITED_NA_AFTER_DAD } from './fixtures/kernel-frames.js';
import { seededRandomFor } from './seeded-random.js';
import { encoded, fixIcmpv6Checksum, hex, ipv6 as ip } from './golden-bytes.js';

/** KERNEL_NS changed by `edit`, its checksum made right again unless `keepChecksum`. */
// biome-ignore lint/suspicious/noConfusingVoidType: an edit changes the frame in place (void) or returns a new one
function kernelNsWith(edit: (frame: Buffer) => Buffer | void, keepChecksum = false): Buffer {
  const frame = Buffer.from(KERNEL_NS, 'hex');
  const edited = edit(frame) ?? frame;
  return keepChecksum ? edited : fixIcmpv6Checksum(edited);
}

/** KERNEL_NS with its ICMPv6 message grown by `extra` option bytes (payload length follows). */
function withOptions(...extra: string[]): Buffer {
  return kernelNsWith((f) => {
    const grown = Buffer.concat([f, hex(...extra)]);
    grown.writeUInt16BE(grown.length - 54, 18);
    return grown;
  });
}

/** As a DAD probe: source ::, the Source LLA option replaced by a nonce option. */
function asDadProbe(f: Buffer): void {
  f.fill(0, 22, 38);
  hex('0e 01 01 02 03 04 05 06').copy(f, 78);
}

const CLIENT_MAC = parseMac('02:00:00:00:00:02')!;
const SERVER_MAC = parseMac('02:00:00:00:00:01')!;

t.test("decodeNs reads every field of the kernel's NS", async (t) => {
  const out = emptyNeighborSolicitation();
  t.equal(decodeNs(Buffer.from(KERNEL_NS, 'hex'), 0, 86, out), undefined);
  t.same(
    { ...out, source: formatIpv6(out.source), destination: formatIpv6(out.destination), target: formatIpv6(out.target) },
    {
      ethDst: parseMac('33:33:ff:00:00:01'),
      ethSrc: CLIENT_MAC,
      source: '2001:db8::2',
      destination: 'ff02::1:ff00:1',
      target: '2001:db8::1',
      hasSourceLla: true,
      sourceLla: CLIENT_MAC,
    },
  );
});

t.test("decodeNs reads the kernel's DAD probe: from ::, no Source LLA, its nonce option skipped", async (t) => {
  const out = emptyNeighborSolicitation();
  out.hasSourceLla = true; // left over from an earlier frame: must be reset
  t.equal(decodeNs(Buffer.from(KERNEL_DAD_NS, 'hex'), 0, 86, out), undefined);
  t.equal(formatIpv6(out.source), '::');
  t.equal(formatIpv6(out.destination), 'ff02::1:ff00:10');
  t.equal(formatIpv6(out.target), '2001:db8::10');
  t.equal(out.hasSourceLla, false);
});

const accepted: Array<{ desc: string; frame: Buffer; length?: number; check?: (t: Test, out: NeighborSolicitation) => void }> = [
  { desc: 'an NS with Ethernet padding after it', frame: Buffer.concat([Buffer.from(KERNEL_NS, 'hex'), Buffer.alloc(14, 0xa5)]), length: 100 },
  { desc: 'an NS cut after its message, as a socket filter may cut it', frame: Buffer.from(KERNEL_NS, 'hex'), length: 100 },
  {
    desc: 'a unicast NUD probe without a Source LLA option',
    frame: kernelNsWith((f) => {
      hex('20010db8000000000000000000000001').copy(f, 38); // to the target itself
      f.writeUInt16BE(24, 18);
      return f.subarray(0, 78);
    }),
    check: (t, out) => {
      t.equal(formatIpv6(out.destination), '2001:db8::1');
      t.equal(out.hasSourceLla, false);
    },
  },
  {
    desc: 'an NS with an unknown option and a second Source LLA option (the first counts)',
    frame: withOptions('0e 01 01 02 03 04 05 06', '01 01 02 ff ff ff ff ff'),
    check: (t, out) => t.equal(formatMac(out.sourceLla), '02:00:00:00:00:02'),
  },
];

for (const c of accepted) {
  t.test(`decodeNs accepts ${c.desc}`, async (t) => {
    const out = emptyNeighborSolicitation();
    t.equal(decodeNs(c.frame, 0, c.length ?? c.frame.length, out), undefined);
    t.equal(formatIpv6(out.target), '2001:db8::1');
    c.check?.(t, out);
  });
}

const rejections: Array<{ desc: string; frame: Buffer; length?: number; want: NsInvalidReason }> = [
  { desc: 'a frame too short for the headers', frame: Buffer.from(KERNEL_NS, 'hex').subarray(0, 57), want: 'short' },
  { desc: 'a buffer that holds less than the message', frame: Buffer.from(KERNEL_NS, 'hex').subarray(0, 85), length: 86, want: 'short' },
  {
    desc: 'a payload length past the frame',
    frame: kernelNsWith((f) => {
      f.writeUInt16BE(40, 18);
    }, true),
    want: 'short',
  },
  {
    desc: 'an IPv4 ethertype',
    frame: kernelNsWith((f) => {
      f.writeUInt16BE(0x0800, 12);
    }),
    want: 'not-ipv6',
  },
  {
    desc: 'IP version 4 in the IPv6 header',
    frame: kernelNsWith((f) => {
      f[14] = 0x40;
    }),
    want: 'not-ipv6',
  },
  {
    desc: 'next header UDP',
    frame: kernelNsWith((f) => {
      f[20] = 17;
    }, true),
    want: 'not-icmpv6',
  },
  {
    desc: 'a hop-by-hop extension header',
    frame: kernelNsWith((f) => {
      f[20] = 0;
    }, true),
    want: 'not-icmpv6',
  },
  {
    desc: 'an NA',
    frame: kernelNsWith((f) => {
      f[54] = 136;
    }),
    want: 'not-ns',
  },
  {
    desc: 'an echo request',
    frame: kernelNsWith((f) => {
      f[54] = 128;
    }),
    want: 'not-ns',
  },
  {
    desc: 'hop limit 254 (it crossed a router)',
    frame: kernelNsWith((f) => {
      f[21] = 254;
    }),
    want: 'hop-limit',
  },
  {
    desc: 'hop limit 64',
    frame: kernelNsWith((f) => {
      f[21] = 64;
    }),
    want: 'hop-limit',
  },
  {
    desc: 'ICMP code 1',
    frame: kernelNsWith((f) => {
      f[55] = 1;
    }),
    want: 'icmp-code',
  },
  {
    desc: 'an ICMP length of 16',
    frame: kernelNsWith((f) => {
      f.writeUInt16BE(16, 18);
      return f.subarray(0, 70);
    }),
    want: 'icmp-length',
  },
  {
    desc: 'a bad checksum',
    frame: kernelNsWith((f) => {
      f[57] ^= 0x01;
    }, true),
    want: 'checksum',
  },
  {
    desc: 'a byte changed after the checksum was made',
    frame: kernelNsWith((f) => {
      f[77] = 0x02;
    }, true),
    want: 'checksum',
  },
  {
    desc: 'a multicast target',
    frame: kernelNsWith((f) => {
      hex('ff020000000000000000000000000001').copy(f, 62);
    }),
    want: 'target-multicast',
  },
  {
    desc: 'a zero-length option',
    frame: kernelNsWith((f) => {
      f[79] = 0;
    }),
    want: 'option-length',
  },
  {
    desc: 'an option running past the message',
    frame: kernelNsWith((f) => {
      f[79] = 2;
    }),
    want: 'option-length',
  },
  { desc: 'a one-byte tail after the options', frame: withOptions('00'), want: 'option-length' },
  { desc: 'a zero-length option after a good one', frame: withOptions('0e 00 00 00 00 00 00 00'), want: 'option-length' },
  {
    desc: 'a 16-byte Source LLA option',
    frame: kernelNsWith((f) => {
      const grown = Buffer.concat([f, Buffer.alloc(8)]);
      grown[79] = 2;
      grown.writeUInt16BE(40, 18);
      return grown;
    }),
    want: 'source-lla',
  },
  {
    desc: 'a DAD probe to a unicast destination',
    frame: kernelNsWith((f) => {
      asDadProbe(f);
      hex('20010db8000000000000000000000001').copy(f, 38);
    }),
    want: 'dad-destination',
  },
  {
    desc: 'a DAD probe to all-nodes',
    frame: kernelNsWith((f) => {
      asDadProbe(f);
      hex('ff020000000000000000000000000001').copy(f, 38);
    }),
    want: 'dad-destination',
  },
  {
    desc: 'a DAD probe with a Source LLA option',
    frame: kernelNsWith((f) => {
      f.fill(0, 22, 38);
    }),
    want: 'dad-source-lla',
  },
];

for (const c of rejections) {
  t.test(`decodeNs rejects ${c.desc} as ${c.want}`, async (t) => {
    t.equal(decodeNs(c.frame, 0, c.length ?? c.frame.length, emptyNeighborSolicitation()), c.want);
  });
}

t.test('NS_INVALID_REASONS lists every reason, and every reason has a case above', async (t) => {
  t.same([...new Set(rejections.map((c) => c.want))].sort(), [...NS_INVALID_REASONS].sort());
});

t.test('decodeNs never throws and never reads out of range on 100,000 random buffers', async (t) => {
  const rng = seededRandomFor(t);
  const valid = Buffer.from(KERNEL_NS, 'hex');
  const out = emptyNeighborSolicitation();
  const reasons = new Map<string, number>();
  let thrown = 0;
  for (let i = 0; i < 100_000; i++) {
    const len = i % 120;
    const buf = rng.bytes(len);
    // Most buffers start as a valid NS so that the deeper checks run too.
    if (i % 4 !== 0) valid.copy(buf, 0, 0, Math.min(len, 54 + (i % 30)));
    if (i % 8 === 1 && len >= 58) fixIcmpv6Checksum(buf.subarray(0, Math.min(len, 54 + buf.readUInt16BE(18))));
    try {
      const r = decodeNs(buf, 0, len + (i % 7 === 0 ? 100 : 0), out) ?? 'valid';
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    } catch {
      thrown++;
    }
  }
  t.equal(thrown, 0, `no exception (seed ${rng.seed})`);
  t.ok((reasons.get('checksum') ?? 0) > 0 && reasons.size >= 6, `the checks past the header ran: ${JSON.stringify([...reasons])} (seed ${rng.seed})`);
});

// Hand-written frames: every byte of each address differs, so a swapped or shifted field shows.
const OUR_MAC = parseMac('0a:1b:2c:3d:4e:5f')!;
const PEER_MAC = parseMac('02:a0:b1:c2:d3:e4')!;
const PEER_ETH_SRC = parseMac('02:a0:b1:c2:d3:f5')!; // differs from the Source LLA option
const VIP = ip('2001:db8:0:1::a:b0c1');
const PEER_IP = ip('2001:db8:0:1::77');
const OUR_LINK_LOCAL = ip('fe80::81b:2cff:fe3d:4e5f');

function ns(fields: Partial<NeighborSolicitation>): NeighborSolicitation {
  return { ...emptyNeighborSolicitation(), ethSrc: PEER_ETH_SRC, source: PEER_IP, target: VIP, ...fields };
}

const IPV6_NDP_HEADER = [
  '86 dd', // Ethernet type: IPv6
  '60 00 00 00', // version 6, traffic class 0, flow label 0
  '00 20', // payload length: 32 (24-byte message, one 8-byte option)
  '3a', // next header: ICMPv6 (58)
  'ff', // hop limit: 255 (RFC 4861 §7.1.1)
];
const VIP_BYTES = '20 01 0d b8 00 00 00 01 00 00 00 00 00 0a b0 c1';

/** Each hand-written frame, with the checksum tshark must call good. */
const golden: Array<{ desc: string; encode: (buf: Buffer) => number; want: Buffer }> = [
  {
    desc: 'encodeNaReply answers an NS unicast to its Source LLA, S=1 O=1 R=0',
    encode: (buf) => encodeNaReply(buf, 0, ns({ hasSourceLla: true, sourceLla: PEER_MAC }), OUR_MAC, false),
    want: hex(
      '02 a0 b1 c2 d3 e4', // Ethernet destination: the Source LLA option's MAC
      '0a 1b 2c 3d 4e 5f', // Ethernet source: our MAC
      ...IPV6_NDP_HEADER,
      VIP_BYTES, // source: the VIP
      '20 01 0d b8 00 00 00 01 00 00 00 00 00 00 00 77', // destination: the solicitor
      '88', // type: Neighbor Advertisement (136)
      '00', // code 0
      'a5 af', // checksum
      '60 00 00 00', // R=0 S=1 O=1, reserved
      VIP_BYTES, // target: the VIP
      '02',
      '01', // option: Target Link-Layer Address, 1 unit of 8 bytes
      '0a 1b 2c 3d 4e 5f', // our MAC
    ),
  },
  {
    desc: "encodeNaReply answers a NUD probe without a Source LLA to the frame's source, R=1",
    encode: (buf) => encodeNaReply(buf, 0, ns({}), OUR_MAC, true),
    want: hex(
      '02 a0 b1 c2 d3 f5', // Ethernet destination: the NS frame's Ethernet source
      '0a 1b 2c 3d 4e 5f',
      ...IPV6_NDP_HEADER,
      VIP_BYTES,
      '20 01 0d b8 00 00 00 01 00 00 00 00 00 00 00 77',
      '88',
      '00',
      '25 af', // checksum
      'e0 00 00 00', // R=1 S=1 O=1
      VIP_BYTES,
      '02',
      '01',
      '0a 1b 2c 3d 4e 5f',
    ),
  },
  {
    desc: 'encodeNaReply answers a DAD probe to ff02::1 with S=0 O=1',
    encode: (buf) => encodeNaReply(buf, 0, ns({ source: new Uint32Array(4) }), OUR_MAC, false),
    want: hex(
      '33 33 00 00 00 01', // Ethernet destination: all-nodes
      '0a 1b 2c 3d 4e 5f',
      ...IPV6_NDP_HEADER,
      VIP_BYTES,
      'ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 01', // destination: ff02::1
      '88',
      '00',
      '14 dd', // checksum
      '20 00 00 00', // R=0 S=0 O=1
      VIP_BYTES,
      '02',
      '01',
      '0a 1b 2c 3d 4e 5f',
    ),
  },
  {
    desc: 'encodeUnsolicitedNa announces the VIP to ff02::1, S=0 O=1 R=1',
    encode: (buf) => encodeUnsolicitedNa(buf, 0, OUR_MAC, VIP, true),
    want: hex(
      '33 33 00 00 00 01',
      '0a 1b 2c 3d 4e 5f',
      ...IPV6_NDP_HEADER,
      VIP_BYTES,
      'ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 01',
      '88',
      '00',
      '94 dc', // checksum
      'a0 00 00 00', // R=1 S=0 O=1
      VIP_BYTES,
      '02',
      '01',
      '0a 1b 2c 3d 4e 5f',
    ),
  },
  {
    desc: 'encodeNs solicits the VIP from our link-local address at its solicited-node group',
    encode: (buf) => encodeNs(buf, 0, OUR_MAC, OUR_LINK_LOCAL, VIP),
    want: hex(
      '33 33 ff 0a b0 c1', // Ethernet destination: the group's MAC
      '0a 1b 2c 3d 4e 5f',
      ...IPV6_NDP_HEADER,
      'fe 80 00 00 00 00 00 00 08 1b 2c ff fe 3d 4e 5f', // source: our link-local address
      'ff 02 00 00 00 00 00 00 00 00 00 01 ff 0a b0 c1', // destination: ff02::1:ff0a:b0c1
      '87', // type: Neighbor Solicitation (135)
      '00',
      'e5 5d', // checksum
      '00 00 00 00', // reserved
      VIP_BYTES, // target
      '01',
      '01', // option: Source Link-Layer Address, 1 unit
      '0a 1b 2c 3d 4e 5f',
    ),
  },
];

for (const c of golden) {
  t.test(`${c.desc}, byte for byte`, async (t) => {
    t.equal(encoded(t, NDP_FRAME_LENGTH, c.encode).toString('hex'), c.want.toString('hex'));
  });
}

t.test('the encoders write what the Linux kernel writes', async (t) => {
  const kernelNs = emptyNeighborSolicitation();
  t.equal(decodeNs(Buffer.from(KERNEL_NS, 'hex'), 0, 86, kernelNs), undefined);
  t.equal(
    encoded(t, NDP_FRAME_LENGTH, (buf) => encodeNaReply(buf, 0, kernelNs, SERVER_MAC, false)).toString('hex'),
    KERNEL_NA,
    "the NA answering the kernel's NS",
  );
  t.equal(
    encoded(t, NDP_FRAME_LENGTH, (buf) => encodeNs(buf, 0, CLIENT_MAC, ip('2001:db8::2'), ip('2001:db8::1'))).toString('hex'),
    KERNEL_NS,
    'the NS for 2001:db8::1',
  );
  t.equal(
    encoded(t, NDP_FRAME_LENGTH, (buf) => encodeUnsolicitedNa(buf, 0, parseMac('02:00:00:00:00:03')!, ip('2001:db8::1'), false)).toString('hex'),
    KERNEL_UNSOLICITED_NA,
    'the unsolicited NA after a MAC change',
  );
  const dad = emptyNeighborSolicitation();
  t.equal(decodeNs(Buffer.from(KERNEL_DAD_NS, 'hex'), 0, 86, dad), undefined);
  t.equal(
    encoded(t, NDP_FRAME_LENGTH, (buf) => encodeNaReply(buf, 0, dad, SERVER_MAC, false)).toString('hex'),
    KERNEL_UNSOLICITED_NA_AFTER_DAD,
    'the answer to a DAD probe: the NA the kernel sends to ff02::1 for that address',
  );
});

t.test('the encoders write at the offset they are given and nowhere else', async (t) => {
  const buf = Buffer.alloc(3 + NDP_FRAME_LENGTH + 3, 0xee);
  t.equal(encodeUnsolicitedNa(buf, 3, OUR_MAC, VIP, true), NDP_FRAME_LENGTH);
  t.equal(buf.toString('hex'), `eeeeee${golden[3]!.want.toString('hex')}eeeeee`);
  t.throws(() => encodeNs(Buffer.alloc(85), 0, OUR_MAC, OUR_LINK_LOCAL, VIP), RangeError);
  t.throws(() => encodeUnsolicitedNa(Buffer.alloc(100), 15, OUR_MAC, VIP, false), RangeError);
});

/** Writes Ethernet frames as a pcap file (DLT_EN10MB) for tshark. */
function writePcap(path: string, frames: Buffer[]): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const records = frames.map((frame, i) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(i, 0);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    return Buffer.concat([record, frame]);
  });
  writeFileSync(path, Buffer.concat([header, ...records]));
}

t.test('tshark finds the checksum good (icmpv6.checksum.status 1) and reads the fields of every frame written here', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ndp-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const frames = golden.map((c) => c.want);
  const file = join(dir, 'ndp.pcap');
  writePcap(file, frames);
  const fields = [
    'icmpv6.type',
    'icmpv6.checksum.status',
    'ipv6.hlim',
    'icmpv6.nd.na.flag.r',
    'icmpv6.nd.na.flag.s',
    'icmpv6.nd.na.flag.o',
    'icmpv6.opt.type',
    'icmpv6.opt.linkaddr',
    '_ws.malformed',
  ];
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  t.equal(r.status, 0, r.status === 0 ? 'tshark ran' : `tshark failed: ${r.stderr}`);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((line) => line.split('|'));
  t.equal(rows.length, frames.length, 'one row per frame');
  const want = [
    ['136', '1', '255', '0', '1', '1', '2', '0a:1b:2c:3d:4e:5f', ''],
    ['136', '1', '255', '1', '1', '1', '2', '0a:1b:2c:3d:4e:5f', ''],
    ['136', '1', '255', '0', '0', '1', '2', '0a:1b:2c:3d:4e:5f', ''],
    ['136', '1', '255', '1', '0', '1', '2', '0a:1b:2c:3d:4e:5f', ''],
    ['135', '1', '255', '', '', '', '1', '0a:1b:2c:3d:4e:5f', ''],
  ];
  rows.forEach((row, i) => {
    t.same(row, want[i], golden[i]!.desc);
  });
});
