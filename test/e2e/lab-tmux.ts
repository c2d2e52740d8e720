// A real terminal for tests of what a person sees: a private tmux server
// (its own -L socket, so no other tmux is touched) running one command in a
// pane of a fixed size, read back with capture-pane. Killed on teardown.
import type { Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, waitFor } from './lab.js';

export interface TmuxPane {
  /** the visible screen as text; `escapes` keeps colour codes (capture-pane -e) */
  screen(opts?: { escapes?: boolean }): Promise<string>;
  /** waits until `pred(screen)` holds and returns that screen */
  waitForScreen(pred: (screen: string) => boolean, opts?: { timeoutMs?: number; escapes?: boolean; desc?: string }): Promise<string>;
  /** types `keys` (tmux send-keys syntax, e.g. 'q', 'C-c') */
  sendKeys(...keys: string[]): Promise<void>;
  /** the exit status (the pane stays for capture), waiting up to `timeoutMs` for the command to end; undefined if it still runs */
  waitForExit(timeoutMs?: number): Promise<number | undefined>;
  kill(): Promise<void>;
}

const COLS = 160;
const ROWS = 48;

/**
 * Starts `command` (one shell command line) in a fresh tmux server with `env`
 * set in the pane (values of `undefined` are unset).
 */
export async function openTmux(t: Test, command: string, env: Record<string, string | undefined> = {}): Promise<TmuxPane> {
  const server = `vip-arpd-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  const tmux = (...args: string[]) => run('tmux', ['-L', server, '-f', '/dev/null', ...args], { check: true });
  const unset = Object.entries(env)
    .filter(([, v]) => v === undefined)
    .map(([k]) => `-u ${k}`);
  const set = Object.entries(env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}='${v!.replace(/'/g, `'\\''`)}'`);
  const line = `env ${[...unset, ...set].join(' ')} ${command}`;
  // The wrapper writes the command's exit status to a file: tmux's
  // pane_dead_status is not always filled in once the pane is dead (its
  // terminal closes before tmux reaps the process), and waiting on it alone
  // made status runs look unfinished.
  const statusFile = join(tmpdir(), `${server}.exit`);
  await tmux('new-session', '-d', '-s', 'main', '-x', String(COLS), '-y', String(ROWS), 'sh', '-c', `sleep 0.2; ${line}; echo $? > ${statusFile}`);
  // Keep the pane after the command ends, so its last screen and exit status can be read.
  await tmux('set-option', '-t', 'main', 'remain-on-exit', 'on');
  const kill = async (): Promise<void> => {
    await run('tmux', ['-L', server, 'kill-server']);
    rmSync(statusFile, { force: true });
  };
  t.teardown(kill);
  const screen = async (opts: { escapes?: boolean } = {}): Promise<string> =>
    // -S -: from the start of the history too; a command that ended may have scrolled its first line there.
    (await tmux('capture-pane', '-p', '-S', '-', '-t', 'main', ...(opts.escapes ? ['-e'] : []))).stdout;
  const exitStatus = async (): Promise<number | undefined> => {
    try {
      const text = readFileSync(statusFile, 'utf8');
      return text.endsWith('\n') ? Number(text) : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    screen,
    waitForScreen: async (pred, opts = {}) => {
      let last = '';
      try {
        return await waitFor(
          async () => {
            last = await screen({ escapes: opts.escapes ?? false });
            return pred(last) ? last : undefined;
          },
          { timeoutMs: opts.timeoutMs ?? 10_000, intervalMs: 100 },
        );
      } catch {
        throw new Error(`screen never showed ${opts.desc ?? 'what was waited for'}; last screen:\n${last}`);
      }
    },
    sendKeys: async (...keys) => {
      await tmux('send-keys', '-t', 'main', ...keys);
    },
    waitForExit: async (timeoutMs = 3000) => {
      const deadline = Date.now() + timeoutMs;
      let status = await exitStatus();
      while (status === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        status = await exitStatus();
      }
      return status;
    },
    kill,
  };
}
