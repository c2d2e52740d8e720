import t from 'tap';
import { ago, count, firstLine, rate } from '../../src/control/human-units.js';
import { colourWanted, textStyle, visibleLength } from '../../src/control/text-style.js';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');

t.test('count puts the unit, plural unless one', async (t) => {
  t.equal(count(0, 'file'), '0 files');
  t.equal(count(1, 'file'), '1 file');
  t.equal(count(2, 'defence'), '2 defences');
  t.equal(count(3, '(VIP, MAC) pair'), '3 (VIP, MAC) pairs');
  t.equal(count(2, 'reply', 'replies'), '2 replies');
});

t.test('span and ago use the largest sensible unit', async (t) => {
  const cases: Array<[number, string]> = [
    [1, '1 s ago'],
    [12.4, '12 s ago'],
    [59, '59 s ago'],
    [60, '1 min ago'],
    [3599, '59 min ago'],
    [3600, '1 h ago'],
    [86_399, '23 h ago'],
    [86_400 * 3, '3 d ago'],
  ];
  for (const [s, want] of cases) t.equal(ago(NOW - s * 1000, NOW), want, `${s} s`);
  t.equal(ago(new Date(NOW - 12_000).toISOString(), NOW), '12 s ago');
  t.equal(ago(NOW - 120_000, NOW), '2 min ago', 'epoch ms too');
  t.equal(ago(NOW + 5_000, NOW), 'just now', 'a clock a little ahead');
  t.equal(ago(null, NOW), 'never');
  t.equal(ago('yesterday', NOW), 'yesterday', 'not a time: unchanged');
});

t.test('rate is short', async (t) => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [0.5, '0.5'],
    [7, '7'],
    [950.4, '950'],
    [1234, '1.2k'],
    [48_400, '48k'],
    [1_500_000, '1.5M'],
    [-3, '0'],
  ];
  for (const [r, want] of cases) t.equal(rate(r), want, String(r));
});

t.test('firstLine cuts long and multi-line text', async (t) => {
  t.equal(firstLine('short'), 'short');
  t.equal(firstLine('a\nb'), 'a …');
  t.equal(firstLine('x'.repeat(10), 5), 'xxxx…');
});

t.test('colour only on a terminal and never with NO_COLOR', async (t) => {
  const cases: Array<{ desc: string; tty: boolean | undefined; env: NodeJS.ProcessEnv; want: boolean }> = [
    { desc: 'a terminal', tty: true, env: { TERM: 'xterm' }, want: true },
    { desc: 'NO_COLOR=1', tty: true, env: { NO_COLOR: '1' }, want: false },
    { desc: 'NO_COLOR set to anything', tty: true, env: { NO_COLOR: 'no' }, want: false },
    { desc: 'NO_COLOR empty counts as unset (no-color.org)', tty: true, env: { NO_COLOR: '' }, want: true },
    { desc: 'a pipe', tty: false, env: {}, want: false },
    { desc: 'not a stream with isTTY', tty: undefined, env: {}, want: false },
    { desc: 'TERM=dumb', tty: true, env: { TERM: 'dumb' }, want: false },
  ];
  for (const c of cases) t.equal(colourWanted(c.tty, c.env), c.want, c.desc);
  const on = textStyle(true);
  const off = textStyle(false);
  t.equal(on.role('MASTER'), '\x1b[32mMASTER\x1b[0m');
  t.equal(on.role('BACKUP'), 'BACKUP', 'BACKUP stays plain');
  t.equal(on.role('FAULT'), '\x1b[31mFAULT\x1b[0m');
  t.equal(on.verdict('WARN'), '\x1b[33mWARN\x1b[0m');
  t.equal(off.role('MASTER'), 'MASTER');
  t.equal(off.paint('red', 'x'), 'x');
  t.equal(visibleLength(on.role('MASTER')), 6);
});
