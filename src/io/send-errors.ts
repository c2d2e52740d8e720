/**
 * The one path a refused send takes, replies and GARPs alike: the errno code
 * is kept (a SystemError, never swallowed), classified, counted per code by
 * the link (interface-link.ts), and logged here, rate-limited, by code and
 * without a stack trace when the condition is expected.
 */
import type { Logger } from '../log/log.js';
import { isSystemError, type SystemError } from '../util/errors.js';
import { LogRateLimiter, logLimited } from '../log/log-rate-limit.js';
import type { FrameBatch, FrameConn } from './frame-conn.js';

/** The socket buffer or the qdisc is full: worth a retry in a moment. */
const TRANSIENT_CODES = new Set(['EAGAIN', 'EWOULDBLOCK', 'ENOBUFS']);
/** The interface is down (ENETDOWN) or going away (ENXIO, ENODEV). */
const LINK_DOWN_CODES = new Set(['ENETDOWN', 'ENXIO', 'ENODEV']);

/** What a refused send means: retry soon, wait for the link, or something nobody expected. */
export type SendErrorKind = 'transient' | 'link-down' | 'unexpected';

export function sendErrorKind(code: string): SendErrorKind {
  if (TRANSIENT_CODES.has(code)) return 'transient';
  if (LINK_DOWN_CODES.has(code)) return 'link-down';
  return 'unexpected';
}

/** What one send did: the frames the kernel took, and the error that stopped the rest. */
export interface SendOutcome {
  sent: number;
  error: SystemError | undefined;
}

/**
 * Sends `batch` on `conn`; a refusal is returned, not thrown.
 * @throws what is not a SystemError: a bug in the sender, not a refusal.
 */
export function trySend(conn: FrameConn, batch: FrameBatch): SendOutcome {
  try {
    return { sent: conn.send(batch), error: undefined };
  } catch (err) {
    if (!isSystemError(err)) throw err;
    return { sent: 0, error: err };
  }
}

/** A refused send repeats every batch or round while an interface is down: one line a minute per key and code. */
export const SEND_ERROR_LOG_MS = 60_000;

/** Logs refused sends: a new code at once, a repeat once per {@link SEND_ERROR_LOG_MS}. */
export class SendErrorLog {
  private readonly log: Logger;
  private readonly limiter: LogRateLimiter;

  constructor(log: Logger, now?: () => number) {
    this.log = log;
    this.limiter = new LogRateLimiter({ intervalMs: SEND_ERROR_LOG_MS, ...(now === undefined ? {} : { now }) });
  }

  /**
   * Warns of `err` unless a line for `key` and its code was written within the
   * interval. An expected code is logged as `code` and `reason` (no stack);
   * an unexpected one as `err`, stack included.
   */
  warn(key: string, err: SystemError, fields: Record<string, unknown>, msg: string): void {
    const obj = sendErrorKind(err.code) === 'unexpected' ? { ...fields, err } : { ...fields, code: err.code, reason: err.message };
    logLimited(this.log, 'warn', this.limiter, `${key}:${err.code}`, obj, msg);
  }
}
