/**
 * Loads a snapshot on a worker thread, so a reload of any size never stops
 * the event loop that answers ARP: reading the files (never blocking on a
 * FIFO, see read-text-file.ts), hashing them, JSON parsing, validation and
 * VIP expansion all run there. A 50 MB config takes seconds of CPU; on the
 * main thread that was seconds without a single ARP reply
 * (docs/benchmarks.md, "Reloads off the event loop").
 *
 * The main thread only receives the result: the snapshot with its VIP arrays
 * transferred (moved, not copied), or the problems.
 */
import { Worker } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../errors.js';
import { ConfigError, type ConfigProblem } from './load-config.js';
import { FileSet } from './file-set.js';
import { configPath, loadSnapshot, type ConfigSource, type LastGoodVipFiles } from './load-snapshot.js';
import type { Snapshot } from './snapshot.js';

/**
 * A load still running after this long is stopped and reported: far more
 * than the largest config needs (seconds), so only a hung file system or a
 * bug gets here, and reloads do not queue behind it forever.
 */
export const WORKER_LOAD_TIMEOUT_MS = 60_000;

export interface WorkerLoadRequest {
  source: ConfigSource;
  /** the snapshot in force: when its files hash the same, nothing is parsed */
  applied?: { hash: string; paths: string[] };
  lastGood: LastGoodVipFiles;
}

/** A VIP file whose last line has no newline: maybe still being written (reloader.ts). */
export interface UnterminatedFile {
  path: string;
  mtimeMs: number;
}

export type WorkerLoadResult =
  | { kind: 'unchanged' }
  | { kind: 'loaded'; snapshot: Snapshot; unterminated: UnterminatedFile[] }
  | { kind: 'invalid'; problems: ConfigProblem[]; paths: string[]; unterminated: UnterminatedFile[]; hash?: string };

/** Reads the files of the snapshot in force; `unchanged` when they hash as they did. */
export function readApplied(applied: { hash: string; paths: readonly string[] }): { files: FileSet; unchanged: boolean } {
  const files = new FileSet();
  for (const p of applied.paths) files.read(p);
  return { files, unchanged: files.hash() === applied.hash };
}

/** The load itself, as the worker runs it (callable in-thread by tests). Never throws. */
export function runLoad(req: WorkerLoadRequest): WorkerLoadResult {
  let prefetched: FileSet | undefined;
  if (req.applied !== undefined) {
    const applied = readApplied(req.applied);
    if (applied.unchanged) return { kind: 'unchanged' };
    prefetched = applied.files;
  }
  const files = new FileSet(prefetched);
  try {
    const snapshot = loadSnapshot(req.source, files, req.lastGood);
    return { kind: 'loaded', snapshot, unterminated: unterminatedFiles(req.source, files) };
  } catch (err) {
    const problems = err instanceof ConfigError ? [...err.problems] : [{ message: `internal error while loading the config: ${errorMessage(err)}` }];
    return { kind: 'invalid', problems, paths: files.paths(), unterminated: unterminatedFiles(req.source, files), hash: files.hash() };
  }
}

function unterminatedFiles(source: ConfigSource, files: FileSet): UnterminatedFile[] {
  const config = configPath(source);
  const out: UnterminatedFile[] = [];
  for (const path of files.paths()) {
    const r = files.read(path);
    if (path !== config && r.ok && r.text !== '' && !r.text.endsWith('\n')) out.push({ path, mtimeMs: r.mtimeMs });
  }
  return out;
}

/** The worker's script: this module's sibling, with this module's extension (.js built, .ts under the test loader). */
const WORKER_SCRIPT = new URL(`./snapshot-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** A started load; `cancel()` stops the worker (the promise then resolves as invalid). */
export interface WorkerLoad {
  result: Promise<WorkerLoadResult>;
  cancel(): void;
}

/** Runs {@link runLoad} on a fresh worker thread. The promise never rejects. */
export function loadInWorker(req: WorkerLoadRequest, timeoutMs = WORKER_LOAD_TIMEOUT_MS): WorkerLoad {
  const worker = new Worker(WORKER_SCRIPT, { workerData: req });
  let settle: (r: WorkerLoadResult) => void = () => {};
  const failed = (message: string): WorkerLoadResult => ({ kind: 'invalid', problems: [{ message }], paths: [], unterminated: [] });
  const result = new Promise<WorkerLoadResult>((resolve) => {
    let done = false;
    settle = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
      void worker.terminate();
    };
    const timer = setTimeout(() => settle(failed(`loading the config took over ${timeoutMs / 1000} s; stopped (a hung file system?)`)), timeoutMs);
    worker.once('message', (r: WorkerLoadResult) => settle(r));
    worker.once('error', (err) => settle(failed(`internal error while loading the config: ${errorMessage(err)}`)));
    worker.once('exit', (code) => settle(failed(`the config loader exited (${code}) without a result`)));
  });
  return { result, cancel: () => settle(failed('the config load was cancelled')) };
}
