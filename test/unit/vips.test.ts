import t from 'tap';
import { expandVipEntries, parseVipEntry } from '../../src/vips/vip-spec.js';
import { VipTable } from '../../src/vips/vip-table.js';
import { VipEntryList } from '../../src/vips/vip-entry-list.js';
import { entryOf, parseOne } from './vip-entry-fixture.js';
import { sortedDifference } from '../../src/vips/sorted-set.js';
import { formatIpv4, parseIpv4 } from '../../src/wire/ipv4.js';
import type { GroupState } from '../../src/vips/group-state.js';

const ip = (s: string): number => parseIpv4(s)!;

const parse = parseOne;
const v4 = (exclude: boolean, first: string, last = first) => entryOf(4, exclude, first, last);

const good = [
  { input: '198.51.100.7', want: v4(false, '198.51.100.7') },
  { input: ' 198.51.100.7 ', want: v4(false, '198.51.100.7') },
  { input: '198.51.100.0/30', want: v4(false, '198.51.100.0', '198.51.100.3') },
  { input: '198.51.0.0/16', want: v4(false, '198.51.0.0', '198.51.255.255') },
  { input: '198.51.100.10-198.51.100.20', want: v4(false, '198.51.100.10', '198.51.100.20') },
  { input: '!198.51.100.9', want: v4(true, '198.51.100.9') },
  { input: '!198.51.100.8/29', want: v4(true, '198.51.100.8', '198.51.100.15') },
];
for (const c of good) {
  t.test(`parseVipEntry accepts "${c.input}"`, async (t) => {
    t.same(parse(c.input), c.want);
  });
}

const bad: Array<{ input: string; wantErr: RegExp }> = [
  { input: '', wantErr: /empty/ },
  { input: '!', wantErr: /empty/ },
  { input: '198.51.100', wantErr: /not an IPv4 or IPv6 address/ },
  { input: '198.51.100.1/33', wantErr: /prefix length must be 0-32/ },
  { input: '198.51.100.1/x', wantErr: /prefix length/ },
  { input: '10.0.0.0/8', wantErr: /larger than \/16/ },
  { input: '198.51.100.1/24', wantErr: /did you mean 198\.51\.100\.0\/24/ },
  { input: '198.51.100.20-198.51.100.10', wantErr: /below its start/ },
  { input: '198.0.0.0-198.2.0.0', wantErr: /at most 65536/ },
  { input: '198.51.100.1-', wantErr: /two IPv4 addresses/ },
  { input: 'vip.example', wantErr: /not an IPv4 or IPv6 address/ },
];
for (const c of bad) {
  t.test(`parseVipEntry rejects "${c.input}"`, async (t) => {
    const list = new VipEntryList(1);
    t.match(parseVipEntry(c.input, list), { message: c.wantErr });
    t.equal(list.count, 0, 'nothing added');
  });
}

const listOf = (entries: readonly string[]): VipEntryList => {
  const list = new VipEntryList();
  for (const e of entries) {
    const problem = parseVipEntry(e, list);
    if (problem !== undefined) throw new Error(problem.message);
  }
  return list;
};
const expand = (...entries: string[]): string[] => Array.from(expandVipEntries(listOf(entries)), formatIpv4);

t.test('expandVipEntries applies exclusions whatever their order', async (t) => {
  t.same(expand('!198.51.100.2', '198.51.100.0/30', '198.51.100.10', '!198.51.100.10'), ['198.51.100.0', '198.51.100.1', '198.51.100.3']);
});

t.test('expandVipEntries of a /16 minus a /24 leaves 65280 addresses', async (t) => {
  t.equal(expand('198.51.0.0/16', '!198.51.100.0/24').length, 65280);
});

