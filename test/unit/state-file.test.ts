import t, { type Test } from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatStateFile, parseStateFile, readBootId, readStateFile, writeStateFile } from '../../src/roles/state-file.js';
import type { RoleMachine } from '../../src/roles/role-machine.js';
import { AnnouncerFeature } from '../../src/announcer/announcer.js';
import { configWith, FakeClock, RecordingConn, snapshotOf, startFakeDaemon } from './daemon-fixture.js';

const BOOT = 'b0b0b0b0-0000-4000-8000-000000000001';
const OTHER_BOOT = 'b0b0b0b0-0000-4000-8000-000000000002';

function tmp(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-state-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('parseStateFile', async (t) => {
  const cases: Array<{ desc: string; input: string; want?: object; wantErr?: RegExp }> = [
    {
      desc: 'accepts a version 1 file',
      input: `{"version":1,"bootId":"${BOOT}","groups":{"web":"MASTER","mail":"BACKUP","db":"FAULT"}}`,
      want: { bootId: BOOT, groups: { web: 'MASTER', mail: 'BACKUP', db: 'FAULT' } },
    },
    { desc: 'accepts lower-case roles', input: `{"version":1,"bootId":"x","groups":{"web":"master"}}`, want: { bootId: 'x', groups: { web: 'MASTER' } } },
    { desc: 'accepts no groups', input: `{"version":1,"bootId":"x","groups":{}}`, want: { bootId: 'x', groups: {} } },
    { desc: 'rejects a half-written file', input: `{"version":1,"bootId":"x","gro`, wantErr: /not JSON/ },
    { desc: 'rejects an empty file', input: '', wantErr: /not JSON/ },
    { desc: 'rejects an array', input: '[]', wantErr: /not a JSON object/ },
    { desc: 'rejects another version', input: `{"version":2,"bootId":"x","groups":{}}`, wantErr: /version is 2/ },
    { desc: 'rejects a missing boot id', input: `{"version":1,"groups":{}}`, wantErr: /bootId/ },
    { desc: 'rejects groups that are not an object', input: `{"version":1,"bootId":"x","groups":[]}`, wantErr: /groups/ },
    { desc: 'rejects an unknown role', input: `{"version":1,"bootId":"x","groups":{"web":"LEADER"}}`, wantErr: /"web" has role "LEADER"/ },
  ];
  for (const c of cases) {
    const r = parseStateFile(c.input);
    if (c.want !== undefined) t.same(r, { ok: true, state: c.want }, c.desc);
    else t.match(r, { ok: false, message: c.wantErr }, c.desc);
  }
  const state = { bootId: BOOT, groups: { web: 'MASTER' as const } };
  t.same(parseStateFile(formatStateFile(state, new Date(0))), { ok: true, state }, 'format and parse round-trip');
});

t.test('writeStateFile writes atomically, creating the directory; readStateFile checks the boot', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'run', 'vip-arpd', 'state.json');
  t.same(readStateFile(path, BOOT), { ok: false, reason: 'missing' });
  writeStateFile(path, { bootId: BOOT, groups: { web: 'MASTER' } });
  t.same(readdirSync(join(dir, 'run', 'vip-arpd')), ['state.json'], 'directory made, no temp file left');
  t.same(readStateFile(path, BOOT), { ok: true, state: { bootId: BOOT, groups: { web: 'MASTER' } } });
  t.same(readStateFile(path, OTHER_BOOT), { ok: false, reason: 'other-boot', bootId: BOOT });
  writeStateFile(path, { bootId: BOOT, groups: { web: 'BACKUP' } });
  t.match(JSON.parse(readFileSync(path, 'utf8')), { version: 1, bootId: BOOT, groups: { web: 'BACKUP' }, writtenAt: String }, 'replaced');
  writeFileSync(path, '{"version":1,');
  t.match(readStateFile(path, BOOT), { ok: false, reason: 'unparsable' });
  t.match(readStateFile(dir, BOOT), { ok: false, reason: 'unreadable', message: 'EISDIR' });

  const blocked = join(dir, 'file');
  writeFileSync(blocked, '');
  t.throws(() => writeStateFile(join(blocked, 'state.json'), { bootId: BOOT, groups: {} }), {
    code: 'ESTATEFILE',
    message: /cannot write role state file .*\(EEXIST\)/,
  });
});

/** The role machine's persistence counters (it must be persisting). */
function persisted(roles: RoleMachine): { writes: number; writeErrors: number } {
  const p = roles.persisted;
  if (p === undefined) throw new Error('the role machine does not persist');
  return p;
}

t.test('readBootId', async (t) => {
  t.match(readBootId(), /^[0-9a-f-]{36}$/, 'the kernel boot id');
  t.throws(() => readBootId('/nonexistent/boot_id'), { code: 'EBOOTID' });
});

/** A daemon with the role machine persisting + announcer; the state file and boot id live in a temp dir. */
async function daemonWith(t: Test, dir: string, initialRole: 'master' | 'backup', bootId = BOOT) {
  const bootIdPath = join(dir, 'boot_id');
  writeFileSync(bootIdPath, `${bootId}\n`);
  const clock = new FakeClock();
  const conn = new RecordingConn(clock);
  const config = configWith(
    [
      {
        name: 'web',
        interface: 'lo',
        mac: '02:00:00:00:aa:01',
        vips: ['198.51.100.1', '198.51.100.2'],
        initialRole,
        garp: { mode: 'request', count: 1, delayMs: 0 },
      },
      { name: 'mail', interface: 'lo', vips: ['203.0.113.1'], initialRole: 'backup' },
    ],
    { stateFile: join(dir, 'state', 'state.json') },
  );
  const daemon = await startFakeDaemon(config, conn, (p) => [new AnnouncerFeature({ ...p, clock })], { bootIdPath });
  t.teardown(() => daemon.stop());
  return { daemon, conn, persistence: persisted(daemon.roles), config, stateFile: config.stateFile };
}

