/** `vip-arpd --version` prints package.json's version and the Node.js running it. */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };

for (const flag of ['--version', '-V']) {
  t.test(`vip-arpd ${flag}`, async (t) => {
    const r = spawnSync(process.execPath, [join(REPO, 'dist', 'cli', 'vip-arpd.js'), flag], { encoding: 'utf8' });
    t.equal(r.status, 0, 'exit 0');
    t.equal(r.stdout, `vip-arpd ${version} (Node.js ${process.versions.node})\n`);
    t.equal(r.stderr, '');
  });
}
