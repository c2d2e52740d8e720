import t from 'tap';
import { EventEmitter } from 'node:events';
import { RecentEvents } from '../../src/daemon/recent-events.js';
import { ActivityFeature } from '../../src/daemon/activity-feature.js';
import { CommandRegistry } from '../../src/control/command-registry.js';
import { AnnounceCounters } from '../../src/announcer/announce-counters.js';
import type { RoleEvents } from '../../src/roles/role-source.js';
import type { ReloadEventMap } from '../../src/config/reload-events.js';

t.test('RecentEvents keeps the newest, never more than its capacity', async (t) => {
  const r = new RecentEvents<number>(3);
  t.same(r.newestFirst(), []);
  r.push(1);
  r.push(2);
  t.same(r.newestFirst(), [2, 1]);
  for (const n of [3, 4, 5, 6, 7]) r.push(n);
  t.same(r.newestFirst(), [7, 6, 5]);
  t.throws(() => new RecentEvents(0), RangeError);
});

t.test('ActivityFeature: role changes, applied and failed reloads, GARP frames per interface in status', async (t) => {
  // Port fakes: the role source, the reload events, the command registry and the generation.
  const roles = Object.assign(new EventEmitter<RoleEvents>(), { groups: new Map() });
  const reloads = new EventEmitter<ReloadEventMap>();
  const daemon = { commands: new CommandRegistry(), generation: 1 };
  const garps = new AnnounceCounters();
  let now = Date.parse('2026-12-01T12:00:00.000Z');
  const f = new ActivityFeature({ roles, reloads, config: daemon, commands: daemon.commands, garps: () => garps, now: () => now });
  f.start();
  roles.emit('role-changed', { group: 'web', from: 'BACKUP', to: 'MASTER', source: 'keepalived' });
  now += 1000;
  reloads.emit('reload-finished', { ok: true, generation: 1 });
  reloads.emit('reload-finished', { ok: true, generation: 2 });
  reloads.emit('reload-finished', { ok: false, generation: 2, error: 'web.vips:2:1: invalid VIP entry' });
  for (let i = 0; i < 15; i++) roles.emit('role-changed', { group: 'web', from: 'MASTER', to: 'MASTER', source: 'control' });
  Object.assign(garps.of('web', 'eth0'), { request: 3, reply: 1, dropped: 1 });
  Object.assign(garps.of('mail', 'eth0'), { request: 2 });
  Object.assign(garps.of('mail', 'eth1'), { reply: 5, na: 4, cancelled: 2 });
  Object.assign(garps.of('web', 'eth0'), { na: 2 });
  garps.rounds = 4;
  const s = daemon.commands.statusSections() as { events: { roleChanges: unknown[]; reloads: unknown[] }; garp: unknown };
  t.equal(s.events.roleChanges.length, 10, 'bounded');
  t.same(
    s.events.reloads,
    [
      { at: '2026-12-01T12:00:01.000Z', ok: false, generation: 2, error: 'web.vips:2:1: invalid VIP entry' },
      { at: '2026-12-01T12:00:01.000Z', ok: true, generation: 2, error: null },
    ],
    'newest first; a reload that changed nothing is no event',
  );
  t.same(s.garp, {
    rounds: 4,
    interfaces: [
      { name: 'eth0', request: 5, reply: 1, na: 2, dropped: 1, cancelled: 0 },
      { name: 'eth1', request: 0, reply: 5, na: 4, dropped: 0, cancelled: 2 },
    ],
  });
  f.stop();
  roles.emit('role-changed', { group: 'web', from: 'MASTER', to: 'BACKUP', source: 'control' });
  t.equal(roles.listenerCount('role-changed'), 0, 'stopped: listeners removed');
});
