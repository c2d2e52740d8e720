import t from 'tap';
import { findGroupId } from '../../src/control/group-id.js';
import { renderHuman } from '../../src/control/human-output.js';
import { formatDuration } from '../../src/control/status-format.js';
import { formatTable } from '../../src/control/table.js';
import { PLAIN, textStyle } from '../../src/control/text-style.js';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const before = (ms: number): string => new Date(NOW - ms).toISOString();
const plain = { now: NOW, style: PLAIN };
const coloured = { now: NOW, style: textStyle(true) };

t.test('formatTable pads all but the last column, by what a terminal shows', async (t) => {
  t.equal(
    formatTable([
      ['A', 'BB', 'C'],
      ['xxx', 'y', 'zzzz'],
    ]),
    'A    BB  C\nxxx  y   zzzz',
  );
  t.equal(
    formatTable([
      ['ROLE', 'X'],
      ['\x1b[32mMASTER\x1b[0m', 'y'],
    ]),
    'ROLE    X\n\x1b[32mMASTER\x1b[0m  y',
    'colour codes take no columns',
  );
});

t.test('formatDuration', async (t) => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [59, '59s'],
    [61, '1m 1s'],
    [3725, '1h 2m 5s'],
    [90061, '1d 1h 1m 1s'],
  ];
  for (const [input, want] of cases) t.equal(formatDuration(input), want, `${input} s`);
});

const STATUS = {
  daemon: { pid: 42, uptimeSec: 61, startedAt: before(61_000), generation: 3 },
  groups: [
    { name: 'web', role: 'MASTER', interface: 'eth0', vips: 3, mac: '02:00:00:00:00:01' },
    { name: 'mail', role: 'FAULT', interface: 'eth0', vips: 1 },
  ],
  interfaces: [
    {
      name: 'eth0',
      mac: '02:00:00:00:00:01',
      present: true,
      state: 'up',
      flaps: 2,
      txDropped: 5,
      socketErrors: 1,
      sendErrors: { ENOBUFS: 2, ENETDOWN: 1 },
      reopens: 0,
      counts: {
        answered: 4,
        'not-a-vip': 7,
        'wrong-interface': 0,
        'not-master': 2,
        'not-request': 1,
        gratuitous: 1,
        'not-for-us': 0,
        'malformed:short': 2,
        'malformed:htype': 1,
      },
    },
  ],
  events: {
    roleChanges: [{ at: before(12_000), group: 'web', from: 'BACKUP', to: 'MASTER', source: 'keepalived' }],
    reloads: [
      { at: before(10_000), ok: false, generation: 3, error: 'web.vips:2:1: invalid VIP entry "x"\nmore' },
      { at: before(120_000), ok: true, generation: 3, error: null },
    ],
  },
  garp: { rounds: 2, interfaces: [{ name: 'eth0', request: 3, reply: 3, dropped: 1, cancelled: 0 }] },
  conflicts: {
    active: 1,
    counters: {
      frames: 9,
      pairs: 1,
      untracked: 0,
      logsSuppressed: 0,
      peerFrames: 0,
      defencesSent: 2,
      defencesSuppressed: 0,
      defenceErrors: 0,
      handovers: 0,
      splitBrains: 1,
    },
    splitBrains: [
      {
        group: 'web',
        iface: 'eth0',
        vip: '198.51.100.10',
        mac: '02:00:00:00:00:02',
        vips: 2,
        peer: true,
        defence: 'sent',
        count: 1,
        firstSeen: before(20_000),
        lastSeen: before(20_000),
      },
    ],
    latest: [
      {
        vip: '198.51.100.10',
        mac: '02:00:00:00:00:20',
        ip: '192.0.2.20',
        iface: 'eth0',
        group: 'web',
        kind: 'reply',
        kinds: { reply: 9, 'request-as-sender': 0, gratuitous: 0 },
        count: 9,
        firstSeen: before(600_000),
        lastSeen: before(3_000),
        lastDefended: before(5_000),
        splitBrain: null,
        fix: 'on 192.0.2.20: …',
      },
    ],
  },
  control: { socket: '/run/vip-arpd/control.sock', clients: 1, refusedClients: 0, evictedClients: 2 },
  config: {
    file: '/etc/vip-arpd/vip-arpd.json',
    generation: 3,
    loadedAt: before(120_000),
    lastError: 'web.vips:2:1: invalid VIP entry "x"',
    lastErrorAt: before(10_000),
    reloadFailures: 1,
    reloads: 2,
    pending: null,
    watching: ['/etc/vip-arpd/vip-arpd.json', '/etc/vip-arpd/web.vips'],
  },
  fastPath: [{ iface: 'eth0', configured: true, mode: 'af_packet', vips: 0, code: 'EPERM', reason: 'BPF_PROG_LOAD: Operation not permitted' }],
};

