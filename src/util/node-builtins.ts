/**
 * node:fs, node:util, node:crypto and node:http for the daemon's modules,
 * loaded with require. An ES `import` of a builtin builds its ESM facade,
 * which reads every export, and these have lazy exports that load much more
 * than the daemon uses: fs.ReadStream (the streams and fs/promises),
 * util.TextDecoder (util's diff, assert, colors), http.WebSocket (undici,
 * http2, zlib). Together that was ~55 ms of CPU (~100 ms of wall time on a
 * loaded machine) of every start, i.e. of every kill -9 → first ARP reply
 * (issue 16.6, docs/benchmarks.md). test/unit/builtin-imports.test.ts keeps
 * ES imports of them from coming back (`import type` is fine: it is erased).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const fs = require('node:fs') as typeof import('node:fs');
export const util = require('node:util') as typeof import('node:util');
export const crypto = require('node:crypto') as typeof import('node:crypto');
export const http = require('node:http') as typeof import('node:http');
