import t from 'tap';
import { spawnSync } from 'node:child_process';
import {
  formatIpv6,
  isIpv6LinkLocal,
  isIpv6Loopback,
  isIpv6Multicast,
  isIpv6Unspecified,
  isSolicitedNodeMulticast,
  multicastMac,
  parseIpv6,
  readIpv6,
  solicitedNodeAddress,
  writeIpv6,
  type Ipv6ParseError,
} from '../../src/wire/ipv6.js';
import { formatMac } from '../../src/wire/mac.js';
import { seededRandomFor } from './seeded-random.js';
import { ipv6 as ip } from './golden-bytes.js';

function bytesOf(a: Uint32Array): string {
  const buf = Buffer.alloc(16);
  writeIpv6(buf, 0, a);
  return buf.toString('hex');
}

/**
 * Runs `script` in Debian's Python (the first python3 on PATH may be another
 * build) with `lines` on stdin, one a line; returns its output lines.
 */
function python(script: string, lines: string[]): string[] {
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: lines.map((x) => `${x}\n`).join(''), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return r.stdout.split('\n').slice(0, -1);
}

/** glibc's inet_pton(AF_INET6): the 16 bytes in hex, or '-' when it refuses. */
function glibcInetPton(texts: string[]): string[] {
  return python(
    [
      'import socket, sys',
      'for line in sys.stdin.read().split("\\n")[:-1]:',
      '    try: print(socket.inet_pton(socket.AF_INET6, line).hex())',
      '    except OSError: print("-")',
    ].join('\n'),
    texts,
  );
}

const accepted: Array<{ input: string; want: string }> = [
  { input: '::', want: '00000000000000000000000000000000' },
  { input: '::1', want: '00000000000000000000000000000001' },
  { input: '2001:db8::1', want: '20010db8000000000000000000000001' },
  { input: '2001:DB8:0:0:0:0:0:1', want: '20010db8000000000000000000000001' },
  { input: '2001:0db8:0000:0000:0000:0000:0000:0001', want: '20010db8000000000000000000000001' },
  { input: '1:2:3:4:5:6:7:8', want: '00010002000300040005000600070008' },
  { input: '1::', want: '00010000000000000000000000000000' },
  { input: '1:2:3:4:5:6:7::', want: '00010002000300040005000600070000' },
  { input: '::2:3:4:5:6:7:8', want: '00000002000300040005000600070008' },
  { input: 'fe80::1:2', want: 'fe800000000000000000000000010002' },
  { input: '::ffff:192.0.2.1', want: '00000000000000000000ffffc0000201' },
  { input: '::192.0.2.1', want: '000000000000000000000000c0000201' },
  { input: '1:2:3:4:5:6:1.2.3.4', want: '00010002000300040005000601020304' },
  { input: '64:ff9b::198.51.100.7', want: '0064ff9b0000000000000000c6336407' },
  { input: 'ff02::1:ff00:10', want: 'ff0200000000000000000001ff000010' },
];

t.test('parseIpv6 accepts every inet_pton form and reads the right bytes', async (t) => {
  for (const c of accepted) t.equal(bytesOf(ip(c.input)), c.want, c.input);
});

t.test('parseIpv6 writes at the given index of a larger table and nowhere else', async (t) => {
  const table = new Uint32Array(12).fill(0xdeadbeef);
  t.equal(parseIpv6('2001:db8::a:b', table, 4), undefined);
  t.same(Array.from(table), [0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0x20010db8, 0, 0, 0x000a000b, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef]);
});

const refused: Array<{ input: string; wantCode: Ipv6ParseError['code'] }> = [
  { input: '', wantCode: 'empty' },
  { input: 'fe80::1%eth0', wantCode: 'zone-index' },
  { input: '2001:db8::1%2', wantCode: 'zone-index' },
  { input: '2001:db8::g', wantCode: 'character' },
  { input: ' ::1', wantCode: 'character' },
  { input: '::1 ', wantCode: 'character' },
  { input: '[::1]', wantCode: 'character' },
  { input: '2001:db8::/64', wantCode: 'character' },
  { input: '12345::1', wantCode: 'group' },
  { input: '::00001', wantCode: 'group' },
  { input: ':1::2', wantCode: 'colon' },
  { input: '1::2:', wantCode: 'colon' },
  { input: '1:2:3:4:5:6:7:', wantCode: 'colon' },
  { input: ':::', wantCode: 'colon' },
  { input: '1:::2', wantCode: 'colon' },
  { input: '1::2::3', wantCode: 'double-colon' },
  { input: '1:2:3:4:5:6:7', wantCode: 'group-count' },
  { input: '1:2:3:4:5:6:7:8:9', wantCode: 'group-count' },
  { input: '1:2:3:4::5:6:7:8', wantCode: 'group-count' },
  { input: '1:2:3:4:5:6:7:8::', wantCode: 'group-count' },
  { input: '1:2:3:4:5:6:7:1.2.3.4', wantCode: 'group-count' },
  { input: '1.2.3.4', wantCode: 'group-count' },
  { input: '::256.1.1.1', wantCode: 'ipv4' },
  { input: '::1.2.3', wantCode: 'ipv4' },
  { input: '::01.2.3.4', wantCode: 'ipv4' },
  { input: '::1.2.3.4:5', wantCode: 'ipv4' },
  { input: '::a.2.3.4', wantCode: 'ipv4' },
];

