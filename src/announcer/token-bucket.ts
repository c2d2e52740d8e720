/**
 * A token bucket: `ratePerSecond` tokens accrue continuously up to
 * `capacity`; taking a token is sending one frame. Time comes from the
 * caller, so the bucket is pure and unit tests need no clock.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @throws {RangeError} when the rate is not positive or the capacity is below 1.
   */
  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    now: number,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`Cannot make a token bucket: rate must be > 0, is ${ratePerSecond}`);
    if (!(capacity >= 1)) throw new RangeError(`Cannot make a token bucket: capacity must be >= 1, is ${capacity}`);
    this.tokens = capacity;
    this.last = now;
  }

  /** Whole tokens available at `now` (refilling first). */
  available(now: number): number {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
      this.last = now;
    }
    return Math.floor(this.tokens);
  }

  /** Takes `n` tokens; the caller has checked {@link available}. */
  take(n: number): void {
    this.tokens -= n;
  }

  /** Milliseconds from `now` until `n` whole tokens are available (0 if they are). */
  msUntil(n: number, now: number): number {
    this.available(now);
    const missing = Math.min(n, this.capacity) - this.tokens;
    return missing <= 0 ? 0 : (missing * 1000) / this.ratePerSecond;
  }
}
