/**
 * Rate limiting for repeated log lines: a warning that can fire per packet or
 * per retry (socket errors, a failing notify socket, a flapping interface) is
 * written at most once per interval per key, and the line that does get
 * written says how many were held back. Pure: the clock is injected.
 *
 * Usage:
 * ```ts
 * const limiter = new LogRateLimiter({ intervalMs: WARN_EVERY_MS });
 * logLimited(log, 'warn', limiter, `send:${iface}`, { iface, err }, 'cannot send');
 * ```
 */
import type { Logger } from './log.js';

/**
 * Keys remembered. Keys are built from bounded things (interface, group,
 * error code); the cap only guards against a caller keying on packet data.
 */
export const DEFAULT_MAX_KEYS = 1024;

export interface LogRateLimiterOptions {
  /** at most one line per key this often */
  intervalMs: number;
  /** keys remembered; the least recently allowed key is forgotten first */
  maxKeys?: number;
  /** clock in ms (default Date.now) */
  now?: () => number;
}

interface KeyState {
  allowedAt: number;
  suppressed: number;
}

export class LogRateLimiter {
  private readonly intervalMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly keys = new Map<string, KeyState>();

  /** @throws {RangeError} for an interval or key cap that is not a positive number. */
  constructor(opts: LogRateLimiterOptions) {
    if (!(opts.intervalMs > 0)) throw new RangeError(`Cannot rate-limit logs: intervalMs must be > 0, got ${opts.intervalMs}`);
    const maxKeys = opts.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`Cannot rate-limit logs: maxKeys must be a positive integer, got ${maxKeys}`);
    this.intervalMs = opts.intervalMs;
    this.maxKeys = maxKeys;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Asks whether a line for `key` may be written now. Returns the number of
   * lines for `key` suppressed since the last one allowed (0 the first time),
   * or undefined when this one is to be suppressed (and is counted).
   */
  take(key: string): number | undefined {
    const now = this.now();
    const s = this.keys.get(key);
    if (s !== undefined && now - s.allowedAt < this.intervalMs) {
      s.suppressed++;
      return undefined;
    }
    const suppressed = s?.suppressed ?? 0;
    // Re-insert so Map order is "least recently allowed first" for eviction.
    this.keys.delete(key);
    if (this.keys.size >= this.maxKeys) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(key, { allowedAt: now, suppressed: 0 });
    return suppressed;
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.keys.size;
  }
}

/**
 * Writes `msg` at `level` unless `limiter` suppresses `key`; an allowed line
 * after suppressed ones carries `suppressed: N`.
 */
export function logLimited(
  log: Logger,
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug',
  limiter: LogRateLimiter,
  key: string,
  obj: Record<string, unknown>,
  msg: string,
): void {
  const suppressed = limiter.take(key);
  if (suppressed === undefined) return;
  log[level](suppressed > 0 ? { ...obj, suppressed } : obj, msg);
}
