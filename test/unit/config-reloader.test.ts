// ConfigReloader with a daemon of fake links (no addon): valid changes
// are applied as a diff, invalid ones are not applied at all and show in
// status, unchanged content is not re-applied, half-written files wait.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordingConn, startFakeDaemon } from './daemon-fixture.js';
import { createLogger } from '../../src/log/log.js';
import { loadSnapshot } from '../../src/config/load-snapshot.js';
import { ConfigReloader, HALF_WRITE_SETTLE_MS, LOOP_RELOAD_BUDGET, type ConfigStatus } from '../../src/config/reloader.js';
import { loadOnLoop } from '../../src/config/load-on-loop.js';
import { loadInWorker, runLoad, type WorkerLoad, type WorkerLoadRequest } from '../../src/config/load-in-worker.js';
import { formatIpv4 } from '../../src/wire/ipv4.js';
import { sleep, tempDir } from '../e2e/lab.js';

const DEBOUNCE_MS = 30;

/** Runs a load as the worker would, on this thread, one tick later (a worker answers asynchronously too). */
function loadInThread(req: WorkerLoadRequest): WorkerLoad {
  return { result: new Promise((resolve) => setImmediate(() => resolve(runLoad(req)))), cancel() {} };
}

/** @param watch false: only the test's own reloads run (no race with the watcher's) */
async function started(t: Test, vips: string, watch = true) {
  const dir = tempDir(t, 'vip-arpd-reload-');
  const configFile = join(dir, 'config.json');
  const vipsFile = join(dir, 'web.vips');
  const configText = JSON.stringify({ groups: [{ name: 'web', interface: 'lo', vipsFile: 'web.vips' }], watch: { enabled: watch, debounceMs: DEBOUNCE_MS } });
  writeFileSync(configFile, configText);
  writeFileSync(vipsFile, vips);
  const log = createLogger('silent');
  // In-thread: a worker would compile the TypeScript sources again (seconds
  // per reload under the test loader); the worker itself is tested below and
  // by the e2e tests, which run the built daemon.
  let reloader!: ConfigReloader;
  const daemon = await startFakeDaemon(
    loadSnapshot({ file: configFile, flags: {}, env: {} }),
    new RecordingConn(),
    (p) => [(reloader = new ConfigReloader({ ...p, file: configFile, flags: {}, env: {}, log, sighup: false, load: loadInThread }))],
    { log },
  );
  t.teardown(() => daemon.stop());
  await reloader.reload('control'); // after the check start() runs for changes since the first read
  const served = (): string[] => [...daemon.table.sets()].flatMap((s) => Array.from(s.ips, formatIpv4)).sort();
  // what the `config` section of `status` shows
  const status = async (): Promise<ConfigStatus> => daemon.commands.statusSections().config as ConfigStatus;
  return { daemon, reloader, vipsFile, configFile, configText, served, status };
}

t.test('a valid change is applied; the same content again is not', async (t) => {
  const { daemon, reloader, vipsFile, served } = await started(t, '198.51.100.1\n198.51.100.2\n');
  t.equal(daemon.generation, 1);
  t.match(await reloader.reload('control'), { status: 'unchanged', generation: 1 }, 'nothing changed since start');
  writeFileSync(vipsFile, '198.51.100.2\n198.51.100.3\n');
  t.match(await reloader.reload('signal'), { status: 'applied', generation: 2, added: 1, removed: 1, vips: 2 });
  t.same(served(), ['198.51.100.2', '198.51.100.3']);
  t.match(await reloader.reload('signal'), { status: 'unchanged', generation: 2 });
  t.equal(daemon.generation, 2, 'not re-applied');
  writeFileSync(vipsFile, '198.51.100.3\n198.51.100.8/30\n');
  t.match(await reloader.reload('signal'), { status: 'applied', generation: 3, added: 4, removed: 1, vips: 5 }, 'added and removed count VIPs');
});

