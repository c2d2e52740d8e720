import t from 'tap';
import { MAX_PROBLEMS_PER_FILE, parseVipsFile } from '../../src/config/vips-file.js';
import { expandVipEntries } from '../../src/vips/vip-spec.js';
import { expandIpv6VipEntries } from '../../src/vips/ipv6-expand.js';
import { formatIpv4 } from '../../src/wire/ipv4.js';
import { formatIpv6 } from '../../src/wire/ipv6.js';

const FILE = '/etc/vip-arpd/web.vips';

const expand = (text: string): string[] => Array.from(expandVipEntries(parseVipsFile(text, FILE).entries), formatIpv4);

const good: Array<{ desc: string; text: string; want: string[] }> = [
  { desc: 'an empty file', text: '', want: [] },
  { desc: 'comments and blank lines only', text: '# nothing yet\n\n   \n\t# indented comment\n', want: [] },
  { desc: 'one address a line', text: '198.51.100.7\n198.51.100.8\n', want: ['198.51.100.7', '198.51.100.8'] },
  { desc: 'no newline after the last line', text: '198.51.100.7', want: ['198.51.100.7'] },
  { desc: 'a byte order mark (a Windows editor)', text: '\ufeff198.51.100.7\n198.51.100.8\n', want: ['198.51.100.7', '198.51.100.8'] },
  { desc: 'UTF-8 in comments', text: '# café ☕\n198.51.100.7 # naïve #2\n#\n198.51.100.8#x\n', want: ['198.51.100.7', '198.51.100.8'] },
  { desc: 'CRLF line ends (a file edited on Windows)', text: '198.51.100.7\r\n198.51.100.8\r\n', want: ['198.51.100.7', '198.51.100.8'] },
  { desc: 'trailing comments', text: '198.51.100.7   # web\n198.51.100.8#mail\n', want: ['198.51.100.7', '198.51.100.8'] },
  { desc: 'leading and trailing blanks', text: '   198.51.100.7 \t\n', want: ['198.51.100.7'] },
  { desc: 'a CIDR block', text: '198.51.100.4/30\n', want: ['198.51.100.4', '198.51.100.5', '198.51.100.6', '198.51.100.7'] },
  {
    desc: 'a range, spaced or not',
    text: '198.51.100.1-198.51.100.2\n203.0.113.5 - 203.0.113.6\n',
    want: ['198.51.100.1', '198.51.100.2', '203.0.113.5', '203.0.113.6'],
  },
  { desc: 'an exclusion after the block it cuts', text: '198.51.100.4/30\n!198.51.100.5\n', want: ['198.51.100.4', '198.51.100.6', '198.51.100.7'] },
  { desc: 'an exclusion before the block it cuts', text: '! 198.51.100.5\n198.51.100.4/30\n', want: ['198.51.100.4', '198.51.100.6', '198.51.100.7'] },
  { desc: 'the same address twice (a set)', text: '198.51.100.7\n198.51.100.7\n198.51.100.6-198.51.100.7\n', want: ['198.51.100.6', '198.51.100.7'] },
];

const good6: Array<{ desc: string; text: string; want4: string[]; want6: string[] }> = [
  {
    desc: 'IPv6 and IPv4 lines mixed',
    text: '2001:db8::7\n198.51.100.7\n# v6\n2001:DB8:0:0::8   # upper case\n',
    want4: ['198.51.100.7'],
    want6: ['2001:db8::7', '2001:db8::8'],
  },
  {
    desc: 'an IPv6 block, range and exclusion',
    text: '2001:db8::/126\r\n2001:db8::a - 2001:db8::b\r\n! 2001:db8::1\r\n',
    want4: [],
    want6: ['2001:db8::', '2001:db8::2', '2001:db8::3', '2001:db8::a', '2001:db8::b'],
  },
];
for (const c of good6) {
  t.test(`parseVipsFile accepts ${c.desc}`, async (t) => {
    const r = parseVipsFile(c.text, FILE);
    t.same(r.problems, []);
    t.same(Array.from(expandVipEntries(r.entries), formatIpv4), c.want4);
    const rows = expandIpv6VipEntries(r.entries);
    t.same(
      Array.from({ length: rows.length / 4 }, (_, i) => formatIpv6(rows.subarray(4 * i, 4 * i + 4))),
      c.want6,
    );
  });
}
for (const c of good) {
  t.test(`parseVipsFile accepts ${c.desc}`, async (t) => {
    t.same(parseVipsFile(c.text, FILE).problems, []);
    t.same(expand(c.text), c.want);
  });
}

