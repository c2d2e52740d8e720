// IPv6 VIP entries (every form inet_pton accepts, blocks, ranges,
// exclusions, the classes a VIP may not be), their expansion into sorted
// 4-word rows, set differences on those rows, and the IPv6 VIP table.
import t, { type Test } from 'tap';
import { parseVipEntry } from '../../src/vips/vip-spec.js';
import { expandIpv6VipEntries } from '../../src/vips/ipv6-expand.js';
import { expandVipEntries } from '../../src/vips/vip-spec.js';
import { VipEntryList } from '../../src/vips/vip-entry-list.js';
import { sortedIpv6Difference } from '../../src/vips/sorted-set.js';
import { IPV6_WORDS, addWords, compareWords, offsetWords } from '../../src/vips/address-words.js';
import { Ipv6VipTable, forEachIpv6Duplicate } from '../../src/vips/ipv6-vip-table.js';
import type { GroupState } from '../../src/vips/group-state.js';
import { formatIpv6, parseIpv6 } from '../../src/wire/ipv6.js';
import { formatIpv4 } from '../../src/wire/ipv4.js';
import { seededRandomFor } from './seeded-random.js';
import { entryOf, parseOne } from './vip-entry-fixture.js';

/** One address as 4 words. */
const a6 = (text: string): Uint32Array => {
  const out = new Uint32Array(4);
  const e = parseIpv6(text, out);
  if (e !== undefined) throw new Error(e.message);
  return out;
};
/** Addresses as rows, sorted (a group's ipv6Vips). */
const rowsOf = (...texts: string[]): Uint32Array => {
  const sorted = texts.map(a6).sort((x, y) => compareWords(x, 0, y, 0, 4));
  const out = new Uint32Array(sorted.length * 4);
  sorted.forEach((a, i) => {
    out.set(a, i * 4);
  });
  return out;
};
const textsOf = (rows: Uint32Array): string[] => {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += 4) out.push(formatIpv6(rows.subarray(i, i + 4)));
  return out;
};
const big = (words: Uint32Array, at = 0): bigint => {
  let v = 0n;
  for (let w = 0; w < 4; w++) v = (v << 32n) | BigInt(words[at + w]!);
  return v;
};
const fromBig = (v: bigint): Uint32Array => {
  const out = new Uint32Array(4);
  for (let w = 3; w >= 0; w--, v >>= 32n) out[w] = Number(v & 0xffff_ffffn);
  return out;
};

const parse = parseOne;
const v6 = (exclude: boolean, first: string, last = first) => entryOf(6, exclude, first, last);

