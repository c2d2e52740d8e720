// @ts-check
/**
 * The node flags systemd/vip-arpd.service gives the daemon (its
 * `Environment=NODE_OPTIONS=...` line), so the benchmarks run the daemon the
 * way it is deployed. Empty when the unit sets none.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const UNIT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'systemd', 'vip-arpd.service');

export function unitNodeOptions() {
  return (
    /^Environment=NODE_OPTIONS=(.*)$/m
      .exec(readFileSync(UNIT, 'utf8'))?.[1]
      ?.trim()
      .replace(/^"(.*)"$/, '$1') ?? ''
  );
}

/**
 * The unit's other `Environment=` settings (e.g. glibc malloc tuning), as
 * `KEY=value` strings for `env`, so a benchmark's daemon runs as deployed.
 * @returns {string[]}
 */
export function unitEnvironment() {
  return [...readFileSync(UNIT, 'utf8').matchAll(/^Environment=(?!NODE_OPTIONS=)(\S+)$/gm)].map((m) => m[1] ?? '');
}
