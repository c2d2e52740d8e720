/**
 * Numbers as a person reads them at 3 a.m.: relative times ("12 s ago"),
 * counts with their unit ("1 client", "3 frames"), rates ("1.2k/s"). Pure;
 * `now` is passed in so tests and the live view agree on one clock.
 */

/** `n unit`, with `plural` (default unit + "s") unless n is 1. */
export function count(n: number, unit: string, plural = `${unit}s`): string {
  return `${n} ${n === 1 ? unit : plural}`;
}

/** A span of `seconds` in its largest sensible unit: `12 s`, `2 min`, `3 h`, `4 d`. */
function span(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

/**
 * How long before `now` the time `at` (an ISO string or epoch ms) was: `12 s
 * ago`; `never` for null/undefined; the input unchanged when it is no time.
 */
export function ago(at: string | number | null | undefined, now: number): string {
  if (at === null || at === undefined) return 'never';
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms)) return String(at);
  const seconds = (now - ms) / 1000;
  // A clock a little ahead (another host, rounding) is still "now".
  return seconds < 1 ? 'just now' : `${span(seconds)} ago`;
}

/** A per-second rate, short: `0`, `7`, `950`, `1.2k`, `48k`, `1.5M`. */
export function rate(perSecond: number): string {
  const r = Math.max(0, perSecond);
  if (r < 10) return r === 0 ? '0' : String(Math.round(r * 10) / 10);
  if (r < 1000) return String(Math.round(r));
  if (r < 10_000) return `${(r / 1000).toFixed(1)}k`;
  if (r < 1_000_000) return `${Math.round(r / 1000)}k`;
  return `${(r / 1_000_000).toFixed(1)}M`;
}

/** ISO-8601 timestamps as the daemon writes them (`new Date().toISOString()`). */
export const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** The first line of `text`, cut to `max` characters with `…`. */
export function firstLine(text: string, max = 120): string {
  const line = text.split('\n', 1)[0] ?? '';
  const cut = line.length > max ? `${line.slice(0, max - 1)}…` : line;
  return text.includes('\n') && cut === line ? `${line} …` : cut;
}
