/**
 * Starts a major garbage collection that runs concurrently with the daemon
 * and in small steps (V8's incremental marking: `gc({ execution: 'async' })`,
 * exposed by the unit's `--expose-gc`). A large reload leaves the replaced
 * snapshot's tables and arrays in the old generation, ~8 MB for 100k + 100k
 * VIPs, which V8 otherwise collects only when memory runs short or after
 * ~8 s idle: a second reload before that carried both generations' garbage in
 * its RSS (docs/benchmarks.md, "Reload of 100k + 100k VIPs"). The synchronous
 * full collection once used here stopped the responder for 100-200 ms (issue
 * 16.1); this one pauses it for a few milliseconds at most.
 *
 * @returns false when node runs without --expose-gc (nothing is done)
 */
export function collectGarbageSoon(): boolean {
  const gc = (globalThis as { gc?: (options: { type: 'major'; execution: 'async' }) => unknown }).gc;
  if (gc === undefined) return false;
  void gc({ type: 'major', execution: 'async' });
  return true;
}
