/**
 * A reload's load on the event loop, a few milliseconds at a time, for files
 * within a budget: nearly every reload, VIP files of 100,000s of lines
 * included. Then no worker thread: one costs 4 MB (Node.js 20) to 14 MB
 * (Node.js 24) of RSS by itself, and the file texts and VIP arrays are
 * copied to it and back (docs/benchmarks.md, "Reload of 100k + 100k VIPs");
 * starting one also costs 100-500 ms of latency on a loaded machine. A load
 * over the budget (a config file of megabytes, whose JSON cannot be parsed a
 * piece at a time) goes to `overBudget`, the worker.
 */
import { failedLoad, loadSteps, type LoopBudget, type WorkerLoad, type WorkerLoadRequest, type WorkerLoadResult } from './load-in-worker.js';
import { runInSlices } from '../util/run-steps.js';

/**
 * Starts the load: its first slice runs now, so a small config is loaded
 * before this returns (no turn of the event loop between an edit and its
 * apply). The promise never rejects.
 */
export function loadOnLoop(req: WorkerLoadRequest, budget: LoopBudget, sliceMs: number, overBudget: (req: WorkerLoadRequest) => WorkerLoad): WorkerLoad {
  let cancelled = false;
  let worker: WorkerLoad | undefined;
  const result = (async (): Promise<WorkerLoadResult> => {
    const r = await runInSlices(
      untilCancelled(loadSteps(req, budget), () => cancelled),
      sliceMs,
    );
    if (r === undefined) return failedLoad('the config load was cancelled');
    if (r.kind !== 'too-big') return r;
    worker = overBudget(req);
    return worker.result;
  })();
  return {
    result,
    cancel: () => {
      cancelled = true;
      worker?.cancel();
    },
  };
}

/** `steps`, ended (undefined) at the first pause after `cancelled()` turns true. */
function* untilCancelled<T>(steps: Generator<void, T>, cancelled: () => boolean): Generator<void, T | undefined> {
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
    if (cancelled()) return undefined;
    yield;
  }
}
