/**
 * Frees the memory of typed arrays that nothing will read again now, rather
 * than at the next full garbage collection. A reload's working arrays (a
 * file's bytes, parse columns, expansion scratch: ~10 MB for 100k + 100k VIPs) outlive several
 * scavenges while it runs in slices, so their JS objects reach the old
 * generation, and their memory stayed in the RSS through the apply that
 * followed (docs/benchmarks.md, "Reload of 100k + 100k VIPs").
 *
 * Transferring a buffer detaches it: every view of it reads as empty from
 * then on. `transfer(0)` (Node.js 22 and later) frees the memory at once; on
 * older ones structuredClone hands it to a new ArrayBuffer that nothing
 * references, which the next scavenge frees.
 */
const transfer = (ArrayBuffer.prototype as { transfer?: (this: ArrayBuffer, length: number) => ArrayBuffer }).transfer;

export function releaseBuffers(...views: ArrayBufferView[]): void {
  for (const view of views) {
    const { buffer } = view;
    // Only a view of a whole buffer: a small Buffer shares node's 8 KB pool with others.
    if (buffer instanceof ArrayBuffer && buffer.byteLength > 0 && view.byteOffset === 0 && view.byteLength === buffer.byteLength) {
      if (transfer !== undefined) transfer.call(buffer, 0);
      else structuredClone(buffer, { transfer: [buffer] });
    }
  }
}
