/**
 * RecentEvents: a small bounded ring, newest first, of what an operator asks
 * about first during an incident (the last role changes, the last reloads).
 * Pushing is O(1) and the ring never grows past its capacity.
 */
export class RecentEvents<T> {
  private readonly ring: T[] = [];
  private next = 0;

  /** @throws {RangeError} for a capacity below 1 */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  push(item: T): void {
    this.ring[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Every kept item, newest first. */
  newestFirst(): T[] {
    const n = this.ring.length;
    const out: T[] = [];
    for (let i = 1; i <= n; i++) out.push(this.ring[(this.next - i + n) % n]!);
    return out;
  }
}
