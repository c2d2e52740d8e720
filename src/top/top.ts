/**
 * `vip-arpctl top`: asks the daemon for `status` once per interval (one short
 * connection each, the same request `status` makes), and draws the screen.
 * When the daemon stops answering it says so and keeps asking; the message
 * clears at the first answer. Ends on q, Ctrl-C, SIGINT or SIGTERM, with the
 * terminal restored.
 */
import type { Readable, Writable } from 'node:stream';
import type { ControlResponse } from '../control/protocol.js';
import type { TextStyle } from '../control/text-style.js';
import { openScreen } from './terminal-screen.js';
import { ratesBetween, sampleOf, type StatusSample } from './top-rates.js';
import { renderTop, type TopFrame } from './top-view.js';

export interface TopOptions {
  socket: string;
  intervalMs: number;
  /** sends one request; rejects when the daemon is unreachable */
  request: (cmd: string) => Promise<ControlResponse>;
  out: Writable & { isTTY?: boolean; rows?: number };
  in: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  style: TextStyle;
  now?: () => number;
}

const CTRL_C = '\x03';

/** Runs until q / Ctrl-C / SIGINT / SIGTERM; resolves then. */
export async function runTop(o: TopOptions): Promise<void> {
  const now = o.now ?? Date.now;
  const tty = o.out.isTTY === true;
  const screen = openScreen(o.out, tty);
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = (): void => {
    stopped = true;
    wake?.();
  };
  const onKey = (key: Buffer | string): void => {
    const k = String(key);
    if (k.includes('q') || k.includes('Q') || k.includes(CTRL_C)) stop();
  };
  const raw = o.in.isTTY === true && typeof o.in.setRawMode === 'function';
  if (raw) {
    o.in.setRawMode!(true);
    o.in.on('data', onKey);
    o.in.resume();
  }
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // `top | head` closes the pipe: that is the reader quitting, not an error.
  o.out.on('error', stop);
  const frame: TopFrame = { status: undefined, rates: undefined, intervalMs: o.intervalMs, socket: o.socket };
  let prev: StatusSample | undefined;
  try {
    while (!stopped) {
      const started = now();
      try {
        const r = await o.request('status');
        if (!r.ok) throw new Error(`${r.error.message} (${r.error.code})`);
        const at = now();
        const sample = sampleOf(r.data, at);
        frame.rates = ratesBetween(prev, sample);
        prev = sample;
        frame.status = r.data;
        frame.receivedAt = at;
        delete frame.unreachable;
      } catch (err) {
        frame.unreachable ??= { since: now(), message: (err as Error).message };
        frame.unreachable.message = (err as Error).message;
        // No rate across a gap: the first answer after it is a new baseline.
        prev = undefined;
        frame.rates = undefined;
      }
      if (stopped) break;
      screen.draw(renderTop(frame, { now: now(), style: o.style }));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, started + o.intervalMs - now()));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    o.out.off('error', stop);
    if (raw) {
      o.in.off('data', onKey);
      o.in.setRawMode!(false);
      o.in.pause();
    }
    screen.close();
  }
}