t.test('status: every section for a person, none as JSON', async (t) => {
  const out = renderHuman('status', STATUS, plain);
  const lines = out.split('\n');
  t.equal(lines[0], 'vip-arpd pid 42, up 1m 1s, config generation 3');
  t.match(out, /^web\s+MASTER\s+eth0\s+3\s+02:00:00:00:00:01$/m, 'group row');
  t.match(out, /^mail\s+FAULT\s+eth0\s+1\s+-$/m, 'a group without a MAC');
  t.match(
    out,
    /^INTERFACE\s+STATE\s+MAC\s+ANSWERED\s+NOT-MASTER\s+NOT-A-VIP\s+WRONG-IF\s+MALFORMED\s+OTHER\s+TX-DROPPED\s+SOCK-ERRORS\s+SEND-ERRORS\s+FLAPS\s+REOPENS$/m,
  );
  t.match(
    out,
    /^eth0\s+up\s+02:00:00:00:00:01\s+4\s+2\s+7\s+0\s+3\s+2\s+5\s+1\s+3 \(ENOBUFS 2, ENETDOWN 1\)\s+2\s+0$/m,
    'interface counters: malformed and other summed',
  );
  t.match(out, /^conflicts: 1 active \(9 conflicting frames, 1 pair since start, 2 defences sent\)$/m);
  t.match(
    out,
    /^SPLIT BRAIN {2}group web on eth0: 198\.51\.100\.10 \(\+1 VIP\) claimed by 02:00:00:00:00:02 \(peer\), 1 time, last 20 s ago, defence sent$/m,
    'split brain line',
  );
  t.match(out, /^VIP\s+MAC\s+HOST IP\s+KIND\s+COUNT\s+LAST SEEN\s+DEFENDED\s+SPLIT BRAIN\s+GROUP$/m);
  t.match(out, /^198\.51\.100\.10\s+02:00:00:00:00:20\s+192\.0\.2\.20\s+reply\s+9 frames\s+3 s ago\s+5 s ago\s+-\s+web \(eth0\)$/m, 'conflict row');
  t.match(
    out,
    /^config \/etc\/vip-arpd\/vip-arpd\.json: generation 3, loaded 2 min ago, watching 2 files, 2 reloads applied, 1 failed; last reload failed 10 s ago: web\.vips:2:1: invalid VIP entry "x"$/m,
  );
  t.match(out, /^control: socket \/run\/vip-arpd\/control\.sock, 1 client connected, 0 refused, 2 idle evicted since start$/m);
  t.match(out, /^gratuitous ARP: 2 rounds; eth0 6 frames sent, 1 dropped$/m);
  t.match(out, /^fast path eth0: af_packet \(EPERM: BPF_PROG_LOAD: Operation not permitted; vip-arpctl doctor names the fix\)$/m);
  t.match(out, /^ {2}10 s ago\s+reload failed, generation 3 kept: web\.vips:2:1: invalid VIP entry "x" …$/m, 'a multi-line error shows its first line');
  t.match(out, /^ {2}12 s ago\s+web BACKUP -> MASTER \(keepalived\)$/m);
  t.match(out, /^ {2}2 min ago\s+reload: generation 3 applied$/m);
  t.notMatch(out, /[{}]|":|\[\]|latest/, 'no JSON');
  t.notMatch(out, /\x1b/, 'no colour when plain');
});

t.test('status: IPv6 VIP counts per group and the NDP side of interfaces that have one', async (t) => {
  const ndp = {
    open: true,
    groups: ['ff02::1:ff00:10'],
    membershipFailures: 0,
    txDropped: 1,
    counts: { answered: 6, 'not-master': 1, 'not-a-vip': 2, 'wrong-interface': 0, advertisement: 3, 'malformed:hop-limit': 2, 'malformed-na:short': 1 },
  };
  const closed = { open: false, groups: [], membershipFailures: 0, txDropped: 0, counts: { answered: 0 } };
  const status = {
    ...STATUS,
    groups: [
      { ...STATUS.groups[0], ipv6Vips: 2 },
      { ...STATUS.groups[1], ipv6Vips: 0 },
    ],
    interfaces: [
      { ...STATUS.interfaces[0], ndp },
      { ...STATUS.interfaces[0], name: 'eth1', ndp: closed },
    ],
  };
  const out = renderHuman('status', status, plain);
  t.match(out, /^GROUP\s+ROLE\s+INTERFACE\s+VIPS\s+IPV6-VIPS\s+MAC$/m);
  t.match(out, /^web\s+MASTER\s+eth0\s+3\s+2\s+02:00:00:00:00:01$/m, 'IPv4 and IPv6 counts');
  t.match(out, /^NDP\s+SOCKET\s+ANSWERED\s+NOT-MASTER\s+NOT-A-VIP\s+WRONG-IF\s+MALFORMED\s+OTHER\s+TX-DROPPED\s+GROUPS\s+JOIN-FAILURES$/m);
  t.match(out, /^eth0\s+open\s+6\s+1\s+2\s+0\s+3\s+3\s+1\s+1\s+0$/m, 'NS/NA outcomes: malformed NS and NA summed, advertisements under other');
  t.notMatch(out, /^eth1\s+closed/m, 'an interface without IPv6 VIPs or NDP frames has no NDP row');
  t.notMatch(out, /"open"/, 'no JSON');
});

t.test('status: quiet sections are one line each', async (t) => {
  const quiet = {
    ...STATUS,
    events: { roleChanges: [], reloads: [] },
    garp: { rounds: 0, interfaces: [] },
    conflicts: { ...STATUS.conflicts, active: 0, latest: [], splitBrains: [], counters: { ...STATUS.conflicts.counters, frames: 0, pairs: 0 } },
    config: { ...STATUS.config, lastError: null, lastErrorAt: null, reloads: 0, reloadFailures: 0, watching: [] },
  };
  const out = renderHuman('status', quiet, plain);
  t.match(out, /^conflicts: no conflicts in the last 5 min \(0 conflicting frames, 0 pairs since start\)$/m);
  t.match(out, /^recent events: no role change or reload since start$/m);
  t.match(out, /^gratuitous ARP: 0 rounds$/m);
  t.match(out, /^config \/etc\/vip-arpd\/vip-arpd\.json: generation 3, loaded 2 min ago, not watching files$/m);
});

t.test('status: fields and sections this version does not know are shown readably, not dropped', async (t) => {
  const newer = {
    ...STATUS,
    groups: [{ ...STATUS.groups[0], splitBrain: true }],
    interfaces: [{ ...STATUS.interfaces[0], state: 'missing', missingSince: before(12_000), present: false, carrier: 'lost' }],
    control: { ...STATUS.control, evictions: 3 },
    config: { ...STATUS.config, zeroByteVipFileKept: '/etc/vip-arpd/web.vips' },
    conflicts: { ...STATUS.conflicts, graceUntil: before(-30_000), latest: [{ ...STATUS.conflicts.latest[0], graceOpen: true }] },
    keepalived: { fifo: '/run/keepalived.fifo', eventsRead: 12, lastEventAt: before(4_000), ignoredLines: 0 },
    mystery: {
      peers: [
        { name: 'b', lastSeen: before(2_000) },
        { name: 'c', lastSeen: null },
      ],
      nested: { deep: { x: 1 } },
    },
  };
  const out = renderHuman('status', newer, plain);
  t.match(out, /^GROUP\s+ROLE\s+INTERFACE\s+VIPS\s+MAC\s+SPLIT BRAIN$/m);
  t.match(out, /^web\s+MASTER\s+eth0\s+3\s+02:00:00:00:00:01\s+yes$/m);
  t.match(out, /REOPENS\s+CARRIER$/m, 'an unknown interface field gets a column');
  t.match(out, /^eth0\s+missing since 12 s ago\s+02:00/m, 'a missing interface says since when');
  t.match(out, /^control: socket .*since start\n {2}evictions 3$/m);
  t.match(out, /^ {2}zero byte vip file kept \/etc\/vip-arpd\/web\.vips$/m);
  t.match(out, /^ {2}grace until just now$/m, 'a time in the future reads as now');
  t.match(out, /DEFENDED\s+SPLIT BRAIN\s+GROUP\s+GRACE OPEN$/m, 'an unknown conflict field gets a column');
  t.match(out, /^keepalived: fifo \/run\/keepalived\.fifo, events read 12, last event at 4 s ago, ignored lines 0$/m, 'an unknown flat section is one line');
  t.match(
    out,
    /^mystery:\n {2}peers:\n {4}NAME\s+LAST SEEN\n {4}b\s+2 s ago\n {4}c\s+-\n {2}nested:\n {4}deep: x 1$/m,
    'nested data as indented lines and tables',
  );
  t.notMatch(out, /[{}]/, 'no JSON braces anywhere');
});

t.test('status: a section of a shape its formatter does not know falls back, readably', async (t) => {
  const odd = { ...STATUS, config: { generation: 'three' }, conflicts: 'disabled', control: null };
  const out = renderHuman('status', odd, plain);
  t.match(out, /^config: generation three$/m);
  t.match(out, /^conflicts: disabled$/m);
  t.match(out, /^control: -$/m);
});

t.test('colour: roles in status, verdicts in doctor, only when asked for', async (t) => {
  const out = renderHuman('status', STATUS, coloured);
  t.match(out, /\x1b\[32mMASTER\x1b\[0m/, 'MASTER green');
  t.match(out, /\x1b\[31mFAULT\x1b\[0m/, 'FAULT red');
  t.match(out, /^web\s+\x1b\[32mMASTER\x1b\[0m {2}eth0/m, 'padded by visible width');
  const doctor = {
    ok: false,
    summary: { pass: 1, warn: 1, fail: 1 },
    checks: [
      { check: 'a', subject: 'eth0', status: 'pass', message: 'm', fix: [] },
      { check: 'b', subject: 'eth0', status: 'warn', message: 'm', fix: [] },
      { check: 'c', subject: 'eth0', status: 'fail', message: 'm', fix: [] },
    ],
  };
  const d = renderHuman('doctor', doctor, coloured);
  t.match(d, /\x1b\[31mFAIL\x1b\[0m {2}c/);
  t.match(d, /\x1b\[33mWARN\x1b\[0m {2}b/);
  t.match(d, /\x1b\[32mPASS\x1b\[0m {2}a/);
  t.notMatch(renderHuman('doctor', doctor, plain), /\x1b/);
  t.equal(renderHuman('role', { group: 'web', role: 'MASTER' }, coloured), 'MASTER', 'role stays a bare word for scripts');
});

t.test('renderHuman of the other commands', async (t) => {
  const cases: Array<{ desc: string; cmd: string; data: unknown; want: string | RegExp }> = [
    { desc: 'role prints the bare role', cmd: 'role', data: { group: 'web', role: 'MASTER' }, want: 'MASTER' },
    {
      desc: 'takeover prints the change',
      cmd: 'takeover',
      data: { group: 'web', from: 'BACKUP', to: 'MASTER', source: 'control' },
      want: 'web: BACKUP -> MASTER',
    },
    {
      desc: 'a repeated role says unchanged',
      cmd: 'release',
      data: { group: 'web', from: 'BACKUP', to: 'BACKUP', source: 'control' },
      want: 'web: BACKUP (unchanged)',
    },
    {
      desc: 'notify prints one line per group',
      cmd: 'notify',
      data: [
        { group: 'a', from: 'BACKUP', to: 'MASTER' },
        { group: 'b', from: 'BACKUP', to: 'MASTER' },
      ],
      want: 'a: BACKUP -> MASTER\nb: BACKUP -> MASTER',
    },
    {
      desc: 'vips lists one VIP per line',
      cmd: 'vips',
      data: [{ name: 'web', role: 'MASTER', interface: 'eth0', vips: ['198.51.100.1'] }],
      want: 'web (MASTER, eth0)\n  198.51.100.1',
    },
    {
      desc: 'garp of IPv4 VIPs only reads as before',
      cmd: 'garp',
      data: { announced: 2, ipv4: 2, ipv6: 0, groups: ['web'] },
      want: 'announced 2 VIP(s) of web',
    },
    {
      desc: "announce (garp's alias) names both families",
      cmd: 'announce',
      data: { announced: 3, ipv4: 1, ipv6: 2, groups: ['web'] },
      want: 'announced 3 VIP(s) (1 IPv4, 2 IPv6) of web',
    },
    { desc: 'a command without a renderer reads as words', cmd: 'log-level', data: { level: 'info', previous: 'debug' }, want: 'level info, previous debug' },
    { desc: 'strings print as they are', cmd: 'metrics', data: '# HELP x\nx 1', want: '# HELP x\nx 1' },
    { desc: 'a known command of another shape falls back, readably', cmd: 'status', data: { other: true }, want: 'other yes' },
    {
      desc: 'conflicts lists pairs as a table with the fixes below',
      cmd: 'conflicts',
      data: { total: 1, frames: 9, defencesSent: 0, cleared: false, conflicts: [{ ...STATUS.conflicts.latest[0], lastDefended: null }] },
      want: /^1 \(VIP, MAC\) pair seen, 9 frames, 0 defences sent\nVIP .*\n198\.51\.100\.10\s+02:00:00:00:00:20\s+192\.0\.2\.20\s+reply\s+9 frames\s+3 s ago\s+no\s+-\s+web \(eth0\)\nfix: on 192\.0\.2\.20: …$/,
    },
  ];
  for (const c of cases) {
    const out = renderHuman(c.cmd, c.data, plain);
    if (typeof c.want === 'string') t.equal(out, c.want, c.desc);
    else t.match(out, c.want, c.desc);
  }
});

t.test('findGroupId reads group(5)', async (t) => {
  const file = 'root:x:0:\nadm:x:4:syslog\nvip-arpd:x:998:alice,bob\nbroken\n';
  const cases: Array<[string, number | undefined]> = [
    ['root', 0],
    ['vip-arpd', 998],
    ['adm', 4],
    ['nobody', undefined],
    ['broken', undefined],
    ['', undefined],
  ];
  for (const [name, want] of cases) t.equal(findGroupId(file, name), want, `"${name}"`);
});
