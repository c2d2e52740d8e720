// ConfigWatcher against real files in temp dirs: every way tools change a
// file is noticed once, other files are ignored, stop() stops. (Whether the
// content changed is the reload's question: config-reloader.test.ts.)
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigWatcher } from '../../src/config/watcher.js';
import { sleep, tempDir } from '../e2e/lab.js';

const DEBOUNCE_MS = 50;
/** Long enough for the debounce and inotify delivery on a loaded CI machine. */
const SETTLE_MS = DEBOUNCE_MS * 8;

function watched(t: Test, paths: string[]) {
  /** when each change was reported */
  const seen: number[] = [];
  const w = new ConfigWatcher({ paths, debounceMs: DEBOUNCE_MS, onChange: () => void seen.push(Date.now()) });
  w.start();
  t.teardown(() => w.stop());
  return { w, seen };
}

interface WriteStyle {
  desc: string;
  /** prepares the directory; returns the path the daemon is configured with */
  setup(dir: string): string;
  write(dir: string, path: string, text: string): Promise<void> | void;
}

/** kubelet AtomicWriter layout: name → ..data/name, ..data → ..<ts>/ */
let k8sGen = 0;
function k8sPublish(dir: string, text: string): void {
  const ts = join(dir, `..2024_01_01_00_00_0${++k8sGen}.123`);
  mkdirSync(ts);
  writeFileSync(join(ts, 'web.vips'), text);
  symlinkSync(ts.slice(dir.length + 1), join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
}

const styles: WriteStyle[] = [
  { desc: 'an in-place write (truncate + write)', setup: (d) => join(d, 'web.vips'), write: (_d, p, s) => writeFileSync(p, s) },
  {
    desc: 'a temp file renamed over it (editors, Ansible)',
    setup: (d) => join(d, 'web.vips'),
    write: (d, p, s) => {
      writeFileSync(join(d, '.web.vips.tmp'), s);
      renameSync(join(d, '.web.vips.tmp'), p);
    },
  },
  {
    desc: 'sed -i',
    setup: (d) => join(d, 'web.vips'),
    write: (_d, p, s) => execFileSync('sed', ['-i', `1c\\${s.trimEnd()}`, p]),
  },
  {
    desc: 'delete and recreate',
    setup: (d) => join(d, 'web.vips'),
    write: (_d, p, s) => {
      unlinkSync(p);
      writeFileSync(p, s);
    },
  },
  {
    desc: 'a Kubernetes ConfigMap symlink swap',
    setup: (d) => {
      k8sPublish(d, '198.51.100.1\n');
      symlinkSync('..data/web.vips', join(d, 'web.vips'));
      return join(d, 'web.vips');
    },
    write: (d, _p, s) => {
      const old = join(d, `..2024_01_01_00_00_0${k8sGen}.123`);
      k8sPublish(d, s);
      rmSync(old, { recursive: true });
    },
  },
];

for (const style of styles) {
  t.test(`ConfigWatcher reports ${style.desc} exactly once, with the new content`, async (t) => {
    const dir = tempDir(t, 'vip-arpd-watch-');
    const path = style.setup(dir);
    if (style.desc !== 'a Kubernetes ConfigMap symlink swap') writeFileSync(path, '198.51.100.1\n');
    const { seen } = watched(t, [path]);
    await style.write(dir, path, '198.51.100.2\n');
    await sleep(SETTLE_MS);
    t.equal(seen.length, 1, 'one change after the debounce');
    await style.write(dir, path, '198.51.100.3\n');
    await sleep(SETTLE_MS);
    t.equal(seen.length, 2, 'a second write is a second change');
  });
}

t.test('ConfigWatcher ignores other files in the directory', async (t) => {
  const dir = tempDir(t, 'vip-arpd-watch-');
  const path = join(dir, 'web.vips');
  writeFileSync(path, '198.51.100.1\n');
  const { seen } = watched(t, [path]);
  writeFileSync(join(dir, 'other.txt'), 'noise');
  utimesSync(join(dir, 'other.txt'), new Date(), new Date());
  await sleep(SETTLE_MS);
  t.equal(seen.length, 0, 'a neighbour file changes nothing');
});

t.test('ConfigWatcher debounces a burst of writes into one change', async (t) => {
  const dir = tempDir(t, 'vip-arpd-watch-');
  const path = join(dir, 'web.vips');
  writeFileSync(path, '198.51.100.1\n');
  const { seen } = watched(t, [path]);
  let lastWrite = 0;
  for (let i = 0; i < 5; i++) {
    writeFileSync(path, `198.51.100.${10 + i}\n`);
    lastWrite = Date.now();
    await sleep(DEBOUNCE_MS / 5);
  }
  await sleep(SETTLE_MS);
  t.equal(seen.length, 1);
  t.ok(seen[0]! >= lastWrite, 'reported after the last write');
});

t.test('ConfigWatcher reports a deleted file (so the reload can reject it), then its return', async (t) => {
  const dir = tempDir(t, 'vip-arpd-watch-');
  const path = join(dir, 'web.vips');
  writeFileSync(path, '198.51.100.1\n');
  const { seen } = watched(t, [path]);
  unlinkSync(path);
  await sleep(SETTLE_MS);
  t.equal(seen.length, 1);
  writeFileSync(path, '198.51.100.1\n');
  await sleep(SETTLE_MS);
  t.equal(seen.length, 2, 'recreated with the old content: still a change from "missing"');
});

t.test('ConfigWatcher watches several files in several directories, and new paths after setPaths', async (t) => {
  const dir = tempDir(t, 'vip-arpd-watch-');
  mkdirSync(join(dir, 'a'));
  mkdirSync(join(dir, 'b'));
  const a = join(dir, 'a', 'config.json');
  const b = join(dir, 'b', 'web.vips');
  const c = join(dir, 'c', 'mail.vips');
  writeFileSync(a, '{}');
  writeFileSync(b, '');
  const { w, seen } = watched(t, [a, b]);
  writeFileSync(b, '198.51.100.1\n');
  await sleep(SETTLE_MS);
  t.equal(seen.length, 1, 'second directory watched');
  w.setPaths([a, b, c]);
  mkdirSync(join(dir, 'c'));
  writeFileSync(c, '198.51.100.2\n');
  await sleep(SETTLE_MS + 1200);
  t.equal(seen.length, 2, 'a directory created later is picked up (retry)');
});

t.test('ConfigWatcher.stop() stops: no change is reported afterwards', async (t) => {
  const dir = tempDir(t, 'vip-arpd-watch-');
  const path = join(dir, 'web.vips');
  writeFileSync(path, '198.51.100.1\n');
  const { w, seen } = watched(t, [path]);
  writeFileSync(path, '198.51.100.2\n');
  w.stop();
  writeFileSync(path, '198.51.100.3\n');
  await sleep(SETTLE_MS);
  t.equal(seen.length, 0, 'not even the change made before stop() returned');
  w.stop();
  t.pass('stop() twice is fine');
});

t.test('ConfigWatcher does not report a directory that stays missing at every retry', async (t) => {
  const dir = tempDir(t, 'vip-arpd-watch-');
  const { seen } = watched(t, [join(dir, 'not-yet', 'web.vips')]);
  await sleep(2500);
  t.equal(seen.length, 0, 'nothing changed: no reload every second');
});
