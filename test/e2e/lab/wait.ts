/** Waiting in e2e tests: poll a condition until it holds, or sleep. */

/** Options for {@link waitFor}. */
export interface WaitForOpts {
  /** Give up after this many ms (default 5000). */
  timeoutMs?: number;
  /** Poll every this many ms (default 50). */
  intervalMs?: number;
  /** What we were waiting for, used in the error message. */
  what?: string;
}

/**
 * waitFor calls `fn` until it returns a truthy value (or a promise of one)
 * and returns that value.
 *
 * @throws Error "Timed out after N ms waiting for WHAT (last value: …)" when
 *   the time runs out; the last thrown error, if any, is its `cause`.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitForOpts = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastErr: unknown;
  for (;;) {
    try {
      last = await fn();
      lastErr = undefined;
      if (last) return last as NonNullable<T>;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  const detail = lastErr !== undefined ? `last error: ${String(lastErr)}` : `last value: ${JSON.stringify(last)}`;
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'} (${detail})`, {
    cause: lastErr,
  });
}

/** sleep resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
