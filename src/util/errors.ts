/**
 * Error values. VipArpdError is the one error type callers branch on: `code`
 * is stable and machine-readable, `message` tells a person what to fix. A
 * failed system call is a SystemError built by {@link systemError}.
 */
import { util } from './node-builtins.js';

export class VipArpdError extends Error {
  override name = 'VipArpdError';
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Returns the message of any thrown value, for logs and control replies. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A failed system call, shaped like Node's own errors (code, errno, syscall). */
export interface SystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  iface?: string;
}

/**
 * Builds a SystemError from a negative errno result (what every native call
 * returns on failure): the one place such a value is made, so callers decide
 * on `code` and `syscall`, never on the message.
 */
export function systemError(result: number, syscall: string, iface?: string): SystemError {
  const code = util.getSystemErrorName(result);
  const where = iface === undefined ? '' : ` on interface ${iface}`;
  const err = new Error(`${syscall} failed${where}: ${code} (${util.getSystemErrorMap().get(result)?.[1] ?? 'unknown error'})`) as SystemError;
  err.code = code;
  err.errno = result;
  err.syscall = syscall;
  if (iface !== undefined) err.iface = iface;
  return err;
}

/** True for an error a system call failed with: ours from {@link systemError}, or Node's own (fs, net). */
export function isSystemError(err: unknown): err is SystemError {
  return err instanceof Error && typeof (err as Partial<SystemError>).code === 'string' && typeof (err as Partial<SystemError>).syscall === 'string';
}
