/**
 * Work written as a generator that yields wherever it may pause (apply-steps.ts,
 * the VIP tables' construction): run to the end in this turn, or spread over
 * event-loop turns so the responders' frames are read in between.
 */

/** Runs `steps` to the end, in this turn. */
export function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/**
 * Runs `steps` giving the event loop a turn (setImmediate: pending I/O, the
 * responders' frames, runs first) whenever a slice has run `sliceMs`.
 */
export async function runInSlices<T>(steps: Generator<void, T>, sliceMs: number): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}