t.test('roles survive a restart in the same boot and a MASTER group re-announces', async (t) => {
  const dir = tmp(t);
  const first = await daemonWith(t, dir, 'backup');
  t.same(JSON.parse(readFileSync(first.stateFile, 'utf8')).groups, { web: 'BACKUP', mail: 'BACKUP' }, 'written at start');
  first.daemon.setRole('web', 'MASTER', 'control');
  first.daemon.setRole('mail', 'FAULT', 'control');
  t.equal(first.persistence.writes, 1, 'write waits for the end of the synchronous burst');
  await Promise.resolve();
  t.equal(first.persistence.writes, 2, 'two changes, one write');
  t.same(JSON.parse(readFileSync(first.stateFile, 'utf8')).groups, { web: 'MASTER', mail: 'FAULT' });
  // No stop(): a crash leaves the file as it is.

  const second = await daemonWith(t, dir, 'backup');
  t.equal(second.daemon.groups.get('web')!.role, 'MASTER', 'web resumed MASTER against its configured backup');
  t.equal(second.daemon.groups.get('mail')!.role, 'FAULT');
  t.same(second.conn.sent.map((f) => f.senderIp).length, 2, 'the resumed MASTER group announced its VIPs at start');
});

t.test('a state file from another boot, or one that does not parse, is ignored', async (t) => {
  for (const [desc, content] of [
    ['other boot', `{"version":1,"bootId":"${OTHER_BOOT}","groups":{"web":"MASTER"}}`],
    ['garbage', '\u0000\u0001not json'],
  ] as const) {
    const dir = tmp(t);
    mkdirSync(join(dir, 'state'));
    writeFileSync(join(dir, 'state', 'state.json'), content);
    const run = await daemonWith(t, dir, 'backup');
    t.equal(run.daemon.groups.get('web')!.role, 'BACKUP', `${desc}: configured role kept`);
    t.equal(run.conn.sent.length, 0, `${desc}: no GARP`);
    t.same(JSON.parse(readFileSync(run.stateFile, 'utf8')).bootId, BOOT, `${desc}: replaced by a file of this boot`);
  }
});

t.test('a group restored to BACKUP never announces at start, although configured master', async (t) => {
  const dir = tmp(t);
  const first = await daemonWith(t, dir, 'master');
  t.equal(first.conn.sent.length, 2, 'first run: master by config, announced');
  first.daemon.setRole('web', 'BACKUP', 'control');
  await Promise.resolve();
  const second = await daemonWith(t, dir, 'master');
  t.equal(second.daemon.groups.get('web')!.role, 'BACKUP');
  t.equal(second.conn.sent.length, 0, 'silent');
});

t.test('stop writes a pending change; an unwritable path is logged, not fatal', async (t) => {
  const dir = tmp(t);
  const run = await daemonWith(t, dir, 'backup');
  run.daemon.setRole('web', 'MASTER', 'control');
  await run.daemon.roles.stop();
  t.same(JSON.parse(readFileSync(run.stateFile, 'utf8')).groups.web, 'MASTER', 'written by stop');

  const blocked = join(dir, 'blocked');
  writeFileSync(blocked, '');
  const bootIdPath = join(dir, 'boot_id');
  const daemon = await startFakeDaemon(
    configWith([{ name: 'web', interface: 'lo', vips: ['198.51.100.1'] }], { stateFile: join(blocked, 'state.json') }),
    new RecordingConn(),
    () => [],
    { bootIdPath },
  );
  t.teardown(() => daemon.stop());
  const persistence = persisted(daemon.roles);
  t.equal(persistence.writeErrors, 1, 'write failed and was counted');
  t.equal(daemon.groups.get('web')!.role, 'MASTER', 'daemon runs on');
  t.notOk(existsSync(join(blocked, 'state.json')));
  daemon.apply(snapshotOf(configWith([{ name: 'web', interface: 'lo', vips: ['198.51.100.1'] }], { stateFile: join(dir, 'fixed.json') })));
  await Promise.resolve();
  t.ok(existsSync(join(dir, 'fixed.json')), 'a reload with a fixed path writes there');
});

t.test('an empty stateFile turns persistence off', async (t) => {
  const dir = tmp(t);
  const bootIdPath = join(dir, 'boot_id');
  writeFileSync(bootIdPath, BOOT);
  const daemon = await startFakeDaemon(
    configWith([{ name: 'web', interface: 'lo', vips: ['198.51.100.1'] }], { stateFile: '' }),
    new RecordingConn(),
    () => [],
    { bootIdPath },
  );
  t.teardown(() => daemon.stop());
  daemon.setRole('web', 'BACKUP', 'control');
  await Promise.resolve();
  t.equal(daemon.roles.persisted, undefined, 'nothing written, nothing failed: no persistence at all');
  t.same(readdirSync(dir), ['boot_id'], 'no file written');
});