const invalid: Array<{ desc: string; write: (f: { vipsFile: string; configFile: string }) => void; wantErr: RegExp }> = [
  { desc: 'a syntax error', write: (f) => writeFileSync(f.vipsFile, '198.51.100.1\n198.51.100.x\n'), wantErr: /web\.vips:2:1: invalid VIP entry/ },
  {
    desc: 'a deleted VIP file',
    write: (f) => writeFileSync(f.configFile, JSON.stringify({ groups: [{ name: 'web', interface: 'lo', vipsFile: 'gone.vips' }] })),
    wantErr: /gone\.vips: cannot read the VIP file/,
  },
  {
    desc: 'a duplicate VIP',
    write: (f) =>
      writeFileSync(
        f.configFile,
        JSON.stringify({
          groups: [
            { name: 'web', interface: 'lo', vipsFile: 'web.vips' },
            { name: 'dup', interface: 'lo', vips: ['198.51.100.1'] },
          ],
        }),
      ),
    wantErr: /VIP 198\.51\.100\.1 is in group "web" .* and group "dup"/,
  },
  { desc: 'broken JSON', write: (f) => writeFileSync(f.configFile, '{"groups": [\n'), wantErr: /config\.json:2:1: JSON syntax error/ },
];
for (const c of invalid) {
  t.test(`${c.desc} is not applied: the old set stays, status and reload show the error`, async (t) => {
    const f = await started(t, '198.51.100.1\n');
    c.write(f);
    const r = await f.reloader.reload('watch');
    t.match(r, { status: 'invalid', generation: 1, error: c.wantErr });
    t.same(f.served(), ['198.51.100.1'], 'the last good set is still served');
    t.match(await f.status(), { generation: 1, lastError: c.wantErr, reloadFailures: 1 });
    t.match((await f.status()).lastErrorAt, /^\d{4}-\d\d-\d\dT/);
    await t.rejects(f.daemon.commands.run('reload', []), { code: 'EINVALIDCONFIG', message: /stays in force/ }, 'vip-arpctl reload fails loudly');
    writeFileSync(f.configFile, f.configText);
    writeFileSync(f.vipsFile, '198.51.100.1\n');
    t.match(await f.reloader.reload('watch'), { status: 'unchanged' }, 'fixed back to what is applied');
    t.match(await f.status(), { lastError: null, reloadFailures: 2 });
  });
}

t.test('a half-written VIP file waits for its writer instead of being applied in part', async (t) => {
  const f = await started(t, '198.51.100.1\n198.51.100.2\n');
  writeFileSync(f.vipsFile, '198.51.100.1\n198.51.100.2\n198.51.1');
  t.match(await f.reloader.reload('watch'), { status: 'deferred', reason: /no newline/ });
  t.match(await f.status(), { pending: /web\.vips/, lastError: null });
  writeFileSync(f.vipsFile, '198.51.100.1\n198.51.100.2\n198.51.100.3\n');
  await sleep(DEBOUNCE_MS * 8);
  t.same(f.served(), ['198.51.100.1', '198.51.100.2', '198.51.100.3'], 'the watcher applied the finished file');
  t.equal(f.daemon.generation, 2, 'the half was never applied');
});

t.test('a file without a final newline is applied once it has been quiet', async (t) => {
  const f = await started(t, '198.51.100.1\n');
  writeFileSync(f.vipsFile, '198.51.100.9');
  await sleep(HALF_WRITE_SETTLE_MS + DEBOUNCE_MS * 8);
  t.same(f.served(), ['198.51.100.9']);
});

t.test('the watcher applies file changes by itself; stop() ends watching', async (t) => {
  const f = await started(t, '198.51.100.1\n');
  writeFileSync(f.vipsFile, '198.51.100.1\n198.51.100.5\n');
  await sleep(DEBOUNCE_MS * 8);
  t.same(f.served(), ['198.51.100.1', '198.51.100.5']);
  t.match(await f.status(), { generation: 2, reloads: 1, watching: [f.configFile, f.vipsFile] });
  f.reloader.stop();
  writeFileSync(f.vipsFile, '198.51.100.6\n');
  await sleep(DEBOUNCE_MS * 8);
  t.equal(f.daemon.generation, 2, 'no reload after stop');
});

t.test('no reload forces a full GC, not even one of 65,536 VIPs (it stopped the responder for 100-200 ms)', async (t) => {
  const f = await started(t, '198.51.100.1\n', false);
  const calls: string[] = [];
  const g = globalThis as { gc?: () => void };
  const saved = g.gc;
  g.gc = () => calls.push('gc');
  t.teardown(() => {
    g.gc = saved;
  });
  writeFileSync(f.vipsFile, '198.18.0.0/16\n');
  t.match(await f.reloader.reload('watch'), { status: 'applied', vips: 65536 });
  await sleep(20);
  t.same(calls, [], 'no GC called');
});

