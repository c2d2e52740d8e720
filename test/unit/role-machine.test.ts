// The role machine alone, on no daemon, no addon, no root: transitions and
// their events, the groups of applied snapshots, and persistence.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { RoleMachine } from '../../src/roles/role-machine.js';
import type { RoleChange } from '../../src/roles/role-source.js';

const BOOT = '0b0e5a1e-1111-4222-8333-444455556666';
const silent = pino({ level: 'silent' });

function machine(stateFile = '', bootIdPath?: string): RoleMachine {
  return new RoleMachine({ log: silent, stateFile: () => stateFile, ...(bootIdPath === undefined ? {} : { bootIdPath }) });
}

/** Applies groups as the daemon does: states first, then the swap. */
function apply(roles: RoleMachine, groups: Array<{ name: string; initialRole?: 'MASTER' | 'BACKUP'; mac?: number }>): void {
  const next = roles.nextGroups();
  for (const g of groups) next.add({ name: g.name, initialRole: g.initialRole ?? 'BACKUP', mac: g.mac });
  roles.replaceGroups(next);
}

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-roles-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('setRole changes the live state before its listeners run, and says who asked', async (t) => {
  const roles = machine();
  apply(roles, [{ name: 'web', initialRole: 'MASTER' }, { name: 'mail' }]);
  const web = roles.groups.get('web')!;
  const seen: Array<RoleChange & { live: string }> = [];
  roles.on('role-changed', (c) => seen.push({ ...c, live: roles.groups.get(c.group)!.role }));
  t.same(roles.setRole('web', 'BACKUP', 'control'), { group: 'web', from: 'MASTER', to: 'BACKUP', source: 'control' });
  t.equal(web.role, 'BACKUP', 'the state the responders read per frame changed in place');
  roles.setRole('mail', 'FAULT', 'keepalived');
  t.same(
    seen,
    [
      { group: 'web', from: 'MASTER', to: 'BACKUP', source: 'control', live: 'BACKUP' },
      { group: 'mail', from: 'BACKUP', to: 'FAULT', source: 'keepalived', live: 'FAULT' },
    ],
    'one event per change, after it took effect',
  );
  t.throws(() => roles.setRole('nope', 'MASTER', 'control'), /unknown group "nope"/);
  t.equal(seen.length, 2, 'no event for a refused change');
});

t.test('an applied snapshot keeps the state (and role) of kept groups, adds new ones in their configured role, drops the rest', async (t) => {
  const roles = machine();
  apply(roles, [{ name: 'web' }, { name: 'gone', initialRole: 'MASTER' }]);
  const web = roles.groups.get('web')!;
  roles.setRole('web', 'MASTER', 'control');
  const next = roles.nextGroups();
  t.equal(next.add({ name: 'web', initialRole: 'BACKUP', mac: 0x020000000001 }), web, 'the same object: tables rebuilt on reload point at one state');
  next.add({ name: 'new', initialRole: 'MASTER', mac: undefined });
  t.equal(web.mac, undefined, 'nothing in force changes before replaceGroups');
  t.same([...roles.groups.keys()], ['web', 'gone'], 'the groups in force neither');
  roles.replaceGroups(next);
  t.same([...roles.groups.keys()], ['web', 'new']);
  t.match(roles.groups.get('web'), { role: 'MASTER', mac: 0x020000000001 }, 'role kept against the config, MAC updated');
  t.equal(roles.groups.get('new')!.role, 'MASTER', 'a new group starts in its configured role');
  t.throws(() => roles.setRole('gone', 'BACKUP', 'control'), /unknown group/, 'a removed group is gone');
});

t.test('persistence: restored at start (same boot, known groups), one write per synchronous burst, flushed by stop', async (t) => {
  const dir = tmp();
  const bootIdPath = join(dir, 'boot_id');
  writeFileSync(bootIdPath, `${BOOT}\n`);
  const file = join(dir, 'state.json');
  writeFileSync(file, JSON.stringify({ version: 1, bootId: BOOT, groups: { web: 'MASTER', other: 'MASTER' } }));
  const roles = machine(file, bootIdPath);
  apply(roles, [{ name: 'web' }, { name: 'mail', initialRole: 'MASTER' }]);
  const changes: string[] = [];
  roles.on('role-changed', (c) => changes.push(`${c.group} ${c.to} ${c.source}`));
  roles.start();
  t.same(changes, ['web MASTER state-file'], 'web restored; the unknown group is skipped; mail keeps its configured role');
  t.match(roles.persisted, { writes: 1, writeErrors: 0 }, 'written once at start');
  roles.setRole('web', 'BACKUP', 'control');
  roles.setRole('mail', 'FAULT', 'control');
  t.equal(roles.persisted!.writes, 1, 'the write waits for the end of the burst');
  await Promise.resolve();
  t.equal(roles.persisted!.writes, 2, 'two changes, one write');
  t.same(JSON.parse(readFileSync(file, 'utf8')).groups, { web: 'BACKUP', mail: 'FAULT' });
  roles.setRole('web', 'MASTER', 'control');
  roles.stop();
  t.same(JSON.parse(readFileSync(file, 'utf8')).groups.web, 'MASTER', 'stop writes the pending change');
  t.equal(roles.persisted, undefined, 'not persisted after stop');
});

t.test('no persistence without a state file or without a boot id', async (t) => {
  const roles = machine('');
  apply(roles, [{ name: 'web' }]);
  roles.start();
  t.equal(roles.persisted, undefined, 'stateFile ""');
  const dir = tmp();
  const noBoot = machine(join(dir, 'state.json'), join(dir, 'missing-boot-id'));
  apply(noBoot, [{ name: 'web' }]);
  noBoot.start();
  t.equal(noBoot.persisted, undefined, 'no boot id: a restart cannot be told from a reboot');
  noBoot.setRole('web', 'MASTER', 'control');
  await Promise.resolve();
  t.equal(noBoot.groups.get('web')!.role, 'MASTER', 'roles still change');
});
