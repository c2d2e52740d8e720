/**
 * vip-arpd as an e2e test runs it: started inside a lab host with a config
 * written to a temp dir, its pino log lines parsed as they come, stopped or
 * killed on teardown.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killAndWait, waitExit } from '../../../lab/processes.mjs';
import { REPO_ROOT } from './environment.js';
import type { Lab } from './namespaces.js';

/** One parsed pino log line (plus anything the daemon adds). */
export interface LogLine {
  level?: number;
  msg?: string;
  time?: number;
  [key: string]: unknown;
}

/** Options for {@link startDaemon}. */
export interface DaemonOpts {
  /** Extra CLI arguments after `--config FILE`. */
  args?: string[];
  /** Extra environment variables. */
  env?: NodeJS.ProcessEnv;
  /** Give up waiting for the 'ready' log line after this many ms (default 10 000). */
  readyTimeoutMs?: number;
  /** Resolve at once instead of waiting for 'ready' (for tests of start-up failures). */
  noWait?: boolean;
  /** Directory for the config file (default a fresh {@link tempDir}). */
  dir?: string;
  /** Script to run instead of {@link DAEMON_ENTRY} (tests of the lab itself). */
  entry?: string;
}

/** A running vip-arpd; see {@link startDaemon}. */
export interface DaemonProcess {
  proc: ChildProcess;
  /** Directory holding the config file; handy for sockets and state files. */
  dir: string;
  configPath: string;
  /** Log lines parsed so far (stdout lines that are not JSON are kept as `{msg: line, raw: true}`). */
  logs(): LogLine[];
  /** stderr so far. */
  stderr(): string;
  /**
   * waitForLog resolves with the first log line (already seen or new) that
   * matches `pred`.
   * @throws Error on timeout (default 5000 ms) or when the daemon exits first.
   */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** stop sends `signal` (default SIGTERM) and resolves on exit, with the ms it took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  /** kill sends SIGKILL and resolves on exit. */
  kill(): Promise<void>;
}

/** Path of the built daemon entry point. */
export const DAEMON_ENTRY = join(REPO_ROOT, 'dist', 'cli', 'vip-arpd.js');

/**
 * startDaemon writes `config` as JSON to a temp dir, runs
 * `node dist/cli/vip-arpd.js --config FILE` inside `host`'s namespace and
 * resolves once it logs `msg: 'ready'`. It is killed on teardown.
 *
 * @throws Error with the collected stdout/stderr when the daemon exits first or
 *   is not ready within `readyTimeoutMs`.
 */
export async function startDaemon(lab: Lab, host: string, config: object, opts: DaemonOpts = {}): Promise<DaemonProcess> {
  const dir = opts.dir ?? lab.tempDir('vip-arpd-daemon-');
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const proc = lab.spawn(host, process.execPath, [opts.entry ?? DAEMON_ENTRY, '--config', configPath, ...(opts.args ?? [])], { env: opts.env ?? {} });
  const lines: LogLine[] = [];
  const waiters = new Set<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  let stderr = '';
  let buf = '';
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim() === '') continue;
      let parsed: LogLine;
      try {
        const v = JSON.parse(line) as unknown;
        parsed = v !== null && typeof v === 'object' ? (v as LogLine) : { msg: line, raw: true };
      } catch {
        parsed = { msg: line, raw: true };
      }
      lines.push(parsed);
      for (const w of waiters) {
        if (w.pred(parsed)) {
          waiters.delete(w);
          w.resolve(parsed);
        }
      }
    }
  });
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const describe = (): string => `stdout:\n${lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${stderr}`;

  const waitForLog = (pred: (l: LogLine) => boolean, timeoutMs = 5000): Promise<LogLine> => {
    const seen = lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolveP, reject) => {
      const w = {
        pred,
        resolve: (l: LogLine) => {
          cleanup();
          resolveP(l);
        },
      };
      const onExit = (code: number | null, sig: NodeJS.Signals | null): void => {
        // Let buffered stdout drain before failing.
        setImmediate(() => {
          const late = lines.find(pred);
          cleanup();
          if (late) resolveP(late);
          else reject(new Error(`vip-arpd exited (${code ?? sig}) before the expected log line\n${describe()}`));
        });
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for a vip-arpd log line\n${describe()}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(w);
        proc.off('exit', onExit);
      };
      waiters.add(w);
      if (proc.exitCode !== null || proc.signalCode !== null) onExit(proc.exitCode, proc.signalCode);
      else proc.once('exit', onExit);
    });
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> => {
    const t0 = Date.now();
    const done = waitExit(proc);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    const r = await done;
    return { ...r, ms: Date.now() - t0 };
  };

  lab.teardown(() => killAndWait(proc, 'SIGTERM', 3000));

  const d: DaemonProcess = {
    proc,
    dir,
    configPath,
    logs: () => lines,
    stderr: () => stderr,
    waitForLog,
    stop,
    kill: async () => {
      await killAndWait(proc, 'SIGKILL', 0);
    },
  };
  if (!opts.noWait) {
    await waitForLog((l) => l.msg === 'ready', opts.readyTimeoutMs ?? 10_000).catch(async (err: unknown) => {
      await killAndWait(proc, 'SIGKILL', 0);
      throw new Error(`Cannot start vip-arpd in ${host}: ${(err as Error).message}`);
    });
  }
  return d;
}
