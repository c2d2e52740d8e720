#!/usr/bin/env node
// @ts-check
/**
 * Runs benchmarks: every bench/*.bench.mjs, or the ones named
 * (`npm run bench -- arp-flood -- --duration-ms 3000`: arguments after a
 * second `--` go to each benchmark). Each runs as its own process so one
 * benchmark's namespaces and children cannot leak into the next.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const SUFFIX = '.bench.mjs';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const names = split < 0 ? args : args.slice(0, split);
const passThrough = split < 0 ? [] : args.slice(split + 1);

const available = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith(SUFFIX))
  .map((f) => f.slice(0, -SUFFIX.length))
  .sort();
const unknown = names.filter((n) => !available.includes(n.replace(SUFFIX, '')));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}\n`);
  process.exit(64);
}
const selected = names.length > 0 ? names.map((n) => n.replace(SUFFIX, '')) : available;

let failed = 0;
for (const name of selected) {
  process.stderr.write(`== ${name}\n`);
  const r = spawnSync(process.execPath, [join(BENCH_DIR, `${name}${SUFFIX}`), ...passThrough], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`== ${name} failed (exit ${r.status ?? r.signal})\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
