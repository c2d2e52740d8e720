/**
 * A bound on how deeply a config's JSON may nest, checked before anything
 * recursive (jsonc-parser, convict) sees it: a value nested 5,000 deep
 * overflowed the stack in jsonc-parser and took the daemon down on a reload.
 * Pure; neither check recurses.
 */

/**
 * Deepest nesting of `{` and `[` a config may use. A valid config needs 4
 * (root → groups → group → garp); the rest is room for unknown settings,
 * which are reported as such, with their place.
 */
export const MAX_JSON_DEPTH = 64;

/** True when a parsed JSON value nests objects and arrays deeper than `maxDepth` (the root is level 1). */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 1 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { v, depth } = top;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > maxDepth) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) if (typeof c === 'object' && c !== null) stack.push({ v: c, depth: depth + 1 });
  }
  return false;
}

/** `"` and the brackets: all that matters for nesting, found by the regex engine instead of a loop over every character. */
const STRUCTURE = /["{}[\]]/g;

/**
 * Offset of the first `{` or `[` (outside strings) that opens level
 * `maxDepth + 1`, or -1 when the text never nests that deep. Text that is not
 * valid JSON is scanned all the same.
 */
export function tooDeepAt(text: string, maxDepth = MAX_JSON_DEPTH): number {
  let depth = 0;
  const re = new RegExp(STRUCTURE);
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const c = m[0];
    if (c === '"') {
      re.lastIndex = stringEnd(text, m.index) + 1;
    } else if (c === '{' || c === '[') {
      if (++depth > maxDepth) return m.index;
    } else {
      depth--;
    }
  }
  return -1;
}

/** Offset of the quote that closes the string opened at `open` (text.length when unterminated). */
function stringEnd(text: string, open: number): number {
  for (let q = text.indexOf('"', open + 1); q >= 0; q = text.indexOf('"', q + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return text.length;
}