const bad: Array<{ desc: string; text: string; line: number; column: number; wantErr: RegExp }> = [
  { desc: 'a word', text: '198.51.100.7\nwebserver\n', line: 2, column: 1, wantErr: /not an IPv4 or IPv6 address/ },
  { desc: 'three octets', text: '  198.51.100\n', line: 1, column: 3, wantErr: /not an IPv4 or IPv6 address/ },
  { desc: 'an octet over 255', text: '198.51.100.256\n', line: 1, column: 1, wantErr: /not an IPv4 or IPv6 address/ },
  { desc: 'a /8 block', text: '# big\n10.0.0.0/8\n', line: 2, column: 10, wantErr: /larger than \/16.*got \/8/ },
  { desc: 'a prefix over 32', text: '198.51.100.0/33\n', line: 1, column: 14, wantErr: /prefix length must be 0-32/ },
  { desc: 'host bits set', text: '198.51.100.1/24\n', line: 1, column: 1, wantErr: /did you mean 198\.51\.100\.0\/24/ },
  { desc: 'a reversed range', text: '\n\n198.51.100.20-198.51.100.10\n', line: 3, column: 15, wantErr: /range end is below its start/ },
  { desc: 'a range over a /16', text: '198.0.0.0-198.2.0.0\n', line: 1, column: 11, wantErr: /at most 65536/ },
  { desc: 'a range with a bad end', text: '198.51.100.1-198.51.100\n', line: 1, column: 14, wantErr: /two IPv4 addresses/ },
  { desc: 'a lone "!"', text: '!\n', line: 1, column: 2, wantErr: /empty VIP entry/ },
  {
    desc: 'two entries on one line',
    text: '198.51.100.1 198.51.100.2\n',
    line: 1,
    column: 14,
    wantErr: /one entry per line: "198\.51\.100\.1" is followed by "198\.51\.100\.2"/,
  },
  { desc: 'a comma-separated list', text: '198.51.100.1,198.51.100.2\n', line: 1, column: 1, wantErr: /not an IPv4 or IPv6 address/ },
  { desc: 'an IPv6 zone index', text: '2001:db8::1\n  2001:db8::2%eth0\n', line: 2, column: 14, wantErr: /a VIP has no zone index \("%eth0"\)/ },
  { desc: 'an IPv6 multicast address', text: '\n\tff02::1:ff00:1\n', line: 2, column: 2, wantErr: /multicast/ },
  { desc: 'an IPv6 link-local address', text: '! fe80::1\n', line: 1, column: 3, wantErr: /link-local/ },
  { desc: 'the IPv6 loopback address', text: '::1 # lo\n', line: 1, column: 1, wantErr: /loopback/ },
  { desc: 'the IPv6 unspecified address', text: '::\n', line: 1, column: 1, wantErr: /unspecified/ },
  { desc: 'an IPv6 /64', text: '2001:db8::/64\n', line: 1, column: 12, wantErr: /larger than \/112.*got \/64/ },
  { desc: 'an IPv6 range over 65,536', text: '2001:db8::-2001:db8::1:0\n', line: 1, column: 12, wantErr: /at most 65536 addresses \(a \/112\)/ },
  { desc: 'a range from IPv4 to IPv6', text: '198.51.100.1-2001:db8::1\n', line: 1, column: 14, wantErr: /one family/ },
  {
    desc: 'two IPv6 entries on one line',
    text: '2001:db8::1 2001:db8::2\n',
    line: 1,
    column: 13,
    wantErr: /one entry per line: "2001:db8::1" is followed by "2001:db8::2"/,
  },
];
for (const c of bad) {
  t.test(`parseVipsFile rejects ${c.desc} at line ${c.line}, column ${c.column}`, async (t) => {
    const r = parseVipsFile(c.text, FILE);
    t.equal(r.problems.length, 1);
    t.match(r.problems[0], { file: FILE, line: c.line, column: c.column, message: c.wantErr });
  });
}

