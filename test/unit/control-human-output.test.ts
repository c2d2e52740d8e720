import t from 'tap';
import { findGroupId } from '../../src/control/group-id.js';
import { formatDuration, formatTable, renderHuman } from '../../src/control/human-output.js';

t.test('formatTable pads all but the last column', async (t) => {
  t.equal(formatTable([['A', 'BB', 'C'], ['xxx', 'y', 'zzzz']]), 'A    BB  C\nxxx  y   zzzz');
});

t.test('formatDuration', async (t) => {
  const cases: Array<[number, string]> = [[0, '0s'], [59, '59s'], [61, '1m 1s'], [3725, '1h 2m 5s'], [90061, '1d 1h 1m 1s']];
  for (const [input, want] of cases) t.equal(formatDuration(input), want, `${input} s`);
});

t.test('renderHuman', async (t) => {
  const cases: Array<{ desc: string; cmd: string; data: unknown; want: string | RegExp }> = [
    { desc: 'role prints the bare role', cmd: 'role', data: { group: 'web', role: 'MASTER' }, want: 'MASTER' },
    { desc: 'takeover prints the change', cmd: 'takeover', data: { group: 'web', from: 'BACKUP', to: 'MASTER', source: 'control' }, want: 'web: BACKUP -> MASTER' },
    { desc: 'a repeated role says unchanged', cmd: 'release', data: { group: 'web', from: 'BACKUP', to: 'BACKUP', source: 'control' }, want: 'web: BACKUP (unchanged)' },
    { desc: 'notify prints one line per group', cmd: 'notify', data: [{ group: 'a', from: 'BACKUP', to: 'MASTER' }, { group: 'b', from: 'BACKUP', to: 'MASTER' }], want: 'a: BACKUP -> MASTER\nb: BACKUP -> MASTER' },
    { desc: 'vips lists one VIP per line', cmd: 'vips', data: [{ name: 'web', role: 'MASTER', interface: 'eth0', vips: ['198.51.100.1'] }], want: 'web (MASTER, eth0)\n  198.51.100.1' },
    {
      desc: 'status shows groups, interfaces and extra sections',
      cmd: 'status',
      data: {
        daemon: { pid: 1, uptimeSec: 61, generation: 2 },
        groups: [{ name: 'web', role: 'BACKUP', interface: 'eth0', vips: 3, mac: '02:00:00:00:00:01' }],
        interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', present: true, counts: { answered: 4, 'malformed:short': 2, 'malformed:htype': 1 }, txDropped: 0 }],
        config: { generation: 2 },
      },
      want: /up 1m 1s, config generation 2[\s\S]*web\s+BACKUP\s+eth0\s+3[\s\S]*eth0\s+02:00:00:00:00:01\s+4\s+0\s+0\s+3\s+0[\s\S]*config: \{/,
    },
    { desc: 'unknown commands print indented JSON', cmd: 'metrics', data: { a: 1 }, want: '{\n  "a": 1\n}' },
    { desc: 'strings print as they are', cmd: 'doctor', data: 'all good', want: 'all good' },
    { desc: 'a known command of another shape falls back to JSON', cmd: 'status', data: { other: true }, want: '{\n  "other": true\n}' },
  ];
  for (const c of cases) {
    const out = renderHuman(c.cmd, c.data);
    if (typeof c.want === 'string') t.equal(out, c.want, c.desc);
    else t.match(out, c.want, c.desc);
  }
});

t.test('findGroupId reads group(5)', async (t) => {
  const file = 'root:x:0:\nadm:x:4:syslog\nvip-arpd:x:998:alice,bob\nbroken\n';
  const cases: Array<[string, number | undefined]> = [['root', 0], ['vip-arpd', 998], ['adm', 4], ['nobody', undefined], ['broken', undefined], ['', undefined]];
  for (const [name, want] of cases) t.equal(findGroupId(file, name), want, `"${name}"`);
});
