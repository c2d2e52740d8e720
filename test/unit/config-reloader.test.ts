// ConfigReloader with a real Daemon (interface `lo`, fake wire): valid changes
// are applied as a diff, invalid ones are not applied at all and show in
// status, unchanged content is not re-applied, half-written files wait.
import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon } from '../../src/daemon/daemon.js';
import { createLogger } from '../../src/log.js';
import { loadSnapshot } from '../../src/config/load-snapshot.js';
import { ConfigReloader, HALF_WRITE_SETTLE_MS, type ConfigStatus } from '../../src/config/reloader.js';
import { formatIpv4 } from '../../src/wire/ipv4.js';
import { sleep, tempDir } from '../e2e/lab.js';

const DEBOUNCE_MS = 30;

async function started(t: Test, vips: string) {
  const dir = tempDir(t, 'vip-arpd-reload-');
  const configFile = join(dir, 'config.json');
  const vipsFile = join(dir, 'web.vips');
  const configText = JSON.stringify({ groups: [{ name: 'web', interface: 'lo', vipsFile: 'web.vips' }], watch: { debounceMs: DEBOUNCE_MS } });
  writeFileSync(configFile, configText);
  writeFileSync(vipsFile, vips);
  const log = createLogger('silent');
  const reloader = new ConfigReloader({ file: configFile, args: [], env: {}, log, sighup: false });
  const daemon = new Daemon({ log, features: [reloader], openConn: () => ({ start() {}, send: () => 0, close() {} }) });
  await daemon.start(loadSnapshot({ file: configFile, args: [], env: {} }));
  t.teardown(() => daemon.stop());
  const served = (): string[] => [...daemon.table.sets()].flatMap((s) => Array.from(s.ips, formatIpv4)).sort();
  // what the `config` section of `status` shows
  const status = async (): Promise<ConfigStatus> => daemon.commands.statusSections().config as ConfigStatus;
  return { daemon, reloader, vipsFile, configFile, configText, served, status };
}

t.test('a valid change is applied; the same content again is not', async (t) => {
  const { daemon, reloader, vipsFile, served } = await started(t, '198.51.100.1\n198.51.100.2\n');
  t.equal(daemon.generation, 1);
  t.match(reloader.reload('control'), { status: 'unchanged', generation: 1 }, 'nothing changed since start');
  writeFileSync(vipsFile, '198.51.100.2\n198.51.100.3\n');
  t.match(reloader.reload('signal'), { status: 'applied', generation: 2, added: 1, removed: 1, vips: 2 });
  t.same(served(), ['198.51.100.2', '198.51.100.3']);
  t.match(reloader.reload('signal'), { status: 'unchanged', generation: 2 });
  t.equal(daemon.generation, 2, 'not re-applied');
  writeFileSync(vipsFile, '198.51.100.3\n198.51.100.8/30\n');
  t.match(reloader.reload('signal'), { status: 'applied', generation: 3, added: 4, removed: 1, vips: 5 }, 'added and removed count VIPs');
});

const invalid: Array<{ desc: string; write: (f: { vipsFile: string; configFile: string }) => void; wantErr: RegExp }> = [
  { desc: 'a syntax error', write: (f) => writeFileSync(f.vipsFile, '198.51.100.1\n198.51.100.x\n'), wantErr: /web\.vips:2:1: invalid VIP entry/ },
  { desc: 'a deleted VIP file', write: (f) => writeFileSync(f.configFile, JSON.stringify({ groups: [{ name: 'web', interface: 'lo', vipsFile: 'gone.vips' }] })), wantErr: /gone\.vips: cannot read the VIP file/ },
  {
    desc: 'a duplicate VIP',
    write: (f) =>
      writeFileSync(
        f.configFile,
        JSON.stringify({ groups: [{ name: 'web', interface: 'lo', vipsFile: 'web.vips' }, { name: 'dup', interface: 'lo', vips: ['198.51.100.1'] }] }),
      ),
    wantErr: /VIP 198\.51\.100\.1 is in group "web" .* and group "dup"/,
  },
  { desc: 'broken JSON', write: (f) => writeFileSync(f.configFile, '{"groups": [\n'), wantErr: /config\.json:2:1: JSON syntax error/ },
];
for (const c of invalid) {
  t.test(`${c.desc} is not applied: the old set stays, status and reload show the error`, async (t) => {
    const f = await started(t, '198.51.100.1\n');
    c.write(f);
    const r = f.reloader.reload('watch');
    t.match(r, { status: 'invalid', generation: 1, error: c.wantErr });
    t.same(f.served(), ['198.51.100.1'], 'the last good set is still served');
    t.match(await f.status(), { generation: 1, lastError: c.wantErr, reloadFailures: 1 });
    t.match((await f.status()).lastErrorAt, /^\d{4}-\d\d-\d\dT/);
    await t.rejects(f.daemon.commands.run('reload', []), { code: 'EINVALIDCONFIG', message: /stays in force/ }, 'vip-arpctl reload fails loudly');
    writeFileSync(f.configFile, f.configText);
    writeFileSync(f.vipsFile, '198.51.100.1\n');
    t.match(f.reloader.reload('watch'), { status: 'unchanged' }, 'fixed back to what is applied');
    t.match(await f.status(), { lastError: null, reloadFailures: 2 });
  });
}

t.test('a half-written VIP file waits for its writer instead of being applied in part', async (t) => {
  const f = await started(t, '198.51.100.1\n198.51.100.2\n');
  writeFileSync(f.vipsFile, '198.51.100.1\n198.51.100.2\n198.51.1');
  t.match(f.reloader.reload('watch'), { status: 'deferred', reason: /no newline/ });
  writeFileSync(f.vipsFile, '');
  t.match(f.reloader.reload('watch'), { status: 'deferred', reason: /is empty/ }, 'a truncate before the write, too');
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

t.test('a reload of 10,000+ VIPs runs one full GC afterwards when node exposes gc', async (t) => {
  const f = await started(t, '198.51.100.1\n');
  const calls: string[] = [];
  const g = globalThis as { gc?: () => void };
  const saved = g.gc;
  g.gc = () => calls.push('gc');
  t.teardown(() => {
    g.gc = saved;
  });
  writeFileSync(f.vipsFile, '198.51.100.2\n');
  t.match(f.reloader.reload('watch'), { status: 'applied', vips: 1 });
  await sleep(20);
  t.same(calls, [], 'no GC after a small reload');
  writeFileSync(f.vipsFile, '198.18.0.0/16\n');
  t.match(f.reloader.reload('watch'), { status: 'applied', vips: 65536 });
  await sleep(20);
  t.same(calls, ['gc'], 'one GC after a large reload');
});
