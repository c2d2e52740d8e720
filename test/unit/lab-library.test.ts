/**
 * The lab library's pure parts: the one naming rule for lab namespaces, and
 * that every plain-node JavaScript file (lab/, bench/, scripts/) opts into
 * `npm run typecheck` with `// @ts-check` (tsconfig.test.json includes them
 * with allowJs; a file without the pragma would be included but not checked).
 */
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAB_PREFIX, labNamespace, labNamespacePid, newLabId } from '../../lab/names.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function mjsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...mjsFiles(p));
    else if (name.endsWith('.mjs')) out.push(p);
  }
  return out;
}

t.test('lab namespace names carry the pid of the process that made them', async (t) => {
  const id = newLabId();
  t.match(id, /^[0-9a-f]{6}$/);
  t.not(newLabId(), id, 'a fresh id per lab');
  const name = labNamespace(id, 'client');
  t.equal(name, `${LAB_PREFIX}${process.pid}-${id}-client`);
  t.equal(labNamespacePid(name), process.pid);
  t.equal(labNamespacePid('varplab-123-abc-sw'), 123);
  for (const other of ['varpbench-123-client', 'varplab--abc-sw', 'varplab-x1-abc-sw', 'myns', '', ' varplab-1-a-b']) {
    t.equal(labNamespacePid(other), undefined, `${JSON.stringify(other)} is not a lab namespace`);
  }
});

t.test('every .mjs under lab/, bench/ and scripts/ is typechecked (// @ts-check)', async (t) => {
  const files = ['lab', 'bench', 'scripts'].flatMap((d) => mjsFiles(join(ROOT, d)));
  t.ok(files.length >= 20, `found ${files.length} files`);
  const unchecked = files.filter((f) => !/^(#![^\n]*\n)?\/\/ @ts-check\n/.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
  t.same(unchecked, [], 'each starts with // @ts-check (after a shebang line, if any)');
});
