import t from 'tap';
import { LineSplitter } from '../../src/control/line-splitter.js';

t.test('LineSplitter', async (t) => {
  const cases: Array<{ desc: string; max: number; chunks: string[]; want: string[]; overflow: boolean; buffered?: number }> = [
    { desc: 'splits one chunk into lines', max: 100, chunks: ['a\nbb\n'], want: ['a', 'bb'], overflow: false },
    { desc: 'joins a line across chunks', max: 100, chunks: ['{"cmd"', ':"status"}\n'], want: ['{"cmd":"status"}'], overflow: false },
    { desc: 'keeps an unfinished line', max: 100, chunks: ['a\nbc'], want: ['a'], overflow: false, buffered: 2 },
    { desc: 'strips a CR before the newline', max: 100, chunks: ['a\r\n'], want: ['a'], overflow: false },
    { desc: 'yields empty lines', max: 100, chunks: ['\n\n'], want: ['', ''], overflow: false },
    { desc: 'accepts a line of exactly the bound', max: 3, chunks: ['abc\n'], want: ['abc'], overflow: false },
    { desc: 'overflows on a line one byte past the bound', max: 3, chunks: ['abcd\n'], want: [], overflow: true },
    { desc: 'overflows on an unfinished line past the bound', max: 3, chunks: ['ab', 'cd'], want: [], overflow: true },
    { desc: 'keeps lines before an overflow', max: 3, chunks: ['ok\ntoolong\n'], want: ['ok'], overflow: true },
    { desc: 'drops everything after an overflow', max: 3, chunks: ['abcd', '\nx\n'], want: [], overflow: true },
    { desc: 'decodes UTF-8 split inside a character', max: 100, chunks: ['caf\xc3', '\xa9\n'], want: ['café'], overflow: false },
  ];
  for (const c of cases) {
    const s = new LineSplitter(c.max);
    const lines: string[] = [];
    let overflow = false;
    for (const chunk of c.chunks) {
      const r = s.push(Buffer.from(chunk, 'latin1'));
      lines.push(...r.lines);
      overflow = r.overflow;
    }
    t.same(lines, c.want, `${c.desc}: lines`);
    t.equal(overflow, c.overflow, `${c.desc}: overflow`);
    if (c.buffered !== undefined) t.equal(s.buffered, c.buffered, `${c.desc}: buffered`);
  }
  t.throws(() => new LineSplitter(0), RangeError, 'a zero bound is refused');
});

t.test('LineSplitter holds at most the bound for a 10 MB line', async (t) => {
  const s = new LineSplitter(65536);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let overflow = false;
  for (let i = 0; i < 160 && !overflow; i++) overflow = s.push(chunk).overflow;
  t.ok(overflow, 'overflowed');
  t.equal(s.buffered, 0, 'nothing kept after overflow');
});
