/**
 * What loading the daemon costs (issue 16.6: kill -9 → first reply ≤ 500 ms):
 * evaluating vip-arpd's whole module graph (`--version` runs after every
 * static import) must not pull in the Node internals an ES import of
 * node:fs, node:util or node:http drags along through their ESM facades
 * (src/util/node-builtins.ts says why). Each costs milliseconds of every start.
 * The bundled Node.js, when its binary is in the cache, is checked too:
 * its node:http facade also loads undici, http2 and zlib. node:http and
 * node:child_process themselves wait for their first use (metrics listener,
 * doctor): loaded at start they cost 1.3 MB of RSS on Node.js 24.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { config } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { config?: { bundledNode?: string } };
const BUNDLED = join(homedir(), '.cache', 'vip-arpd', 'node', String(config?.bundledNode ?? '').replace(/^v/, ''), 'bin', 'node');

/** Modules only an ESM facade of those builtins, or an import of one used later, loads at start-up. */
const UNWANTED = ['internal/fs/streams', 'internal/util/diff', 'internal/deps/undici/undici', 'http2', 'zlib', 'http', 'child_process'];

/** Prints the internal modules loaded, taken before stderr (a pipe, which loads streams) is touched. */
const REPORT = 'data:text/javascript,process.on("exit",()=>{const l=JSON.stringify(process.moduleLoadList);process.stderr.write(l)})';

for (const [what, node] of [
  ['this Node.js', process.execPath],
  ['the bundled Node.js', BUNDLED],
] as const) {
  t.test(
    `loading vip-arpd on ${what} loads no builtin it does not use`,
    { skip: existsSync(node) ? false : `${node} not fetched (scripts/fetch-node.sh bundled)` },
    async (t) => {
      // Through env -u: tap adds its own --import to a child's NODE_OPTIONS.
      // stdout ignored: a pipe would load the streams (the daemon logs to fd 1, not through process.stdout).
      const r = spawnSync('env', ['-u', 'NODE_OPTIONS', node, '--import', REPORT, join(REPO, 'dist', 'cli', 'vip-arpd.js'), '--version'], {
        encoding: 'utf8',
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      t.equal(r.status, 0, 'exit 0', { output: r.stderr });
      const loaded = (JSON.parse(r.stderr) as string[]).map((m) => m.replace(/^(NativeModule|Internal Binding) /, ''));
      t.same(
        loaded.filter((m) => UNWANTED.includes(m)),
        [],
        `none of ${UNWANTED.join(', ')}`,
      );
    },
  );
}