const accepted = [
  { input: '2001:db8::7', want: v6(false, '2001:db8::7') },
  { desc: 'eight groups, leading zeros, upper case', input: '2001:0DB8:0000:0000:0000:0000:0000:0007', want: v6(false, '2001:db8::7') },
  { desc: 'a zero run not shortened', input: '2001:db8:0:0:1:0:0:1', want: v6(false, '2001:db8::1:0:0:1') },
  { desc: '"::" standing for one group', input: '2001:db8:1:2:3:4::5', want: v6(false, '2001:db8:1:2:3:4:0:5') },
  { desc: 'a trailing "::"', input: '2001:db8:1::', want: v6(false, '2001:db8:1::') },
  { desc: 'a dotted quad last (NAT64)', input: '64:ff9b::192.0.2.1', want: v6(false, '64:ff9b::c000:201') },
  { desc: 'a unique-local address', input: 'fd00::1', want: v6(false, 'fd00::1') },
  { desc: 'just below link-local', input: 'fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff', want: v6(false, 'fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff') },
  { desc: 'just above link-local (fec0::/10, deprecated site-local)', input: 'fec0::1', want: v6(false, 'fec0::1') },
  { desc: 'blanks around', input: '  2001:db8::7 ', want: v6(false, '2001:db8::7') },
  { desc: 'a /128', input: '2001:db8::7/128', want: v6(false, '2001:db8::7') },
  { desc: 'a /126', input: '2001:db8::4/126', want: v6(false, '2001:db8::4', '2001:db8::7') },
  { desc: 'a /112, the largest block', input: '2001:db8::5:0/112', want: v6(false, '2001:db8::5:0', '2001:db8::5:ffff') },
  { desc: 'a range', input: '2001:db8::a-2001:db8::14', want: v6(false, '2001:db8::a', '2001:db8::14') },
  { desc: 'a spaced range', input: '2001:db8::a - 2001:db8::14', want: v6(false, '2001:db8::a', '2001:db8::14') },
  { desc: 'a range across a 32-bit word', input: '2001:db8::ffff:ff00-2001:db8::1:0:ff', want: v6(false, '2001:db8::ffff:ff00', '2001:db8::1:0:ff') },
  {
    desc: 'a range across three words',
    input: '2001:db8:0:ffff:ffff:ffff:ffff:fff0-2001:db8:1::f',
    want: v6(false, '2001:db8:0:ffff:ffff:ffff:ffff:fff0', '2001:db8:1::f'),
  },
  { desc: 'a range of 65,536 addresses', input: '2001:db8::8000-2001:db8::1:7fff', want: v6(false, '2001:db8::8000', '2001:db8::1:7fff') },
  { desc: 'a one-address range', input: '2001:db8::1-2001:db8::1', want: v6(false, '2001:db8::1') },
  { desc: 'an exclusion', input: '!2001:db8::9', want: v6(true, '2001:db8::9') },
  { desc: 'a spaced exclusion of a block', input: '! 2001:db8::8/125', want: v6(true, '2001:db8::8', '2001:db8::f') },
];
for (const c of accepted) {
  t.test(`parseVipEntry accepts ${c.desc ?? ''} "${c.input}"`, async (t) => {
    t.same(parse(c.input), c.want);
  });
}

