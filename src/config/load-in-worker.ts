/**
 * A reload's load: {@link loadSteps}, the load as a generator that reads the
 * files (never blocking on a FIFO, see read-text-file.ts), hashes them,
 * parses, validates and expands the VIPs, pausing where it may; the event
 * loop runs it in slices when it fits a budget (load-on-loop.ts), and
 * {@link loadInWorker} runs it whole on a worker thread when it does not. A
 * 50 MB config takes seconds of CPU, mostly one JSON.parse; on the main
 * thread that was seconds without a single ARP reply (docs/benchmarks.md,
 * "Reloads off the event loop").
 *
 * The main thread only receives the result: the problems, or the snapshot,
 * which comes in pieces of GROUPS_PER_MESSAGE groups, each asked for when the
 * last one is in (so the event loop turns between them), their VIPs in one
 * transferred (moved, not copied) array per piece and family. Receiving
 * 65,535 groups in one message stopped the event loop for seconds.
 */
import { Worker } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../util/errors.js';
import { ConfigError, type ConfigProblem } from './load-config.js';
import { FileSet } from './file-set.js';
import { configPath, loadSnapshotSteps, type ConfigSource, type LastGoodVipFiles } from './load-snapshot.js';
import { runToEnd } from '../util/run-steps.js';
import type { GroupConfig } from './group-config.js';
import type { GroupSnapshot, LoadedVipsFile, Snapshot } from './snapshot.js';

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
export function readApplied(applied: { hash: string; paths: readonly string[] }, budget?: number): { files: FileSet; unchanged: boolean } {
  const files = new FileSet(undefined, budget);
  for (const p of applied.paths) files.read(p);
  return { files, unchanged: !files.overBudget && files.hash() === applied.hash };
}

/** The load itself, as the worker runs it (callable in-thread by tests). Never throws. */
export function runLoad(req: WorkerLoadRequest): WorkerLoadResult {
  return runToEnd(loadSteps(req)) as WorkerLoadResult;
}

/**
 * What a load on the event loop may read: a config file of at most
 * `configBytes` (its JSON is parsed and checked in one step) and at most
 * `totalBytes` with its VIP files (a file is read, decoded and hashed in one step).
 */
export interface LoopBudget {
  configBytes: number;
  totalBytes: number;
}

/**
 * The load, pausing every few thousand VIP entries (util/run-steps.ts), or,
 * given a budget, `too-big` as soon as its files would be over it, before any
 * parsing. Never throws.
 */
export function* loadSteps(req: WorkerLoadRequest, budget?: LoopBudget): Generator<void, WorkerLoadResult | { kind: 'too-big' }> {
  let prefetched: FileSet | undefined;
  if (req.applied !== undefined) {
    const applied = readApplied(req.applied, budget?.totalBytes);
    if (applied.files.overBudget) return { kind: 'too-big' };
    if (applied.unchanged) {
      applied.files.release();
      return { kind: 'unchanged' };
    }
    prefetched = applied.files;
  }
  const files = new FileSet(prefetched, budget?.totalBytes);
  const config = configPath(req.source);
  if (budget !== undefined && config !== undefined) {
    const r = files.read(config);
    if (files.overBudget || (r.ok && r.size > budget.configBytes)) return { kind: 'too-big' };
  }
  yield;
  try {
    const snapshot = yield* loadSnapshotSteps(req.source, files, req.lastGood);
    if (files.overBudget) return { kind: 'too-big' };
    return { kind: 'loaded', snapshot, unterminated: unterminatedFiles(req.source, files) };
  } catch (err) {
    if (files.overBudget) return { kind: 'too-big' };
    const problems = err instanceof ConfigError ? [...err.problems] : [{ message: `internal error while loading the config: ${errorMessage(err)}` }];
    const invalid: WorkerLoadResult = {
      kind: 'invalid',
      problems,
      paths: files.paths(),
      unterminated: unterminatedFiles(req.source, files),
      hash: files.hash(),
    };
    files.release();
    return invalid;
  }
}

function unterminatedFiles(source: ConfigSource, files: FileSet): UnterminatedFile[] {
  const config = configPath(source);
  const out: UnterminatedFile[] = [];
  for (const path of files.paths()) {
    const r = files.read(path);
    if (path !== config && r.ok && r.size > 0 && !r.endsInNewline) out.push({ path, mtimeMs: r.mtimeMs });
  }
  return out;
}

/**
 * Groups per message from the worker: a piece is received in a few
 * milliseconds, far under the 50 ms the responder may pause.
 */
export const GROUPS_PER_MESSAGE = 256;

/** What the worker posts (snapshot-worker.ts); the main thread answers each `head` and `groups` with `'more'`. */
export type WorkerMessage =
  | Exclude<WorkerLoadResult, { kind: 'loaded' }>
  | { kind: 'head'; snapshot: Snapshot; groupCount: number; unterminated: UnterminatedFile[] }
  | { kind: 'groups'; configs: GroupConfig[]; vips: JoinedVips; ipv6Vips: JoinedVips; vipsFiles: Array<VipsFileMessage | undefined> };

