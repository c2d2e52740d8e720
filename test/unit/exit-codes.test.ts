// Each program's exit codes are distinct, and README.md / docs/control.md list
// exactly them: a code added, dropped or renumbered in src/cli/exit-codes.ts
// without the documentation fails here.
import t from 'tap';
import { readFileSync } from 'node:fs';
import * as exitCodes from '../../src/cli/exit-codes.js';

const doc = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The codes of one program: the constants named with its prefix. */
function codesOf(prefix: string): number[] {
  return Object.entries(exitCodes)
    .filter(([name]) => name.startsWith(prefix))
    .map(([, code]) => code);
}

/** The codes in a sentence such as "Exit codes: 0 ok, 64 usage, 70 internal error." (one item after each `:` or `,`). */
function codesInSentence(text: string, start: string): number[] {
  const from = text.indexOf(start);
  if (from < 0) return [];
  const sentence = text
    .slice(from + start.length)
    .replace(/\s+/g, ' ')
    .split(/\.\s/)[0]!;
  return [...sentence.matchAll(/(?:^|,)\s*(\d+)\s/g)].map((m) => Number(m[1]));
}

/** The codes in a markdown table after `heading` whose rows start `| code |`. */
function codesInTable(text: string, heading: string): number[] {
  const from = text.indexOf(heading);
  if (from < 0) return [];
  const rows =
    text
      .slice(from)
      .split('\n\n')
      .find((block) => block.startsWith('|')) ?? '';
  return [...rows.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
}

const sorted = (codes: number[]): number[] => [...codes].sort((a, b) => a - b);

const programs = [
  { name: 'vip-arpd', prefix: 'EXIT_', documented: { 'README.md': codesInSentence(doc('README.md'), 'Exit codes of `vip-arpd`:') } },
  {
    name: 'vip-arpctl',
    prefix: 'CTL_',
    documented: {
      'README.md': codesInSentence(doc('README.md'), '`control.group`). Exit codes:'),
      'docs/control.md': codesInTable(doc('docs/control.md'), 'Exit codes:'),
    },
  },
];

for (const p of programs) {
  t.test(`${p.name}'s exit codes`, async (t) => {
    const codes = codesOf(p.prefix);
    t.ok(codes.length >= 4, `found ${p.prefix}* constants`);
    t.equal(new Set(codes).size, codes.length, 'no two constants share a code');
    for (const [file, documented] of Object.entries(p.documented)) t.same(sorted(documented), sorted(codes), `${file} lists exactly these codes`);
  });
}