t.test('a VIP file truncated to 0 bytes keeps its last good set; a comment line means "no VIPs"', async (t) => {
  const f = await started(t, '198.51.100.1\n198.51.100.2\n', false);
  writeFileSync(f.vipsFile, '');
  t.match(await f.reloader.reload('watch'), { status: 'applied', vips: 2 }, 'applied with the old content standing in');
  t.same(f.served(), ['198.51.100.1', '198.51.100.2'], 'the old set is still served');
  t.match(
    await f.status(),
    { lastError: null, emptyVipFiles: [{ file: f.vipsFile, group: 'web', kept: true }] },
    'status says the file is taken as not yet written',
  );
  writeFileSync(f.vipsFile, '198.51.100.3\n');
  t.match(await f.reloader.reload('watch'), { status: 'applied', vips: 1 });
  t.same(f.served(), ['198.51.100.3'], 'the written file is applied');
  t.match(await f.status(), { emptyVipFiles: [] });
  writeFileSync(f.vipsFile, '');
  await f.reloader.reload('watch');
  t.same(f.served(), ['198.51.100.3'], 'the last good content is the latest one applied');
  writeFileSync(f.vipsFile, '# no VIPs for now\n');
  t.match(await f.reloader.reload('watch'), { status: 'applied', vips: 0 });
  t.same(f.served(), [], 'an explicit line empties the group');
});

t.test('a 0-byte VIP file at start gives its group no VIPs until it is written, and says so', async (t) => {
  const f = await started(t, '', false);
  t.same(f.served(), []);
  t.match(await f.status(), { emptyVipFiles: [{ file: f.vipsFile, kept: false }] });
  writeFileSync(f.vipsFile, '198.51.100.4\n');
  t.match(await f.reloader.reload('watch'), { status: 'applied', vips: 1 });
  t.same(f.served(), ['198.51.100.4']);
});

t.test('a VIP file replaced by a FIFO is refused by name, without blocking', async (t) => {
  const f = await started(t, '198.51.100.1\n', false);
  unlinkSync(f.vipsFile);
  execFileSync('mkfifo', [f.vipsFile]);
  const t0 = Date.now();
  const r = await f.reloader.reload('watch');
  t.match(r, {
    status: 'invalid',
    error: `${f.vipsFile}: cannot read the VIP file of group "web" (it is a FIFO (named pipe), not a regular file; refusing to open it)`,
  });
  t.ok(Date.now() - t0 < 5000, 'the reload ended without a writer on the FIFO');
  t.same(f.served(), ['198.51.100.1'], 'the last good set stays');
});

t.test('a config nested 5,000 deep is rejected with its place; the daemon keeps its set', async (t) => {
  const f = await started(t, '198.51.100.1\n', false);
  writeFileSync(f.configFile, `{"junk":\n  ${'['.repeat(5000)}${']'.repeat(5000)}, "groups": []}`);
  t.match(await f.reloader.reload('watch'), { status: 'invalid', error: /config\.json:2:\d+: JSON syntax error: nested more than 64 levels deep/ });
  t.same(f.served(), ['198.51.100.1']);
  writeFileSync(f.configFile, `{"groups": [{"name": "web", "interface": "lo", "vipsFile": "web.vips", "x": ${'['.repeat(20000)}${']'.repeat(20000)}}]}`);
  t.match(await f.reloader.reload('watch'), { status: 'invalid', error: /nested more than 64 levels deep/ }, 'and a group holding a value 20,000 deep');
});

t.test('reloads asked for while one runs follow it, sharing one run', async (t) => {
  const f = await started(t, '198.51.100.1\n', false);
  writeFileSync(f.vipsFile, '198.51.100.2\n');
  const first = f.reloader.reload('signal');
  const second = f.reloader.reload('signal');
  const third = f.reloader.reload('control');
  t.equal(second, third, 'the waiting requests share one reload');
  t.match(await first, { status: 'applied', generation: 2 });
  t.match(await second, { status: 'unchanged', generation: 2 });
});

t.test('loadInWorker loads on a worker thread and moves the VIP arrays over', async (t) => {
  const dir = tempDir(t, 'vip-arpd-worker-');
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ groups: [{ name: 'web', interface: 'lo', vips: ['198.51.100.0/30'] }] }));
  const r = await loadInWorker({ source: { file, flags: {}, env: {} }, lastGood: new Map() }).result;
  t.equal(r.kind, 'loaded');
  if (r.kind === 'loaded') t.same(Array.from(r.snapshot.groups[0]!.vips, formatIpv4), ['198.51.100.0', '198.51.100.1', '198.51.100.2', '198.51.100.3']);
  writeFileSync(file, '{"groups": [\n');
  t.match(await loadInWorker({ source: { file, flags: {}, env: {} }, lastGood: new Map() }).result, {
    kind: 'invalid',
    problems: [{ file, line: 2, message: /JSON syntax error/ }],
  });
  const slow = loadInWorker({ source: { file, flags: {}, env: {} }, lastGood: new Map() }, 1);
  t.match(await slow.result, { kind: 'invalid', problems: [{ message: /took over/ }] }, 'a load past its time is stopped and reported');
});

