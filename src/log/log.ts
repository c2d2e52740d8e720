/**
 * pino JSON logs on stdout (journald keeps them). Stable keys across the
 * code base: `iface`, `group`, `vip`, `mac`, `op`, `err`; message last.
 */
import { createRequire } from 'node:module';
import type { Logger } from 'pino';

// With require: pino is CommonJS, and an ES import of CommonJS starts node's
// export lexer (WebAssembly, ~1-4 MB of RSS) that nothing else needs (config/jsonc.ts).
const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');

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
