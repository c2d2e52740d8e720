/**
 * pino JSON logs on stdout (journald keeps them). Stable keys across the
 * code base: `iface`, `group`, `vip`, `mac`, `op`, `err`; message last.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the root logger at `level`, writing to `destination` (default stdout). */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      serializers: { err: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}
