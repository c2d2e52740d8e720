/**
 * Worker thread entry of load-in-worker.ts: loads one snapshot from the
 * request in workerData, posts the result with the VIP arrays transferred,
 * and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runLoad, type WorkerLoadRequest } from './load-in-worker.js';

const result = runLoad(workerData as WorkerLoadRequest);
const transfer = result.kind === 'loaded' ? [...new Set(result.snapshot.groups.map((g) => g.vips.buffer as ArrayBuffer))] : [];
parentPort!.postMessage(result, transfer);
