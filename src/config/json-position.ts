/**
 * Turns offsets in a config's text into "line L, column C", so a config error
 * points at the spot to fix. Pure.
 */
import { parse, type ParseError } from 'jsonc-parser';
import { MAX_JSON_DEPTH, nestsDeeperThan, tooDeepAt } from './json-depth.js';

export interface TextPosition {
  line: number;
  column: number;
}

/**
 * Line and column (1-based) of offsets in one text. The line starts are found
 * once (one pass over the text), then each lookup is a binary search: an error
 * list naming 65,536 groups of a 50 MB file costs milliseconds, where scanning
 * from the start for every offset took minutes.
 */
export class LineIndex {
  private readonly starts: Uint32Array;

  constructor(text: string) {
    let lines = 1;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines++;
    this.starts = new Uint32Array(lines);
    let n = 1;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) this.starts[n++] = at + 1;
  }

  /** Position of character `offset` (clamped to the text). */
  positionOf(offset: number): TextPosition {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

/** Line and column (1-based) of character `offset` in `text`; for one lookup (use LineIndex for many). */
export function positionOf(text: string, offset: number): TextPosition {
  return new LineIndex(text.length > offset ? text.slice(0, offset) : text).positionOf(offset);
}

/** `"x"` for a printable character, `U+0000` for others (a control character or a stray BOM is invisible). */
function describeChar(c: string | undefined): string {
  if (c === undefined) return 'the end of the file';
  const code = c.codePointAt(0)!;
  return code < 0x20 || code === 0x7f || code === 0xfeff || (code >= 0x80 && code < 0xa0) ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `"${c}"`;
}

/**
 * Parses JSON; on a syntax error, or nesting deeper than `maxDepth`, returns
 * what is wrong and where instead of throwing.
 */
export function parseJsonWithPosition(
  text: string,
  maxDepth = MAX_JSON_DEPTH,
): { ok: true; value: unknown } | { ok: false; message: string; position?: TextPosition } {
  const tooDeep = (): { ok: false; message: string; position: TextPosition } | undefined => {
    const at = tooDeepAt(text, maxDepth);
    if (at < 0) return undefined;
    return { ok: false, message: `nested more than ${maxDepth} levels deep ("{" and "["); a vip-arpd config needs at most 4`, position: positionOf(text, at) };
  };
  try {
    // V8's JSON.parse does not recurse; the value is checked before anything that does sees it.
    const value: unknown = JSON.parse(text);
    return nestsDeeperThan(value, maxDepth) ? (tooDeep() ?? { ok: false, message: `nested more than ${maxDepth} levels deep` }) : { ok: true, value };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const match = /at position (\d+)/.exec(message);
    if (match !== null) {
      const position = positionOf(text, Number(match[1]));
      return { ok: false, message: message.replace(/ in JSON at position \d+.*$/, ''), position };
    }
    if (/Unexpected end of JSON input/.test(message)) {
      return { ok: false, message: 'unexpected end of file (is it half-written?)', position: positionOf(text, text.length) };
    }
    // V8 names some errors without an offset ("Unexpected token 'x', ... is not
    // valid JSON"): jsonc-parser, strict, finds it, once the text is known not
    // to nest deep enough to overflow its recursion.
    const deep = tooDeep();
    if (deep !== undefined) return deep;
    const errors: ParseError[] = [];
    parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (first === undefined) return { ok: false, message };
    return { ok: false, message: `unexpected ${describeChar(text[first.offset])}`, position: positionOf(text, first.offset) };
  }
}