/** A group's `vipsFile` in a message: without the arrays that are the group's own (most often both), given back on receipt. */
type VipsFileMessage = Omit<LoadedVipsFile, 'vips' | 'ipv6Vips'> & { vips?: Uint32Array; ipv6Vips?: Uint32Array };

function vipsFileMessage(g: GroupSnapshot): VipsFileMessage | undefined {
  if (g.vipsFile === undefined) return undefined;
  const { vips, ipv6Vips, ...rest } = g.vipsFile;
  return { ...rest, ...(vips === g.vips ? {} : { vips }), ...(ipv6Vips === g.ipv6Vips ? {} : { ipv6Vips }) };
}

function receivedGroup(config: GroupConfig, vips: Uint32Array, ipv6Vips: Uint32Array, file: VipsFileMessage | undefined): GroupSnapshot {
  const group: GroupSnapshot = { config, vips, ipv6Vips };
  if (file !== undefined) group.vipsFile = { ...file, vips: file.vips ?? vips, ipv6Vips: file.ipv6Vips ?? ipv6Vips };
  return group;
}

/** Several groups' VIP arrays of one family in one: group i's are [ends[i - 1], ends[i]) of `all`. */
export interface JoinedVips {
  all: Uint32Array;
  ends: Uint32Array;
}

function joinVips(arrays: readonly Uint32Array[]): JoinedVips {
  const ends = new Uint32Array(arrays.length);
  let n = 0;
  arrays.forEach((a, i) => {
    n += a.length;
    ends[i] = n;
  });
  const all = new Uint32Array(n);
  arrays.forEach((a, i) => {
    all.set(a, ends[i]! - a.length);
  });
  return { all, ends };
}

function vipsOfGroup(p: JoinedVips, i: number): Uint32Array {
  return p.all.subarray(i === 0 ? 0 : p.ends[i - 1], p.ends[i]);
}

/** The pieces of a loaded result, in the order the worker posts them; `snapshot` in `head` has no groups. */
export function* resultMessages(result: Extract<WorkerLoadResult, { kind: 'loaded' }>): Generator<WorkerMessage> {
  const { config, groups, source } = result.snapshot;
  yield {
    kind: 'head',
    snapshot: { config: { ...config, groups: [] }, groups: [], ...(source === undefined ? {} : { source }) },
    groupCount: groups.length,
    unterminated: result.unterminated,
  };
  for (let at = 0; at < groups.length; at += GROUPS_PER_MESSAGE) {
    const some = groups.slice(at, at + GROUPS_PER_MESSAGE);
    yield {
      kind: 'groups',
      configs: some.map((g) => g.config),
      vips: joinVips(some.map((g) => g.vips)),
      ipv6Vips: joinVips(some.map((g) => g.ipv6Vips)),
      vipsFiles: some.map(vipsFileMessage),
    };
  }
}

/** The worker's script: this module's sibling, with this module's extension (.js built, .ts under the test loader). */
const WORKER_SCRIPT = new URL(`./snapshot-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** A started load; `cancel()` stops the worker (the promise then resolves as invalid). */
export interface WorkerLoad {
  result: Promise<WorkerLoadResult>;
  cancel(): void;
}

/** A load that failed as a whole, for a reason not in the files (cancelled, timed out, the worker died). */
export function failedLoad(message: string): WorkerLoadResult {
  return { kind: 'invalid', problems: [{ message }], paths: [], unterminated: [] };
}

/** Runs {@link runLoad} on a fresh worker thread. The promise never rejects. */
export function loadInWorker(req: WorkerLoadRequest, timeoutMs = WORKER_LOAD_TIMEOUT_MS): WorkerLoad {
  const worker = new Worker(WORKER_SCRIPT, { workerData: req });
  let settle: (r: WorkerLoadResult) => void = () => {};
  const result = new Promise<WorkerLoadResult>((resolve) => {
    let done = false;
    settle = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
      void worker.terminate();
    };
    const timer = setTimeout(() => settle(failedLoad(`loading the config took over ${timeoutMs / 1000} s; stopped (a hung file system?)`)), timeoutMs);
    let head: Extract<WorkerMessage, { kind: 'head' }> | undefined;
    const more = (): void => void setImmediate(() => !done && worker.postMessage('more'));
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'head') {
        head = m;
      } else if (m.kind === 'groups' && head !== undefined) {
        m.configs.forEach((config, i) => {
          head!.snapshot.config.groups.push(config);
          head!.snapshot.groups.push(receivedGroup(config, vipsOfGroup(m.vips, i), vipsOfGroup(m.ipv6Vips, i), m.vipsFiles[i]));
        });
      } else if (m.kind !== 'groups') {
        return settle(m);
      }
      if (head !== undefined && head.snapshot.groups.length === head.groupCount)
        return settle({ kind: 'loaded', snapshot: head.snapshot, unterminated: head.unterminated });
      more();
    });
    worker.once('error', (err) => settle(failedLoad(`internal error while loading the config: ${errorMessage(err)}`)));
    worker.once('exit', (code) => settle(failedLoad(`the config loader exited (${code}) without a result`)));
  });
  return { result, cancel: () => settle(failedLoad('the config load was cancelled')) };
}
