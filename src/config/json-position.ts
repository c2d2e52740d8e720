/**
 * Turns a JSON.parse error into "line L, column C", so a config error points
 * at the spot to fix. Pure.
 */

export interface TextPosition {
  line: number;
  column: number;
}

/** Line and column (1-based) of character `offset` in `text`. */
export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses JSON; on a syntax error returns the message with line and column
 * instead of throwing.
 */
export function parseJsonWithPosition(text: string): { ok: true; value: unknown } | { ok: false; message: string; position?: TextPosition } {
  try {
    return { ok: true, value: JSON.parse(text) };
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
    return { ok: false, message };
  }
}
