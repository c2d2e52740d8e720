/**
 * node:fs, node:util, node:crypto, node:http and node:child_process for the
 * daemon's modules, loaded with require. An ES `import` of a builtin builds its ESM facade,
 * which reads every export, and these have lazy exports that load much more
 * than the daemon uses: fs.ReadStream (the streams and fs/promises),
 * util.TextDecoder (util's diff, assert, colors), http.WebSocket (undici,
 * http2, zlib). Together that was ~55 ms of CPU (~100 ms of wall time on a
 * loaded machine) of every start, i.e. of every kill -9 → first ARP reply
 * (issue 16.6, docs/benchmarks.md). test/unit/startup-modules.test.ts keeps
 * ES imports of them from coming back (`import type` is fine: it is erased).
 *
 * node:http (the metrics listener, off by default) and node:child_process
 * (doctor and probe run `ip`) are loaded on first use: with their
 * dependencies they cost the daemon 1.3 MB of RSS on Node.js 24 from its start
 * (docs/benchmarks.md, "Reload of 100k + 100k VIPs, peak RSS").
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const fs = require('node:fs') as typeof import('node:fs');
export const util = require('node:util') as typeof import('node:util');
export const crypto = require('node:crypto') as typeof import('node:crypto');

/** `id`, required the first time the function is called. */
function onFirstUse<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}

export const http = onFirstUse<typeof import('node:http')>('node:http');
export const childProcess = onFirstUse<typeof import('node:child_process')>('node:child_process');