t.test('a reload within LOOP_RELOAD_BUDGET loads on the event loop in slices; a bigger config file or files go to the worker loader', async (t) => {
  const dir = tempDir(t, 'vip-arpd-reload-');
  const configFile = join(dir, 'config.json');
  const vipsFile = join(dir, 'bulk.vips');
  const config = (vips: string[]): string =>
    JSON.stringify({
      groups: [
        { name: 'web', interface: 'lo', vips },
        { name: 'bulk', interface: 'lo', vipsFile: 'bulk.vips' },
      ],
      watch: { enabled: false },
    });
  const bulk = (n: number, base = 0): string => `${Array.from({ length: n }, (_, i) => `198.19.${((base + i) >> 8) & 255}.${(base + i) & 255}`).join('\n')}\n`;
  writeFileSync(configFile, config(['198.51.100.1']));
  writeFileSync(vipsFile, bulk(1));
  const log = createLogger('silent');
  let offThread = 0;
  let reloader!: ConfigReloader;
  const daemon = await startFakeDaemon(
    loadSnapshot({ file: configFile, flags: {}, env: {} }),
    new RecordingConn(),
    (p) => [
      (reloader = new ConfigReloader({
        ...p,
        file: configFile,
        flags: {},
        env: {},
        log,
        sighup: false,
        load: (req) => {
          offThread++;
          return loadInThread(req);
        },
      })),
    ],
    { log },
  );
  t.teardown(() => daemon.stop());
  writeFileSync(configFile, config(['198.51.100.2']));
  t.match(await reloader.reload('control'), { status: 'applied', vips: 2 });
  t.equal(offThread, 0, 'small: on the event loop');

  // 60,000 lines: several slices, with turns of the event loop between them.
  writeFileSync(vipsFile, bulk(60_000));
  let turns = 0;
  let turning = true;
  const turn = (): void => {
    turns++;
    if (turning) setImmediate(turn);
  };
  setImmediate(turn);
  t.match(await reloader.reload('control'), { status: 'applied', vips: 60_001 });
  turning = false;
  t.equal(offThread, 0, 'a large VIP file: still on the event loop');
  t.ok(turns > 2, `the event loop turned during the load (${turns} turns)`);

  const inline = Array.from({ length: 6000 }, (_, i) => `198.18.${i >> 8}.${i & 255}`);
  writeFileSync(configFile, config(inline));
  t.ok(config(inline).length > LOOP_RELOAD_BUDGET.configBytes);
  t.match(await reloader.reload('control'), { status: 'applied', vips: 66_000 });
  t.equal(offThread, 1, 'a config file over the budget: the worker loader');

  writeFileSync(configFile, config(['198.51.100.3']));
  writeFileSync(vipsFile, bulk(65_536).repeat(Math.ceil(LOOP_RELOAD_BUDGET.totalBytes / 900_000)));
  t.match(await reloader.reload('control'), { status: 'applied', vips: 65_537 }, 'a line repeated in one file is one VIP');
  t.equal(offThread, 2, 'files over the budget in all: the worker loader');
});

t.test('loadOnLoop: cancel stops a load on the event loop at its next pause', async (t) => {
  const dir = tempDir(t, 'vip-arpd-reload-');
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ groups: [{ name: 'bulk', interface: 'lo', vipsFile: 'bulk.vips' }] }));
  writeFileSync(join(dir, 'bulk.vips'), `${Array.from({ length: 60_000 }, (_, i) => `198.19.${i >> 8}.${i & 255}`).join('\n')}\n`);
  const req = { source: { file: configFile, flags: {}, env: {} }, lastGood: new Map() };
  const load = loadOnLoop(req, LOOP_RELOAD_BUDGET, 0, () => t.fail('not over the budget') as never);
  load.cancel();
  t.match(await load.result, { kind: 'invalid', problems: [{ message: /cancelled/ }] });
  t.match(await loadOnLoop(req, LOOP_RELOAD_BUDGET, 0, () => t.fail('not over the budget') as never).result, { kind: 'loaded' }, 'uncancelled, it loads');
});
