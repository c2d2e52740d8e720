/**
 * Wall-clock time in microseconds since the epoch, for log fields that are
 * compared with packet-capture timestamps (both CLOCK_REALTIME): e.g. when a
 * takeover command arrived vs the first gratuitous ARP on the wire
 * (bench/garp.bench.mjs). `Date.now()` has only millisecond resolution;
 * `performance.timeOrigin + performance.now()` is the monotonic clock mapped to
 * the epoch at process start, so it drifts from the real clock only by NTP
 * slewing since then (microseconds over a benchmark's minutes).
 */
export function wallClockMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
