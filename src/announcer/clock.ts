/**
 * Clock: the time source and timers of the announcer, injected so unit tests
 * drive bursts and pacing with a fake clock instead of waiting.
 */

/** An opaque timer handle. */
export type TimerHandle = unknown;

export interface Clock {
  /** Monotonic milliseconds (fractions allowed). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `performance.now()` and Node's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
