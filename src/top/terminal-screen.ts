/**
 * Where `top` draws. On a terminal: the alternate screen (the shell's
 * scrollback is left as it was), cursor hidden, each frame drawn over the
 * last from the top-left with lines cleared to their end; restored on close.
 * Elsewhere (a pipe, a file): each frame as plain lines and a blank line.
 */
import type { Writable } from 'node:stream';

/** ECMA-48 / xterm control sequences; the few top needs. */
const ALT_SCREEN_ON = '\x1b[?1049h';
const ALT_SCREEN_OFF = '\x1b[?1049l';
const CURSOR_HIDE = '\x1b[?25l';
const CURSOR_SHOW = '\x1b[?25h';
const HOME = '\x1b[H';
const CLEAR_LINE_END = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';

export interface Screen {
  draw(lines: readonly string[]): void;
  /** Restores the terminal. Idempotent. */
  close(): void;
}

/** A screen on `out`; `tty` says whether to redraw in place. */
export function openScreen(out: Writable, tty: boolean): Screen {
  if (!tty) {
    return { draw: (lines) => void out.write(`${lines.join('\n')}\n\n`), close: () => {} };
  }
  let open = true;
  out.write(ALT_SCREEN_ON + CURSOR_HIDE);
  return {
    draw: (lines) => {
      if (open) out.write(`${HOME}${lines.map((l) => l + CLEAR_LINE_END).join('\n')}${CLEAR_BELOW}`);
    },
    close: () => {
      if (!open) return;
      open = false;
      out.write(CURSOR_SHOW + ALT_SCREEN_OFF);
    },
  };
}