const expansions: Array<{ desc: string; entries: string[]; want: string[] }> = [
  { desc: 'nothing', entries: [], want: [] },
  { desc: 'exclusions only', entries: ['!198.51.100.1'], want: [] },
  { desc: 'duplicates once', entries: ['198.51.100.2', '198.51.100.2', '198.51.100.1'], want: ['198.51.100.1', '198.51.100.2'] },
  {
    desc: 'overlapping ranges merged',
    entries: ['198.51.100.4-198.51.100.6', '198.51.100.5-198.51.100.7', '198.51.100.4/31'],
    want: ['198.51.100.4', '198.51.100.5', '198.51.100.6', '198.51.100.7'],
  },
  {
    desc: 'a range inside another',
    entries: ['198.51.100.0/29', '198.51.100.2-198.51.100.3', '!198.51.100.1-198.51.100.6'],
    want: ['198.51.100.0', '198.51.100.7'],
  },
  { desc: 'adjacent exclusions', entries: ['198.51.100.0/30', '!198.51.100.1', '!198.51.100.2'], want: ['198.51.100.0', '198.51.100.3'] },
  { desc: 'an exclusion past the end', entries: ['198.51.100.0/31', '!198.51.100.1-198.51.100.9'], want: ['198.51.100.0'] },
  { desc: 'the top of the address space', entries: ['255.255.255.254/31', '0.0.0.0'], want: ['0.0.0.0', '255.255.255.254', '255.255.255.255'] },
  { desc: 'ranges in any order', entries: ['203.0.113.1', '192.0.2.1', '198.51.100.1'], want: ['192.0.2.1', '198.51.100.1', '203.0.113.1'] },
];
for (const c of expansions) {
  t.test(`expandVipEntries: ${c.desc}`, async (t) => {
    t.same(expand(...c.entries), c.want);
  });
}

t.test('expandVipEntries matches a set-based expansion on random entries', async (t) => {
  let seed = 7;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let round = 0; round < 50; round++) {
    const entries: Array<{ exclude: boolean; first: number; last: number }> = [];
    for (let i = 0; i < 30; i++) {
      const first = 0xc6336400 + rand(300);
      entries.push({ exclude: rand(4) === 0, first, last: first + rand(20) });
    }
    const want = new Set<number>();
    for (const e of entries) if (!e.exclude) for (let a = e.first; a <= e.last; a++) want.add(a);
    for (const e of entries) if (e.exclude) for (let a = e.first; a <= e.last; a++) want.delete(a);
    const list = new VipEntryList();
    for (const e of entries) list.push(e.exclude, e.first, e.last);
    const got = expandVipEntries(list);
    if (
      !t.same(
        Array.from(got),
        [...want].sort((a, b) => a - b),
        `round ${round}`,
      )
    )
      break;
  }
});

const sorted = (...ips: string[]): Uint32Array => Uint32Array.from(ips.map(ip)).sort();

t.test('expandVipEntries of 5,000 disjoint shuffled entries: its ranges grow as they are merged', async (t) => {
  const list = new VipEntryList();
  const base = 0xc6120000;
  const order = Array.from({ length: 5000 }, (_, i) => i).sort((a, b) => ((a * 7919) % 5000) - ((b * 7919) % 5000));
  for (const i of order) list.push(false, base + 2 * i, base + 2 * i);
  for (let i = 0; i < 5000; i += 100) list.push(true, base + 2 * i, base + 2 * i);
  const want = Array.from({ length: 5000 }, (_, i) => i)
    .filter((i) => i % 100 !== 0)
    .map((i) => base + 2 * i);
  t.same(Array.from(expandVipEntries(list)), want);
});

t.test('VipTable finds each of 131,072 VIPs and no other address', async (t) => {
  const web: GroupState = { name: 'web', role: 'MASTER', mac: undefined };
  const mail: GroupState = { name: 'mail', role: 'MASTER', mac: undefined };
  // A /15 (consecutive addresses, the worst case for a weak hash) split over
  // two groups, plus addresses above 2^31 (negative as int32 keys).
  const all = expandVipEntries(listOf(['198.18.0.0/16', '198.19.0.0/16']));
  const table = new VipTable([
    { family: 'ipv4', group: web, iface: 'eth0', ips: all.filter((a) => a % 2 === 0) },
    { family: 'ipv4', group: mail, iface: 'eth0', ips: all.filter((a) => a % 2 === 1) },
  ]);
  t.equal(table.size, 131072);
  let wrong = 0;
  for (const a of all) if (table.groupOf('eth0', a) !== (a % 2 === 0 ? web : mail)) wrong++;
  // 70.18.0.0 differs from 198.18.0.0 in the top bit only.
  for (const a of [ip('198.17.255.255'), ip('198.20.0.0'), ip('0.0.0.0'), ip('255.255.255.255'), ip('70.18.0.0')])
    if (table.groupOf('eth0', a) !== undefined) wrong++;
  t.equal(wrong, 0, 'every lookup right');
});

