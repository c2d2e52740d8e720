/**
 * jsonc-parser, loaded with require: it is a CommonJS package, and an ES
 * import of one makes node start its CommonJS export lexer (WebAssembly),
 * ~4 MB of RSS in every reload's worker thread, which otherwise imports no
 * CommonJS at all (docs/benchmarks.md, "Reload of 100k + 100k VIPs").
 */
import { createRequire } from 'node:module';

export const jsonc = createRequire(import.meta.url)('jsonc-parser') as typeof import('jsonc-parser');
