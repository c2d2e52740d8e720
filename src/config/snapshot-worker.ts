/**
 * Worker thread entry of load-in-worker.ts: loads one snapshot from the
 * request in workerData, posts the result with the VIP arrays transferred,
 * and ends.
 *
 * The groups' inline `vips` strings stay here: once expanded into the
 * snapshot's VIP arrays nothing needs them, and 3 million of them (a 50 MB
 * config) took the main thread longer to receive than the ARP reply goal
 * allows (docs/benchmarks.md). A reloaded snapshot's groups have `vips: []`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runLoad, type WorkerLoadRequest } from './load-in-worker.js';

const result = runLoad(workerData as WorkerLoadRequest);
const transfer: ArrayBuffer[] = [];
if (result.kind === 'loaded') {
  for (const g of result.snapshot.config.groups) g.vips = [];
  transfer.push(...new Set(result.snapshot.groups.map((g) => g.vips.buffer as ArrayBuffer)));
}
parentPort!.postMessage(result, transfer);
