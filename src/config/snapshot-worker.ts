/**
 * Worker thread entry of load-in-worker.ts: loads one snapshot from the
 * request in workerData and posts the result: at once when it is
 * "unchanged" or the problems; a snapshot piece by piece, each when the
 * main thread asks for more (load-in-worker.ts says why). Ends after the last.
 *
 * The groups' inline `vips` strings stay here: once expanded into the
 * snapshot's VIP arrays nothing needs them, and 3 million of them (a 50 MB
 * config) took the main thread longer to receive than the ARP reply goal
 * allows (docs/benchmarks.md). A reloaded snapshot's groups have `vips: []`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { resultMessages, runLoad, type WorkerLoadRequest } from './load-in-worker.js';

const port = parentPort!;
const result = runLoad(workerData as WorkerLoadRequest);
if (result.kind !== 'loaded') {
  port.postMessage(result);
} else {
  for (const g of result.snapshot.config.groups) g.vips = [];
  const pieces = resultMessages(result);
  const next = (): void => {
    const piece = pieces.next();
    if (piece.done === true) {
      port.close();
      return;
    }
    const m = piece.value;
    port.postMessage(m, m.kind === 'groups' ? [m.vips.all.buffer as ArrayBuffer, m.ipv6Vips.all.buffer as ArrayBuffer] : []);
  };
  port.on('message', next);
  next();
}
