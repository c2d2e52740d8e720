/**
 * The version of this build, from the package.json two levels above the
 * built file (dist/cli/ in a checkout, /usr/lib/vip-arpd/dist/cli/ in the
 * Debian package, where package.json is shipped beside dist/).
 */
import { fs } from '../util/node-builtins.js';

const { readFileSync } = fs;

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