t.test('parseIpv6 refuses each malformed form with a code and a message naming the text', async (t) => {
  for (const c of refused) {
    const err = parseIpv6(c.input, new Uint32Array(4));
    t.equal(err?.code, c.wantCode, `${JSON.stringify(c.input)}: ${err?.message}`);
    t.match(err?.message, c.input === '' ? /empty/ : c.input, `${JSON.stringify(c.input)}: the message quotes it`);
  }
  t.match(parseIpv6('fe80::1%eth0', new Uint32Array(4))?.message, /zone index \("%eth0"\)/, 'the zone index is named');
});

t.test('parseIpv6 agrees with glibc inet_pton on the tables and on seeded random strings', async (t) => {
  const rng = seededRandomFor(t);
  const alphabet = '0123456789abcdefABCDEF::::...%g ';
  const texts = [...accepted.map((c) => c.input), ...refused.map((c) => c.input).filter((x) => x !== '')];
  for (let i = 0; i < 20_000; i++) {
    const length = 1 + (rng.nextUint32() % 24);
    let s = '';
    for (let j = 0; j < length; j++) s += alphabet[rng.nextUint32() % alphabet.length];
    texts.push(s);
  }
  // Random texts are mostly refused: add addresses made from random groups, some compressed, some with IPv4 tails.
  for (let i = 0; i < 5_000; i++) {
    const a = Uint32Array.of(rng.nextUint32() & 0xffff0f0f, rng.nextUint32() & 0x00ffffff, 0, rng.nextUint32() % 3 === 0 ? 0 : rng.nextUint32());
    const text = formatIpv6(a);
    texts.push(text, text.toUpperCase(), text.replace('::', ':0:0:'));
  }
  const glibc = glibcInetPton(texts);
  let agreed = 0;
  let accepts = 0;
  const disagreements: string[] = [];
  texts.forEach((text, i) => {
    const out = new Uint32Array(4);
    const ours = parseIpv6(text, out) === undefined ? bytesOf(out) : '-';
    if (ours === glibc[i]) agreed++;
    else disagreements.push(`${JSON.stringify(text)}: ours ${ours}, glibc ${glibc[i]}`);
    if (ours !== '-') accepts++;
  });
  t.same(disagreements.slice(0, 10), [], `no disagreement (seed ${rng.seed})`);
  t.equal(agreed, texts.length, `${texts.length} texts, ${accepts} of them addresses (seed ${rng.seed})`);
});

t.test('formatIpv6 writes RFC 5952 text', async (t) => {
  const cases: Array<{ input: string; want: string }> = [
    { input: '0:0:0:0:0:0:0:0', want: '::' },
    { input: '0:0:0:0:0:0:0:1', want: '::1' },
    { input: '2001:0DB8:0000:0000:0000:0000:0000:0001', want: '2001:db8::1' }, // §4.1, §4.2.1, §4.3
    { input: '2001:db8:0:1:1:1:1:1', want: '2001:db8:0:1:1:1:1:1' }, // §4.2.2: one zero group stays
    { input: '2001:0:0:1:0:0:0:1', want: '2001:0:0:1::1' }, // §4.2.3: the longest run
    { input: '2001:db8:0:0:1:0:0:1', want: '2001:db8::1:0:0:1' }, // §4.2.3: the first of equal runs
    { input: '1:0:0:0:0:0:0:0', want: '1::' },
    { input: 'fe80::0:0:1', want: 'fe80::1' },
    { input: '::ffff:c000:0201', want: '::ffff:192.0.2.1' }, // §5: IPv4-mapped in mixed notation
    { input: '::c000:201', want: '::c000:201' }, // not mapped: hex
    { input: '1:2:3:4:5:6:7:8', want: '1:2:3:4:5:6:7:8' },
  ];
  for (const c of cases) t.equal(formatIpv6(ip(c.input)), c.want, c.input);
});

