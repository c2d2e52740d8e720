/**
 * VipArpdError is the one error type callers branch on: `code` is stable and
 * machine-readable, `message` tells a person what to fix.
 */
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