t.test('sortedDifference keeps what the second set lacks', async (t) => {
  const diff = (a: string[], b: string[]): string[] => Array.from(sortedDifference(sorted(...a), sorted(...b)), formatIpv4);
  t.same(diff(['192.0.2.1', '192.0.2.2', '192.0.2.3'], ['192.0.2.2', '192.0.2.9']), ['192.0.2.1', '192.0.2.3']);
  t.same(diff([], ['192.0.2.1']), []);
  t.same(diff(['192.0.2.1'], []), ['192.0.2.1']);
  t.same(diff(['192.0.2.1', '192.0.2.2'], ['192.0.2.1', '192.0.2.2']), []);
  const same = sorted('192.0.2.1');
  t.equal(sortedDifference(same, sorted('192.0.2.5')), same, 'nothing removed: the same array, no copy');
});

t.test('VipEntryList keeps every position, however entries follow each other (one byte each, anchors aside)', async (t) => {
  // Each entry's position, against what the list says: line steps of 1 and
  // 254, a jump of 255 and of 100,000, a column change, a new file, entries
  // with no position between, a file's stand-in entries (file only, no line),
  // a position with no file, and two entries at one place.
  const positions: Array<{ file?: string; line?: number; column?: number }> = [
    { file: 'a.vips', line: 1, column: 1 },
    { file: 'a.vips', line: 2, column: 1 },
    { file: 'a.vips', line: 256, column: 1 },
    { file: 'a.vips', line: 511, column: 1 },
    { file: 'a.vips', line: 100_511, column: 1 },
    { file: 'a.vips', line: 100_512, column: 4 },
    { file: 'a.vips', line: 100_513, column: 4 },
    {},
    { file: 'a.vips', line: 100_514, column: 4 },
    { file: 'b.vips', line: 3, column: 1 },
    { file: 'b.vips' },
    { file: 'b.vips' },
    { file: 'a.vips' },
    { line: 7, column: 2 },
    { line: 8, column: 2 },
    {},
    { file: 'c.vips', line: 5, column: 1 },
    { file: 'c.vips', line: 5, column: 1 },
    { file: 'c.vips', line: 6, column: 1 },
  ];
  const list = new VipEntryList(2);
  positions.forEach((at, i) => {
    list.push(false, i, i, at);
  });
  t.same(
    positions.map((_, i) => list.positionOf(i)),
    positions,
  );
});

t.test('VipEntryList keeps positions and grows past its capacity', async (t) => {
  const list = new VipEntryList(3);
  for (let i = 0; i < 1000; i++) list.push(i % 2 === 1, i, i + 1, i === 0 ? {} : { file: i < 500 ? 'a.vips' : 'b.vips', line: i, column: 3 });
  t.equal(list.count, 1000);
  t.same(list.at(0), { ...v4(false, '0.0.0.0', '0.0.0.1') }, 'no position when none was given');
  t.same(list.at(999), { ...v4(true, '0.0.3.231', '0.0.3.232'), file: 'b.vips', line: 999, column: 3 });
  t.same(list.at(list.findInclusion(3)), { ...v4(false, '0.0.0.2', '0.0.0.3'), file: 'a.vips', line: 2, column: 3 }, 'first inclusion, exclusions skipped');
  t.equal(list.findInclusion(5000), -1, 'none');
  const wide = new VipEntryList(1);
  wide.push(false, 1, 1, { file: 'c.vips', line: 1, column: 70_000 });
  t.same(wide.at(0), { ...v4(false, '0.0.0.1'), file: 'c.vips', line: 1 }, 'a column past 65535 is not kept');
});