// Every error, with the column (1-based, in the text as written) it points at.
const refused: Array<{ input: string; column: number; message: RegExp }> = [
  { input: '2001:db8::1%eth0', column: 12, message: /a VIP has no zone index \("%eth0"\)/ },
  { input: '  fe80::1%2', column: 10, message: /zone index \("%2"\)/ },
  { input: '2001:db8::1%eth0/128', column: 12, message: /zone index/ },
  { input: '2001:db8::1-2001:db8::5%lo', column: 24, message: /zone index \("%lo"\)/ },
  { input: 'ff02::1', column: 1, message: /ff02::1 is a multicast address \(ff00::\/8\); a VIP is unicast$/ },
  { input: 'ff05::1:3', column: 1, message: /multicast/ },
  { input: 'fe80::1', column: 1, message: /fe80::1 is link-local \(fe80::\/10\)/ },
  { input: 'febf:ffff::1', column: 1, message: /link-local/ },
  { input: '::1', column: 1, message: /::1 is the loopback address/ },
  { input: '::', column: 1, message: /:: is the unspecified address/ },
  { input: '0:0:0:0:0:0:0:0', column: 1, message: /:: is the unspecified address/ },
  { input: '::ffff:192.0.2.1', column: 1, message: /::ffff:192\.0\.2\.1 is IPv4-mapped; write the IPv4 address 192\.0\.2\.1 instead/ },
  { input: '!fe80::1', column: 2, message: /link-local/ },
  { input: '::/112', column: 1, message: /unspecified/ },
  { input: 'fe80::/112', column: 1, message: /link-local/ },
  { input: 'fe7f:ffff:ffff:ffff:ffff:ffff:ffff:fff0-fe80::1', column: 41, message: /fe80::1 is link-local/ },
  { input: 'feff:ffff:ffff:ffff:ffff:ffff:ffff:fffe-ff00::', column: 41, message: /ff00:: is a multicast address/ },
  { input: '::-::5', column: 1, message: /unspecified/ },
  { input: '2001:db8::/64', column: 12, message: /blocks larger than \/112 are not allowed \(got \/64\)/ },
  { input: '2001:db8::/111', column: 12, message: /larger than \/112/ },
  { input: '2001:db8::/129', column: 12, message: /prefix length must be 0-128/ },
  { input: '2001:db8::/', column: 12, message: /prefix length must be 0-128/ },
  { input: '2001:db8::1/120', column: 1, message: /host bits set; did you mean 2001:db8::\/120\?/ },
  { input: '2001:db8::1:1/112', column: 1, message: /did you mean 2001:db8::1:0\/112\?/ },
  { input: '2001:db8::g/128', column: 1, message: /not an IPv6 address before "\/" \("2001:db8::g" has "g", which is not a hex digit/ },
  { input: '2001:db8::5-2001:db8::4', column: 13, message: /range end is below its start/ },
  { input: '2001:db8::5 -  2001:db8::4', column: 16, message: /range end is below its start/ },
  { input: '2001:db8::-2001:db8::1:0', column: 12, message: /a range may span at most 65536 addresses \(a \/112\)/ },
  { input: '2001:db8::-2001:db9::', column: 12, message: /at most 65536/ },
  { input: '2001:db8::1-2001:db8::x', column: 13, message: /a range is two IPv6 addresses joined by "-" \("2001:db8::x" has "x"/ },
  { input: '2001:db8:::1-2001:db8::2', column: 1, message: /a range is two IPv6 addresses/ },
  { input: '10.0.0.1-2001:db8::1', column: 10, message: /both ends of a range must be of one family \(here an IPv4 and an IPv6 address\)/ },
  { input: '2001:db8::1-10.0.0.1', column: 13, message: /both ends of a range must be of one family \(here an IPv6 and an IPv4 address\)/ },
  { input: '2001:db8::1 - 10.0.0.1', column: 15, message: /one family/ },
  { input: '2001:db8:::1', column: 1, message: /not an IPv6 address \("2001:db8:::1" has a colon where a group should be\)/ },
  { input: '2001:db8::1::2', column: 1, message: /"::" more than once/ },
  { input: '2001:db8:0:0:0:0:0:0:1', column: 1, message: /more than eight groups/ },
  { input: '2001:db8:1', column: 1, message: /3 groups; an address without "::" has eight/ },
  { input: '2001:db8::12345', column: 1, message: /more than four hex digits/ },
  { input: '::192.0.2.256', column: 1, message: /not a dotted-quad/ },
  { input: ':2001:db8::1', column: 1, message: /starts with a single colon/ },
  { input: '2001:db8::1:', column: 1, message: /ends with a single colon/ },
];
for (const c of refused) {
  t.test(`parseVipEntry refuses "${c.input}" at column ${c.column}`, async (t) => {
    const list = new VipEntryList(1);
    const problem = parseVipEntry(c.input, list);
    t.match(problem, { column: c.column, message: c.message });
    t.match(problem?.message, /^invalid VIP entry "/);
    t.equal(list.count, 0, 'nothing added');
  });
}

/** Parses `entries` into one list; expands both families. */
const expandBoth = (...entries: string[]): { v4: string[]; v6: string[] } => {
  const list = new VipEntryList();
  for (const e of entries) {
    const problem = parseVipEntry(e, list);
    if (problem !== undefined) throw new Error(problem.message);
  }
  return { v4: Array.from(expandVipEntries(list), formatIpv4), v6: textsOf(expandIpv6VipEntries(list)) };
};

const expansions: Array<{ desc: string; entries: string[]; want: string[] }> = [
  { desc: 'nothing', entries: [], want: [] },
  { desc: 'exclusions only', entries: ['!2001:db8::1'], want: [] },
  { desc: 'a block minus an address', entries: ['2001:db8::/126', '!2001:db8::2'], want: ['2001:db8::', '2001:db8::1', '2001:db8::3'] },
  { desc: 'the exclusion first', entries: ['!2001:db8::2', '2001:db8::/126'], want: ['2001:db8::', '2001:db8::1', '2001:db8::3'] },
  { desc: 'duplicates once', entries: ['2001:db8::2', '2001:db8::2', '2001:db8::1'], want: ['2001:db8::1', '2001:db8::2'] },
  {
    desc: 'overlapping and touching ranges merged',
    entries: ['2001:db8::4-2001:db8::6', '2001:db8::5-2001:db8::7', '2001:db8::8/127'],
    want: ['2001:db8::4', '2001:db8::5', '2001:db8::6', '2001:db8::7', '2001:db8::8', '2001:db8::9'],
  },
  {
    desc: 'out of order, across prefixes',
    entries: ['2001:db8:2::1', '2001:db8:1::1', 'fd00::1', '2001:db8:1::'],
    want: ['2001:db8:1::', '2001:db8:1::1', '2001:db8:2::1', 'fd00::1'],
  },
  {
    desc: 'across a 32-bit word',
    entries: ['2001:db8::ffff:fffe-2001:db8::1:0:1', '!2001:db8::1:0:0'],
    want: ['2001:db8::ffff:fffe', '2001:db8::ffff:ffff', '2001:db8::1:0:1'],
  },
  { desc: 'an exclusion covering the end', entries: ['2001:db8::/127', '!2001:db8::1-2001:db8::9'], want: ['2001:db8::'] },
  { desc: 'an exclusion covering it all', entries: ['2001:db8::4/126', '!2001:db8::/125'], want: [] },
  {
    desc: 'two exclusions in one range',
    entries: ['2001:db8::/125', '!2001:db8::1', '!2001:db8::5-2001:db8::6'],
    want: ['2001:db8::', '2001:db8::2', '2001:db8::3', '2001:db8::4', '2001:db8::7'],
  },
  {
    desc: 'the top of unicast space',
    entries: ['feff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127'],
    want: ['feff:ffff:ffff:ffff:ffff:ffff:ffff:fffe', 'feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  },
];
for (const c of expansions) {
  t.test(`expandIpv6VipEntries: ${c.desc}`, async (t) => {
    t.same(expandBoth(...c.entries).v6, c.want);
  });
}

t.test('one list holds both families; each expansion takes its own', async (t) => {
  t.same(expandBoth('198.51.100.1', '2001:db8::1', '!198.51.100.1', '198.51.100.2', '2001:db8::/127', '!2001:db8::'), {
    v4: ['198.51.100.2'],
    v6: ['2001:db8::1'],
  });
});

t.test('a /112 expands to 65,536 rows in order', async (t) => {
  const rows = expandIpv6VipEntries(
    (() => {
      const list = new VipEntryList();
      parseVipEntry('2001:db8::7:0/112', list);
      return list;
    })(),
  );
  t.equal(rows.length, 65536 * IPV6_WORDS);
  let ordered = true;
  for (let i = 4; i < rows.length; i += 4) if (compareWords(rows, i - 4, rows, i, 4) >= 0) ordered = false;
  t.ok(ordered, 'ascending, unique');
  t.same(textsOf(rows.subarray(-4)), ['2001:db8::7:ffff']);
});

/** Whether `list` expands to the addresses of `want`, in order (a test point). */
function expandsAs(t: Test, list: VipEntryList, want: ReadonlySet<bigint>, message: string): boolean {
  const rows = expandIpv6VipEntries(list);
  const got: bigint[] = [];
  for (let at = 0; at < rows.length; at += 4) got.push(big(rows, at));
  return t.same(
    got,
    [...want].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
    message,
  );
}

t.test('expandIpv6VipEntries matches a BigInt set on random entries (seeded)', async (t) => {
  const rng = seededRandomFor(t);
  // Around a 32-bit word boundary, so ranges and merges carry.
  const base = (0x2001_0db8n << 96n) + 0xffff_ff00n;
  for (let round = 0; round < 40; round++) {
    const list = new VipEntryList();
    const want = new Set<bigint>();
    const excluded: Array<[bigint, bigint]> = [];
    for (let i = 0; i < 30; i++) {
      const first = base + BigInt(rng.nextUint32() % 600);
      const span = rng.nextUint32() % 40;
      const exclude = rng.nextUint32() % 4 === 0;
      list.pushIpv6(exclude, fromBig(first), 0, span);
      if (exclude) excluded.push([first, first + BigInt(span)]);
      else for (let a = first; a <= first + BigInt(span); a++) want.add(a);
    }
    for (const [f, l] of excluded) for (let a = f; a <= l; a++) want.delete(a);
    if (!expandsAs(t, list, want, `round ${round}, seed ${rng.seed}`)) break;
  }
});

t.test('expandIpv6VipEntries sorts 20,000 shuffled entries (the radix path) as BigInt does (seeded)', async (t) => {
  const rng = seededRandomFor(t);
  const list = new VipEntryList();
  const want = new Set<bigint>();
  for (let i = 0; i < 20_000; i++) {
    // Every word varies somewhere, in both 16-bit halves, and entries overlap.
    const words = new Uint32Array([
      0x2001_0db8 + (rng.nextUint32() % 3) * 0x1_0001,
      rng.nextUint32() % 5,
      rng.nextUint32() % 2 === 0 ? 0 : rng.nextUint32(),
      rng.nextUint32(),
    ]);
    if (words[3]! > 0xffff_fff0) words[3] = 0;
    const span = rng.nextUint32() % 3;
    list.pushIpv6(false, words, 0, span);
    for (let k = 0n; k <= BigInt(span); k++) want.add(big(words) + k);
  }
  expandsAs(t, list, want, `seed ${rng.seed}`);
});

t.test('expandIpv6VipEntries merges the runs of a sorted file with lines edited out of place, as BigInt sorts them (seeded)', async (t) => {
  const rng = seededRandomFor(t);
  for (const moved of [1, 5, 40]) {
    const list = new VipEntryList();
    const want = new Set<bigint>();
    // 10,000 ascending addresses two apart, `moved` of them written elsewhere in the file.
    const addresses = Array.from({ length: 10_000 }, (_, i) => (0x2001_0db8n << 96n) + 0xffff_0000n + 2n * BigInt(i));
    for (let m = 0; m < moved; m++) {
      const [a] = addresses.splice(rng.nextUint32() % addresses.length, 1);
      addresses.splice(rng.nextUint32() % addresses.length, 0, a!);
    }
    for (const a of addresses) {
      list.pushIpv6(false, fromBig(a), 0, 0);
      want.add(a);
    }
    expandsAs(t, list, want, `${moved} moved, seed ${rng.seed}`);
  }
});

t.test('address words: compare, offset and add agree with BigInt (seeded)', async (t) => {
  const rng = seededRandomFor(t);
  let wrong = 0;
  for (let i = 0; i < 2000; i++) {
    const a = new Uint32Array([rng.nextUint32(), rng.nextUint32(), rng.nextUint32() % 3 === 0 ? 0xffff_ffff : rng.nextUint32(), rng.nextUint32()]);
    const n = rng.nextUint32() % 3 === 0 ? 0xffff_ffff : rng.nextUint32() % 70000;
    const sum = new Uint32Array(4);
    const wrapped = addWords(a, 0, n, sum, 0, 4);
    const want = big(a) + BigInt(n);
    if (big(sum) !== (want & ((1n << 128n) - 1n)) || wrapped !== want >> 128n > 0n) wrong++;
    if (!wrapped && (offsetWords(a, 0, sum, 0, 4) !== n || compareWords(a, 0, sum, 0, 4) !== (n === 0 ? 0 : -1))) wrong++;
    if (!wrapped && n > 0 && offsetWords(sum, 0, a, 0, 4) !== -1) wrong++;
  }
  t.equal(wrong, 0, `seed ${rng.seed}`);
  t.equal(offsetWords(a6('2001:db8::'), 0, a6('2001:db8::1:0:0'), 0, 4), -1, '2^32 apart is too far');
  t.equal(offsetWords(a6('2001:db8::'), 0, a6('2001:db8::ffff:ffff'), 0, 4), 0xffff_ffff);
});

t.test('sortedIpv6Difference keeps what the second set lacks', async (t) => {
  const diff = (a: string[], b: string[]): string[] => textsOf(sortedIpv6Difference(rowsOf(...a), rowsOf(...b)));
  t.same(diff(['2001:db8::1', '2001:db8::2', '2001:db8:1::1'], ['2001:db8::2', '2001:db8::9']), ['2001:db8::1', '2001:db8:1::1']);
  t.same(diff(['2001:db8::1', '2001:db8:1::1'], ['2001:db8:1::1']), ['2001:db8::1'], 'same last word, another prefix');
  t.same(diff(['2001:db8::1:1'], ['2001:db8::1', '2001:db8::2:1']), ['2001:db8::1:1']);
  t.same(diff([], ['2001:db8::1']), []);
  t.same(diff(['2001:db8::1', '2001:db8::2'], ['2001:db8::1', '2001:db8::2']), []);
  const same = rowsOf('2001:db8::1', 'fd00::1');
  t.equal(sortedIpv6Difference(same, rowsOf('2001:db8::5')), same, 'nothing removed: the same array, no copy');
  t.equal(sortedIpv6Difference(same, new Uint32Array(0)), same);
});

t.test('sortedIpv6Difference matches a BigInt set difference (seeded)', async (t) => {
  const rng = seededRandomFor(t);
  const pick = (): Set<bigint> => {
    const s = new Set<bigint>();
    for (let i = 0; i < 200; i++) s.add((BigInt(rng.nextUint32() % 4) << 64n) + BigInt(rng.nextUint32() % 300));
    return s;
  };
  const rows = (s: Set<bigint>): Uint32Array => {
    const sorted = [...s].sort((x, y) => (x < y ? -1 : 1));
    const out = new Uint32Array(sorted.length * 4);
    sorted.forEach((v, i) => {
      out.set(fromBig(v), i * 4);
    });
    return out;
  };
  for (let round = 0; round < 20; round++) {
    const a = pick();
    const b = pick();
    const got = sortedIpv6Difference(rows(a), rows(b));
    if (!t.same(Array.from(got), Array.from(rows(new Set([...a].filter((x) => !b.has(x))))), `round ${round}, seed ${rng.seed}`)) break;
  }
});

const state = (name: string): GroupState => ({ name, role: 'MASTER', mac: undefined });

t.test('Ipv6VipTable takes an address at an offset, and tells prefixes apart', async (t) => {
  const web = state('web');
  const table = new Ipv6VipTable([{ family: 'ipv6', group: web, iface: 'eth1', ips: rowsOf('2001:db8::1', '2001:db8::2') }]);
  const frame = new Uint32Array([0, 0, ...a6('2001:db8::2')]);
  t.equal(table.forInterface('eth1')?.groupOf(frame, 2), web, 'an address at an offset of a larger array');
  t.notOk(table.isVip(a6('2001:db9::1')), 'same last word, another prefix');
  t.throws(
    () =>
      new Ipv6VipTable([
        { family: 'ipv6', group: web, iface: 'eth0', ips: rowsOf('2001:db8::1') },
        { family: 'ipv6', group: state('mail'), iface: 'eth0', ips: rowsOf('2001:db8::5', '2001:db8::1') },
      ]),
    /^VIP 2001:db8::1 is in two groups on interface eth0: "web" and "mail"$/,
  );
});

t.test('Ipv6VipTable finds each of 200,000 VIPs and no other address', async (t) => {
  // Two /112 blocks per group (consecutive last words: the hash's worst
  // case), in prefixes that differ in one word only, plus random addresses.
  const rng = seededRandomFor(t);
  const groups = [state('a'), state('b'), state('c')];
  const block = (prefix: string): Uint32Array => {
    const list = new VipEntryList();
    parseVipEntry(`${prefix}/112`, list);
    return expandIpv6VipEntries(list);
  };
  const random = new Uint32Array(68928 * 4);
  for (let i = 0; i < random.length; i += 4) random.set([0x2001_0db8, 0xffff, rng.nextUint32(), rng.nextUint32()], i);
  const sets = [
    { group: groups[0]!, iface: 'eth0', ips: block('2001:db8::') },
    { group: groups[1]!, iface: 'eth0', ips: block('2001:db8:0:1::') },
    { group: groups[2]!, iface: 'eth0', ips: random },
  ];
  const table = new Ipv6VipTable(sets.map((s) => ({ ...s, family: 'ipv6' as const })));
  t.equal(table.size, 65536 * 2 + 68928);
  const vips = table.forInterface('eth0')!;
  let wrong = 0;
  for (const s of sets) for (let at = 0; at < s.ips.length; at += 4) if (vips.groupOf(s.ips, at) !== s.group) wrong++;
  for (const miss of ['2001:db8::1:0', '2001:db8:0:2::', '2001:db8:0:1::1:0', '2001:db9::', '::2', 'fd00::']) if (vips.has(a6(miss))) wrong++;
  t.equal(wrong, 0, `every lookup right (seed ${rng.seed})`);
});

t.test('forEachIpv6Duplicate reports each shared VIP as consecutive pairs, like IPv4', async (t) => {
  const seen: string[] = [];
  forEachIpv6Duplicate(
    [rowsOf('2001:db8::1', '2001:db8::2'), rowsOf('2001:db8::3'), rowsOf('2001:db8::1', '2001:db8::3'), rowsOf('2001:db8::1')],
    (earlier, later, rows, at) => {
      seen.push(`${formatIpv6(rows.subarray(at, at + 4))} ${earlier}-${later}`);
    },
  );
  t.same(seen, ['2001:db8::1 0-2', '2001:db8::3 1-2', '2001:db8::1 2-3']);
});

t.test('forEachIpv6Duplicate: the same pairs in the same order wherever the largest set is (it is searched, not hashed)', async (t) => {
  const rng = seededRandomFor(t);
  const random = (): number => rng.nextUint32() / 2 ** 32;
  for (let round = 0; round < 50; round++) {
    const sets = Array.from({ length: 1 + Math.floor(random() * 5) }, () => {
      const n = Math.floor(random() * (random() < 0.3 ? 200 : 8));
      return rowsOf(...new Set(Array.from({ length: n }, () => `2001:db8::${Math.floor(random() * 64).toString(16)}`)));
    });
    // Reference: a map of every address to the set that had it last.
    const want: string[] = [];
    const last = new Map<string, number>();
    sets.forEach((rows, i) => {
      for (const vip of textsOf(rows)) {
        const before = last.get(vip);
        if (before !== undefined) want.push(`${vip} ${before}-${i}`);
        last.set(vip, i);
      }
    });
    const seen: string[] = [];
    forEachIpv6Duplicate(sets, (earlier, later, rows, at) => seen.push(`${formatIpv6(rows.subarray(at, at + 4))} ${earlier}-${later}`));
    t.same(seen, want, `round ${round}: sizes ${sets.map((s) => s.length / 4).join(',')}`);
  }
  const seen: string[] = [];
  forEachIpv6Duplicate(
    [rowsOf('2001:db8::1'), rowsOf('2001:db8::1', '2001:db8::2', '2001:db8::3'), rowsOf('2001:db8::2'), rowsOf('2001:db8::1', '2001:db8::2')],
    (earlier, later, rows, at) => {
      seen.push(`${formatIpv6(rows.subarray(at, at + 4))} ${earlier}-${later}`);
    },
  );
  t.same(seen, ['2001:db8::1 0-1', '2001:db8::2 1-2', '2001:db8::1 1-3', '2001:db8::2 2-3'], 'the largest set in the middle');
});