t.test('parseVipsFile reports every bad line, keeping the good ones', async (t) => {
  const r = parseVipsFile('198.51.100.1\nbad\n198.51.100.2\nalso bad\n', FILE);
  t.same(
    r.problems.map((p) => p.line),
    [2, 4],
  );
  t.same(
    Array.from({ length: r.entries.count }, (_, i) => r.entries.at(i)).map((e) => [e.line, e.column]),
    [
      [1, 1],
      [3, 1],
    ],
  );
  const mixed = parseVipsFile('2001:db8::1\nfe80::1\n  198.51.100.1\n::1\n2001:db8::2\n', FILE);
  t.same(
    mixed.problems.map((p) => p.line),
    [2, 4],
  );
  t.same(
    Array.from({ length: mixed.entries.count }, (_, i) => mixed.entries.at(i)).map((e) => [e.first, e.line, e.column]),
    [
      ['2001:db8::1', 1, 1],
      ['198.51.100.1', 3, 3],
      ['2001:db8::2', 5, 1],
    ],
  );
});

t.test('parseVipsFile caps the problems of a file that is not a VIP file', async (t) => {
  const r = parseVipsFile('garbage\n'.repeat(1000), FILE);
  t.equal(r.problems.length, MAX_PROBLEMS_PER_FILE + 1);
  t.match(r.problems.at(-1)!.message, /980 more bad lines not shown/);
});

t.test('parseVipsFile takes a 100,000-line file in well under a second', async (t) => {
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++) lines.push(formatIpv4(0xc6330000 + (i >>> 8) * 256 * 0 + i));
  const t0 = performance.now();
  const r = parseVipsFile(`${lines.join('\n')}\n`, FILE);
  const ms = performance.now() - t0;
  t.equal(r.entries.count, 100_000);
  t.equal(expandVipEntries(r.entries).length, 100_000);
  t.comment(`parsed 100,000 lines in ${ms.toFixed(0)} ms`);
  t.ok(ms < 2000, 'generous bound: the benchmark holds the real figure');
});

t.test('parseVipsFile takes 100,000 IPv4 and 100,000 IPv6 lines in one file', async (t) => {
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++) lines.push(formatIpv4(0xc6120000 + i), `2001:db8:${(i >>> 16).toString(16)}::${(i & 0xffff).toString(16)}`);
  const t0 = performance.now();
  const r = parseVipsFile(`${lines.join('\n')}\n`, FILE);
  const v4 = expandVipEntries(r.entries);
  const v6 = expandIpv6VipEntries(r.entries);
  const ms = performance.now() - t0;
  t.same(r.problems, []);
  t.equal(v4.length, 100_000);
  t.equal(v6.length, 100_000 * 4);
  t.comment(`parsed and expanded 200,000 lines in ${ms.toFixed(0)} ms`);
  t.ok(ms < 4000, 'generous bound: the benchmark holds the real figure');
});

t.test('parseVipsFile reads bytes as it reads text, positions counted in characters', async (t) => {
  const text = '# café\n  198.51.100.7\n☕ 198.51.100.8\n';
  const fromText = parseVipsFile(text, FILE);
  const fromBytes = parseVipsFile(new Uint8Array(Buffer.from(text)), FILE);
  t.same(fromBytes.problems, fromText.problems);
  t.same(
    fromBytes.problems.map((p) => [p.line, p.column]),
    [[3, 1]],
    'the bad line, at its first character',
  );
  t.same(Array.from(expandVipEntries(fromBytes.entries), formatIpv4), ['198.51.100.7']);
});