t.test('formatIpv6 agrees with Python ipaddress and parses back, on seeded random addresses', async (t) => {
  const rng = seededRandomFor(t);
  const addresses: Uint32Array[] = [];
  for (let i = 0; i < 3_000; i++) {
    // Zero groups often, so that runs of every length and position occur.
    const words = Array.from({ length: 4 }, () => {
      const r = rng.nextUint32();
      return ((r & 1 ? 0 : r & 0xffff0000) | (r & 2 ? 0 : r & 0xffff)) >>> 0;
    });
    if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) continue; // Python 3.11 writes mapped addresses in hex
    addresses.push(Uint32Array.from(words));
  }
  const compressed = python(
    'import ipaddress, sys\nfor h in sys.stdin.read().split():\n    print(ipaddress.IPv6Address(bytes.fromhex(h)).compressed)',
    addresses.map(bytesOf),
  );
  const bad = addresses.flatMap((a, i) => {
    const text = formatIpv6(a);
    return text === compressed[i] && bytesOf(ip(text)) === bytesOf(a) ? [] : [`${bytesOf(a)}: ours ${text}, python ${compressed[i]}`];
  });
  t.same(bad.slice(0, 10), [], `${addresses.length} addresses (seed ${rng.seed})`);
});

t.test('readIpv6 and writeIpv6 move 16 bytes, most significant first', async (t) => {
  const buf = Buffer.from('ee20010db8000102030405060708090a0bee', 'hex');
  const a = new Uint32Array(4);
  readIpv6(buf, 1, a);
  t.same(Array.from(a), [0x20010db8, 0x00010203, 0x04050607, 0x08090a0b]);
  const back = Buffer.alloc(18, 0xee);
  writeIpv6(back, 1, a);
  t.equal(back.toString('hex'), buf.toString('hex'));
});

t.test('the classes a VIP may not be', async (t) => {
  const cases: Array<{ input: string; multicast?: boolean; linkLocal?: boolean; loopback?: boolean; unspecified?: boolean; solicitedNode?: boolean }> = [
    { input: '::', unspecified: true },
    { input: '::1', loopback: true },
    { input: '::2' },
    { input: 'fe80::1', linkLocal: true },
    { input: 'febf:ffff::1', linkLocal: true },
    { input: 'fec0::1' }, // site-local (deprecated), not link-local
    { input: 'fe7f::1' },
    { input: 'ff02::1', multicast: true },
    { input: 'ff05::2', multicast: true },
    { input: 'ff02::1:ff00:10', multicast: true, solicitedNode: true },
    { input: 'ff02::1:fe00:10', multicast: true },
    { input: 'ff02::2:ff00:10', multicast: true },
    { input: 'ff05::1:ff00:10', multicast: true },
    { input: '2001:db8::1' },
    { input: '::ffff:127.0.0.1' }, // IPv4-mapped loopback is not ::1
  ];
  for (const c of cases) {
    const a = ip(c.input);
    t.same(
      {
        multicast: isIpv6Multicast(a),
        linkLocal: isIpv6LinkLocal(a),
        loopback: isIpv6Loopback(a),
        unspecified: isIpv6Unspecified(a),
        solicitedNode: isSolicitedNodeMulticast(a),
      },
      { multicast: !!c.multicast, linkLocal: !!c.linkLocal, loopback: !!c.loopback, unspecified: !!c.unspecified, solicitedNode: !!c.solicitedNode },
      c.input,
    );
  }
});

t.test('solicitedNodeAddress and multicastMac give the group an NS for a VIP goes to, and its MAC', async (t) => {
  const cases: Array<{ input: string; group: string; mac: string }> = [
    { input: '2001:db8::1', group: 'ff02::1:ff00:1', mac: '33:33:ff:00:00:01' },
    { input: '2001:db8::abcd:ef12:3456', group: 'ff02::1:ff12:3456', mac: '33:33:ff:12:34:56' }, // the low 24 bits only
    { input: 'fe80::ff:fe00:1', group: 'ff02::1:ff00:1', mac: '33:33:ff:00:00:01' },
  ];
  for (const c of cases) {
    const group = new Uint32Array(4);
    solicitedNodeAddress(ip(c.input), group);
    t.equal(formatIpv6(group), c.group, c.input);
    t.ok(isSolicitedNodeMulticast(group), `${c.group} is a solicited-node group`);
    t.equal(formatMac(multicastMac(group)), c.mac, c.group);
  }
  t.equal(formatMac(multicastMac(ip('ff02::1'))), '33:33:00:00:00:01', 'all-nodes');
});
