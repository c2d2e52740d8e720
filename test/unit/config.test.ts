// loadSnapshot (config file + env + flags + VIP files) against every kind of
// bad input: each error must name the file, line and column to fix.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/load-config.js';
import { lastGoodVipFiles, loadSnapshot, type LastGoodVipFiles } from '../../src/config/load-snapshot.js';
import { FileSet } from '../../src/config/file-set.js';
import { readTextFile } from '../../src/config/read-text-file.js';
import type { Snapshot } from '../../src/config/snapshot.js';
import { effectiveConfig } from '../../src/config/effective-config.js';
import { formatIpv4 } from '../../src/wire/ipv4.js';
import { formatIpv6 } from '../../src/wire/ipv6.js';
import { tempDir } from '../e2e/lab.js';

/** Writes `files` (name → text) into a fresh dir and loads `config.json` from it. */
function load(t: Test, files: Record<string, string | Buffer>, opts: { env?: NodeJS.ProcessEnv; flags?: Record<string, string> } = {}) {
  const dir = tempDir(t, 'vip-arpd-config-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const source = { file: join(dir, 'config.json'), flags: opts.flags ?? {}, env: opts.env ?? {} };
  const run = Object.assign(() => loadSnapshot(source), { with: (lastGood: LastGoodVipFiles) => loadSnapshot(source, undefined, lastGood) });
  return { dir, run };
}

/** Pretty JSON with one group per line, so tests can say which line a key is on. */
const json = (v: unknown): string => JSON.stringify(v, null, 2);

const formatIpv6Vips = (rows: Uint32Array): string[] => Array.from({ length: rows.length / 4 }, (_, i) => formatIpv6(rows.subarray(4 * i, 4 * i + 4)));

const g = (extra: Record<string, unknown> = {}) => ({ name: 'web', interface: 'eth0', vips: ['198.51.100.7'], ...extra });

interface BadCase {
  desc: string;
  files: Record<string, string | Buffer>;
  env?: NodeJS.ProcessEnv;
  flags?: Record<string, string>;
  /** every problem, in order: file (relative, or '' for none), line, column, message */
  want: Array<{ file: string; line?: number; column?: number; message: RegExp }>;
}

const bad: BadCase[] = [
  {
    desc: 'bad JSON (a trailing comma) at its line and column',
    files: { 'config.json': '{\n  "groups": [\n    { "name": "web", }\n  ]\n}\n' },
    want: [{ file: 'config.json', line: 3, column: 22, message: /JSON syntax error/ }],
  },
  {
    desc: 'a truncated JSON file',
    files: { 'config.json': '{\n  "groups": [\n' },
    want: [{ file: 'config.json', line: 3, message: /JSON syntax error/ }],
  },
  {
    desc: 'a JSON array instead of an object',
    files: { 'config.json': '[]' },
    want: [{ file: 'config.json', message: /must be a JSON object/ }],
  },
  {
    desc: 'an unknown top-level key',
    files: { 'config.json': '{\n  "groups": [],\n  "colour": "blue"\n}' },
    want: [{ file: 'config.json', line: 3, column: 3, message: /unknown setting "colour"/ }],
  },
  {
    desc: 'an unknown key inside a section',
    files: { 'config.json': '{\n  "control": {\n    "sockt": "/run/x"\n  }\n}' },
    want: [{ file: 'config.json', line: 3, column: 5, message: /unknown setting "control\.sockt"/ }],
  },
  {
    desc: 'an unknown key in a group and in its garp',
    files: { 'config.json': json({ groups: [g({ colour: 1, garp: { burst: 2 } })] }) },
    want: [
      { file: 'config.json', line: 9, column: 7, message: /groups\[0\] \("web"\)\.colour: unknown setting/ },
      { file: 'config.json', line: 11, column: 9, message: /groups\[0\] \("web"\)\.garp\.burst: unknown setting/ },
    ],
  },
  {
    desc: 'a bad inline address',
    files: { 'config.json': json({ groups: [g({ vips: ['198.51.100.7', '198.51.100.300'] })] }) },
    want: [{ file: 'config.json', line: 8, column: 9, message: /vips\[1\]: invalid VIP entry "198\.51\.100\.300"/ }],
  },
  {
    desc: 'a /8 block inline',
    files: { 'config.json': json({ groups: [g({ vips: ['10.0.0.0/8'] })] }) },
    want: [{ file: 'config.json', line: 7, message: /larger than \/16/ }],
  },
  {
    desc: 'a reversed range in a VIP file',
    files: { 'config.json': json({ groups: [g({ vips: undefined, vipsFile: 'vips/web.vips' })] }), 'vips/web.vips': '# web\n198.51.100.20-198.51.100.10\n' },
    want: [{ file: 'vips/web.vips', line: 2, column: 15, message: /range end is below its start/ }],
  },
  {
    desc: 'a missing VIP file',
    files: { 'config.json': json({ groups: [g({ vips: undefined, vipsFile: 'nope.vips' })] }) },
    want: [{ file: 'nope.vips', message: /cannot read the VIP file of group "web" \(it does not exist\)/ }],
  },
  {
    desc: 'the same VIP in two groups on one interface (file and inline)',
    files: {
      'config.json': json({ groups: [g({ vips: undefined, vipsFile: 'a.vips' }), g({ name: 'mail', vips: ['198.51.100.9', '198.51.100.0/29'] })] }),
      'a.vips': '198.51.100.1\n198.51.100.2\n',
    },
    want: [
      { file: 'config.json', line: 13, column: 9, message: /VIP 198\.51\.100\.1 is in group "web" \(.*a\.vips:1:1\) and group "mail" on interface eth0/ },
      { file: 'config.json', line: 13, column: 9, message: /VIP 198\.51\.100\.2 is in group "web" \(.*a\.vips:2:1\)/ },
    ],
  },
  {
    desc: 'the same VIP in three groups on one interface, and one on another interface',
    files: {
      'config.json': json({
        groups: [
          g({ vips: ['198.51.100.7'] }),
          g({ name: 'mail', vips: ['198.51.100.7'] }),
          g({ name: 'ftp', vips: ['198.51.100.7'] }),
          g({ name: 'lan2', interface: 'eth1', vips: ['198.51.100.7'] }),
        ],
      }),
    },
    want: [
      { file: 'config.json', message: /VIP 198\.51\.100\.7 is in group "web" \(.*config\.json:\d+:\d+\) and group "mail" on interface eth0/ },
      { file: 'config.json', message: /VIP 198\.51\.100\.7 is in group "mail" \(.*config\.json:\d+:\d+\) and group "ftp" on interface eth0/ },
    ],
  },
  {
    desc: 'VIPs in three groups of one interface, the largest (searched, not sorted) between the others',
    files: {
      'config.json': json({
        groups: [
          g({ vips: ['198.51.100.7'] }),
          g({ name: 'mail', vips: ['198.51.100.7', '198.51.100.8', '198.51.100.9'] }),
          g({ name: 'ftp', vips: ['198.51.100.7', '198.51.100.9'] }),
        ],
      }),
    },
    want: [
      { file: 'config.json', message: /VIP 198\.51\.100\.7 is in group "web" \(.*config\.json:\d+:\d+\) and group "mail" on interface eth0/ },
      { file: 'config.json', message: /VIP 198\.51\.100\.7 is in group "mail" \(.*config\.json:\d+:\d+\) and group "ftp" on interface eth0/ },
      { file: 'config.json', message: /VIP 198\.51\.100\.9 is in group "mail" \(.*config\.json:\d+:\d+\) and group "ftp" on interface eth0/ },
    ],
  },
  {
    desc: 'group names used twice',
    files: { 'config.json': json({ groups: [g(), g({ vips: ['198.51.100.8'] })] }) },
    want: [{ file: 'config.json', line: 11, column: 7, message: /groups\[1\]\.name: group name "web" is already used by groups\[0\]/ }],
  },
  {
    desc: 'a bad MAC',
    files: { 'config.json': json({ groups: [g({ mac: '00:00:5e:00:01' })] }) },
    want: [{ file: 'config.json', line: 9, column: 7, message: /\.mac: must be a MAC/ }],
  },
  {
    desc: 'a bad role',
    files: { 'config.json': json({ groups: [g({ initialRole: 'primary' })] }) },
    want: [{ file: 'config.json', line: 9, column: 7, message: /\.initialRole: must be "master" or "backup"/ }],
  },
  {
    desc: 'an ndpRouter that is neither "auto" nor a boolean',
    files: { 'config.json': json({ groups: [g({ ndpRouter: 'yes' })] }) },
    want: [{ file: 'config.json', line: 9, column: 7, message: /\.ndpRouter: must be "auto", true or false/ }],
  },
  {
    desc: 'a bad interface name',
    files: { 'config.json': json({ groups: [g({ interface: 'eth0:1' })] }) },
    want: [{ file: 'config.json', line: 5, column: 7, message: /\.interface: must be an interface name/ }],
  },
  {
    desc: 'a bad value in a section',
    files: { 'config.json': json({ log: { level: 'loud' } }) },
    want: [{ file: 'config.json', line: 3, column: 5, message: /log\.level: must be one of/ }],
  },
  {
    desc: 'a bad value from the environment, named as such',
    files: { 'config.json': json({ log: { level: 'info' } }) },
    env: { VIP_ARPD_LOG_LEVEL: 'loud' },
    want: [{ file: '', message: /log\.level: .*\(from environment VIP_ARPD_LOG_LEVEL\)/ }],
  },
  {
    desc: 'a bad value from a flag, named as such',
    files: { 'config.json': '{}' },
    flags: { 'log-level': 'loud' },
    want: [{ file: '', message: /log\.level: .*\(from flag --log-level\)/ }],
  },
  {
    desc: 'a value nested 5,000 deep (jsonc-parser overflowed its stack) at the bracket past the limit',
    files: { 'config.json': `{\n  "junk": ${'['.repeat(5000)}${']'.repeat(5000)}\n}` },
    want: [
      {
        file: 'config.json',
        line: 2,
        column: 11 + 63,
        message: /^JSON syntax error: nested more than 64 levels deep \("\{" and "\["\); a vip-arpd config needs at most 4$/,
      },
    ],
  },
  {
    desc: 'a group holding a value nested 20,000 deep',
    files: { 'config.json': `{"groups": [{"name": "web", "interface": "eth0", "vips": [], "x": ${'['.repeat(20000)}${']'.repeat(20000)}}]}` },
    want: [{ file: 'config.json', line: 1, message: /nested more than 64 levels deep/ }],
  },
  {
    desc: 'binary garbage: the first byte that is not UTF-8, with its place',
    files: { 'config.json': Buffer.concat([Buffer.from('{\n  "log": '), Buffer.from([0xff, 0xfe, 0x00, 0x01])]) },
    want: [{ file: 'config.json', line: 2, column: 10, message: /^cannot read config file \(byte 0xff is not UTF-8 text: is this a binary file\?\)$/ }],
  },
  {
    desc: 'a NUL character, with its place',
    files: { 'config.json': '{"log":\n\0}' },
    want: [{ file: 'config.json', line: 2, column: 1, message: /a NUL character: is this a binary file\?/ }],
  },
  {
    desc: 'a token V8 names without a position, with its place',
    files: { 'config.json': '{\n  "log": x\n}' },
    want: [{ file: 'config.json', line: 2, column: 10, message: /^JSON syntax error: unexpected "x"$/ }],
  },
  {
    desc: 'a binary VIP file, at its first bad byte',
    files: { 'config.json': json({ groups: [g({ vipsFile: 'web.vips' })] }), 'web.vips': Buffer.from([0x31, 0x0a, 0xc3, 0x28]) },
    want: [{ file: 'web.vips', line: 2, column: 1, message: /cannot read the VIP file of group "web" \(byte 0xc3 is not UTF-8 text/ }],
  },
  {
    desc: 'a VIP file that is a directory, named as such',
    files: { 'config.json': json({ groups: [g({ vipsFile: 'vips.d' })] }), 'vips.d/x': '' },
    want: [{ file: 'vips.d', message: /cannot read the VIP file of group "web" \(it is a directory, not a regular file; refusing to open it\)/ }],
  },
  {
    desc: 'more groups on one interface than the table numbers, at the first one too many',
    files: { 'config.json': json({ groups: Array.from({ length: 65536 }, (_, i) => ({ name: `g${i}`, interface: 'eth0', vips: [] })) }) },
    want: [
      {
        file: 'config.json',
        line: 3 + 65535 * 5,
        column: 5,
        message: /^groups\[65535\] \("g65535"\) is group 65536 of 65536 on interface eth0; at most 65535 groups may share one interface/,
      },
    ],
  },
  {
    desc: 'many problems at once, all reported',
    files: { 'config.json': json({ groups: [g({ mac: 'x' }), g({ name: 'b c' })], log: { level: 'x' } }), 'unused.vips': '' },
    want: [
      { file: 'config.json', message: /groups\[0\] \("web"\)\.mac/ },
      { file: 'config.json', message: /groups\[1\] \("b c"\)\.name/ },
      { file: 'config.json', message: /log\.level/ },
    ],
  },
];

for (const c of bad) {
  t.test(`loadSnapshot rejects ${c.desc}`, async (t) => {
    const { dir, run } = load(t, c.files, { ...(c.env ? { env: c.env } : {}), ...(c.flags ? { flags: c.flags } : {}) });
    const err = t.throws(run) as ConfigError;
    t.type(err, ConfigError);
    t.equal(err.code, 'EINVALIDCONFIG');
    t.same(
      err.problems.map((p) => ({ file: p.file, line: p.line, column: p.column })),
      c.want.map((w) => ({
        file: w.file === '' ? undefined : join(dir, w.file),
        line: w.line ?? err.problems[c.want.indexOf(w)]?.line,
        column: w.column ?? err.problems[c.want.indexOf(w)]?.column,
      })),
      'every problem, with its file, line and column',
    );
    c.want.forEach((w, i) => {
      t.match(err.problems[i]?.message, w.message);
    });
    t.match(err.message.split('\n').length, c.want.length, 'one message line per problem');
  });
}

t.test('loadSnapshot accepts a UTF-8 byte order mark before the config (and a VIP file)', async (t) => {
  const { run } = load(t, { 'config.json': `\ufeff${json({ groups: [g({ vipsFile: 'web.vips' })] })}`, 'web.vips': '\ufeff198.51.100.8\n' });
  t.same(Array.from(run().groups[0]!.vips, formatIpv4), ['198.51.100.7', '198.51.100.8']);
});

t.test('readTextFile gives each file a buffer of its own, of its exact length (so it can be freed once parsed)', async (t) => {
  const dir = tempDir(t, 'vip-arpd-read-');
  for (const size of [0, 100, 25_000, 70_000]) {
    const path = join(dir, `f${size}`);
    writeFileSync(path, Buffer.alloc(size, 'a'));
    const r = readTextFile(path);
    t.ok(r.ok, `${size} bytes read`);
    if (r.ok) t.same([r.size, r.bytes.byteOffset, r.bytes.buffer.byteLength], [size, 0, size], `${size} bytes: the whole buffer`);
  }
});

t.test('loadSnapshot refuses a FIFO at once, without waiting for a writer', async (t) => {
  const { dir, run } = load(t, { 'config.json': json({ groups: [g({ vipsFile: 'web.vips' })] }) });
  execFileSync('mkfifo', [join(dir, 'web.vips')]);
  t.throws(run, {
    message: `${join(dir, 'web.vips')}: cannot read the VIP file of group "web" (it is a FIFO (named pipe), not a regular file; refusing to open it)`,
  });
});

t.test('loadSnapshot takes a 0-byte VIP file as not yet written: no VIPs from it at start, and says so', async (t) => {
  const { dir, run } = load(t, { 'config.json': json({ groups: [g({ vipsFile: 'web.vips' })] }), 'web.vips': '' });
  const s = run();
  t.same(Array.from(s.groups[0]!.vips, formatIpv4), ['198.51.100.7'], 'the inline VIPs only');
  t.same(s.source?.emptyVipFiles, [{ file: join(dir, 'web.vips'), group: 'web', kept: false }]);
  t.same(effectiveConfig(s).emptyVipFiles, [join(dir, 'web.vips')], '--check-config lists it');
  t.equal(s.groups[0]!.vipsFile, undefined, 'nothing to stand in for it next time');
  writeFileSync(join(dir, 'web.vips'), '198.51.100.9\n');
  const good = run();
  writeFileSync(join(dir, 'web.vips'), '');
  const kept = loadSnapshot({ file: join(dir, 'config.json'), flags: {}, env: {} }, undefined, lastGoodVipFiles(good));
  t.same(Array.from(kept.groups[0]!.vips, formatIpv4), ['198.51.100.7', '198.51.100.9'], 'with last good content, that content stands in');
  t.same(kept.source?.emptyVipFiles, [{ file: join(dir, 'web.vips'), group: 'web', kept: true }]);
});

t.test('an empty VIP file stands in for exactly what its last good text said: its exclusions still apply to the inline VIPs', async (t) => {
  const text = ['198.51.100.9', '198.51.100.30-198.51.100.32', '!198.51.100.20', '!198.51.100.31', '2001:db8::9', '2001:db8::a', '!2001:db8::a', ''].join('\n');
  const config = (vips: string[]) =>
    json({ groups: [g({ vips, vipsFile: 'web.vips' }), g({ name: 'only-file', interface: 'eth1', vips: [], vipsFile: 'web.vips' })] });
  const { dir, run } = load(t, { 'config.json': config(['198.51.100.7', '198.51.100.20']), 'web.vips': text });
  const view = (s: Snapshot) => s.groups.map((x) => [Array.from(x.vips, formatIpv4), formatIpv6Vips(x.ipv6Vips)]);
  const good = run();
  t.same(view(good), [
    [['198.51.100.7', '198.51.100.9', '198.51.100.30', '198.51.100.32'], ['2001:db8::9']],
    [['198.51.100.9', '198.51.100.30', '198.51.100.32'], ['2001:db8::9']],
  ]);
  t.equal(good.groups[1]!.vipsFile!.vips, good.groups[1]!.vips, 'a group with no inline VIPs keeps its file content at no cost: its own arrays');
  writeFileSync(join(dir, 'web.vips'), '');
  // New inline VIPs the last good file excludes stay excluded; others are added.
  writeFileSync(join(dir, 'config.json'), config(['198.51.100.7', '198.51.100.20', '198.51.100.31', '198.51.100.40', '2001:db8::a', '2001:db8::b']));
  const kept = run.with(lastGoodVipFiles(good));
  t.same(view(kept), [
    [
      ['198.51.100.7', '198.51.100.9', '198.51.100.30', '198.51.100.32', '198.51.100.40'],
      ['2001:db8::9', '2001:db8::b'],
    ],
    [['198.51.100.9', '198.51.100.30', '198.51.100.32'], ['2001:db8::9']],
  ]);
  t.same(lastGoodVipFiles(kept), lastGoodVipFiles(good), 'the stand-in is kept for the next reload');
  writeFileSync(join(dir, 'config.json'), json({ groups: [g({ vipsFile: 'web.vips' }), g({ name: 'dup', vips: ['198.51.100.9'] })] }));
  const err = t.throws(() => run.with(lastGoodVipFiles(good))) as ConfigError;
  t.match(
    err.problems,
    [{ message: /^VIP 198\.51\.100\.9 is in group "web" \(\/\S+\/web\.vips\) and group "dup" on interface eth0/ }],
    'a stand-in VIP in two groups names the file, without a line that is no longer there',
  );
});

t.test("loadSnapshot frees a VIP file's bytes once the last group naming it has parsed them, and the files hash the same", async (t) => {
  const text = `${Array.from({ length: 2000 }, (_, i) => formatIpv4(0xc6120000 + i)).join('\n')}\n`;
  const { dir } = load(t, {
    'config.json': json({ groups: [g({ vipsFile: 'web.vips' }), g({ name: 'lan2', interface: 'eth1', vipsFile: 'web.vips' })] }),
    'web.vips': text,
  });
  const files = new FileSet();
  const s = loadSnapshot({ file: join(dir, 'config.json'), flags: {}, env: {} }, files);
  t.same(
    s.groups.map((x) => x.vips.length),
    [2001, 2001],
    'both groups parsed the whole file',
  );
  const read = files.read(join(dir, 'web.vips'));
  t.equal(read.ok && read.bytes.byteLength, 0, 'the bytes are freed');
  t.equal(read.ok && read.size, text.length, 'its size is still known');
  t.equal(files.hash(), s.source?.hash);
  const again = new FileSet();
  loadSnapshot({ file: join(dir, 'config.json'), flags: {}, env: {} }, again);
  t.equal(again.hash(), files.hash(), 'the hash is of the content, freed or not');
});

t.test('loadSnapshot accepts the same VIP in two groups on different interfaces', async (t) => {
  const { run } = load(t, { 'config.json': json({ groups: [g(), g({ name: 'lan2', interface: 'eth1' })] }) });
  const s = run();
  t.same(
    s.groups.map((x) => Array.from(x.vips, formatIpv4)),
    [['198.51.100.7'], ['198.51.100.7']],
  );
});

t.test('loadSnapshot merges inline VIPs with the VIP file, relative to the config file', async (t) => {
  const { dir, run } = load(t, {
    'config.json': json({ groups: [g({ vips: ['203.0.113.1'], vipsFile: 'vips/web.vips' })] }),
    'vips/web.vips': '198.51.100.0/30\n!198.51.100.2\n',
  });
  const s = run();
  t.same(Array.from(s.groups[0]!.vips, formatIpv4), ['198.51.100.0', '198.51.100.1', '198.51.100.3', '203.0.113.1']);
  t.same(s.source?.paths, [join(dir, 'config.json'), join(dir, 'vips/web.vips')], 'the files to watch');
  t.match(s.source?.hash, /^[0-9a-f]{64}$/);
  t.match(effectiveConfig(s), { vipCount: 4, groups: [{ name: 'web', vipCount: 4 }] });
});

t.test('sources stack: defaults < file < VIP_ARPD_* environment < flags', async (t) => {
  const files = { 'config.json': json({ log: { level: 'warn' }, stateFile: '/tmp/from-file.json' }) };
  const cases: { desc: string; env: NodeJS.ProcessEnv; flags: Record<string, string>; level: string; stateFile: string; socket: string }[] = [
    { desc: 'file over default', env: {}, flags: {}, level: 'warn', stateFile: '/tmp/from-file.json', socket: '/run/vip-arpd/control.sock' },
    {
      desc: 'env over file',
      env: { VIP_ARPD_LOG_LEVEL: 'debug', VIP_ARPD_CONTROL_SOCKET: '/tmp/env.sock' },
      flags: {},
      level: 'debug',
      stateFile: '/tmp/from-file.json',
      socket: '/tmp/env.sock',
    },
    {
      desc: 'flag over env',
      env: { VIP_ARPD_LOG_LEVEL: 'debug', VIP_ARPD_STATE_FILE: '/tmp/env.json' },
      flags: { 'log-level': 'error', 'state-file': '/tmp/flag.json' },
      level: 'error',
      stateFile: '/tmp/flag.json',
      socket: '/run/vip-arpd/control.sock',
    },
  ];
  for (const c of cases) {
    const { run } = load(t, files, { env: c.env, flags: c.flags });
    const cfg = run().config;
    t.same(
      { level: cfg.log.level, stateFile: cfg.stateFile, socket: cfg.control.socket },
      { level: c.level, stateFile: c.stateFile, socket: c.socket },
      c.desc,
    );
  }
});

t.test('without a config file, defaults, environment and flags still load', async (t) => {
  const s = loadSnapshot({ file: undefined, flags: { 'log-level': 'debug' }, env: {} });
  t.equal(s.config.log.level, 'debug');
  t.same(s.groups, []);
  t.same(s.source?.paths, []);
});

t.test('the shipped example config and VIP files are valid', async (t) => {
  const s = loadSnapshot({ file: new URL('../../etc/vip-arpd.json', import.meta.url).pathname, flags: {}, env: {} });
  t.ok(s.groups.length >= 2, 'several groups');
  t.ok(
    s.groups.every((x) => x.vips.length > 0),
    'every group has VIPs',
  );
});
