// The core control commands against a daemon on `lo` with a fake wire
// (no root): every command's data and every refusal's error code.
import t, { type Test } from 'tap';
import { ControlFeature } from '../../src/control/control-feature.js';
import type { VipSet } from '../../src/vips/vip-table.js';
import { configWith, RecordingConn } from './daemon-fixture.js';
import { startDaemon } from './lo-daemon-fixture.js';
import type { AnnouncePort } from '../../src/announcer/announce-port.js';

const GROUPS = [
  { name: 'web', interface: 'lo', vips: ['198.51.100.10', '198.51.100.11'], keepalived: ['VI_1'], initialRole: 'backup' },
  { name: 'mail', interface: 'lo', vips: ['203.0.113.5'], keepalived: ['VI_1', 'VG_MAIL'] },
  { name: 'VI_7', interface: 'lo', vips: ['203.0.113.7'], initialRole: 'backup' },
];

/** `announcer`: control gets a recording announce port; without, it has none. */
async function daemonWithCommands(t: Test, opts: { announcer?: boolean; groups?: Record<string, unknown>[] } = {}) {
  const announced: Array<{ vips: number[]; groups: string[]; reason: string; families?: string[] }> = [];
  const announcer: AnnouncePort = {
    announceOnce: (sets: readonly VipSet[], reason: string) =>
      announced.push({
        vips: sets.flatMap((x) => Array.from(x.ips)),
        groups: [...new Set(sets.map((x) => x.group.name))],
        reason,
        ...(sets.some((x) => x.family === 'ipv6') ? { families: sets.map((x) => x.family) } : {}),
      }),
    holdRounds: () => {},
    resumeRounds: () => {},
  };
  const daemon = await startDaemon(configWith(opts.groups ?? GROUPS), new RecordingConn(), (p) => [
    new ControlFeature({ ...p, announcer: opts.announcer === true ? announcer : undefined, startedAt: Date.now() }),
  ]);
  t.teardown(() => daemon.stop());
  const run = (cmd: string, ...args: string[]) => daemon.commands.run(cmd, args);
  return { daemon, run, announced };
}

t.test('status lists groups, interfaces, daemon and added sections', async (t) => {
  const { daemon, run } = await daemonWithCommands(t);
  daemon.commands.addStatusSection('config', () => ({ generation: daemon.generation, loadedAt: 'now', lastError: null }));
  const s = (await run('status')) as Record<string, unknown>;
  t.match(s, {
    daemon: { pid: process.pid, generation: 1, uptimeSec: Number },
    groups: [
      { name: 'web', role: 'BACKUP', interface: 'lo', vips: 2 },
      { name: 'mail', role: 'MASTER', interface: 'lo', vips: 1 },
      { name: 'VI_7', role: 'BACKUP', interface: 'lo', vips: 1 },
    ],
    interfaces: [{ name: 'lo', present: true, counts: { answered: 0 } }],
    config: { generation: 1, lastError: null },
  });
  t.throws(() => daemon.commands.addStatusSection('config', () => 1), /twice/, 'a section has one owner');
  await t.rejects(run('status', 'extra'), { code: 'EUSAGE' });
});

t.test('vips, role and help', async (t) => {
  const { run } = await daemonWithCommands(t);
  t.match(await run('vips'), [{ name: 'web', vips: ['198.51.100.10', '198.51.100.11'] }, { name: 'mail', vips: ['203.0.113.5'] }, { name: 'VI_7' }]);
  t.match(await run('vips', 'mail'), [{ name: 'mail', role: 'MASTER', vips: ['203.0.113.5'] }]);
  t.same(await run('role', 'web'), { group: 'web', role: 'BACKUP' });
  const help = (await run('help')) as Array<{ name: string }>;
  t.same(
    help.map((h) => h.name),
    ['announce', 'fault', 'garp', 'help', 'notify', 'release', 'role', 'status', 'takeover', 'vips'],
  );
  await t.rejects(run('vips', 'nope'), { code: 'ENOGROUP', message: /configured groups: web, mail, VI_7/ });
  await t.rejects(run('role'), { code: 'EUSAGE' });
  await t.rejects(run('frobnicate'), { code: 'EUNKNOWNCMD' });
});

t.test('takeover, release and fault change roles with source "control"', async (t) => {
  const { daemon, run } = await daemonWithCommands(t);
  const events: unknown[] = [];
  daemon.roles.on('role-changed', (c) => events.push(c));
  const cases: Array<{ cmd: string; group: string; want: object }> = [
    { cmd: 'takeover', group: 'web', want: { group: 'web', from: 'BACKUP', to: 'MASTER', source: 'control' } },
    { cmd: 'fault', group: 'web', want: { group: 'web', from: 'MASTER', to: 'FAULT', source: 'control' } },
    { cmd: 'release', group: 'web', want: { group: 'web', from: 'FAULT', to: 'BACKUP', source: 'control' } },
    { cmd: 'release', group: 'mail', want: { group: 'mail', from: 'MASTER', to: 'BACKUP', source: 'control' } },
  ];
  for (const c of cases) {
    t.same(await run(c.cmd, c.group), c.want, `${c.cmd} ${c.group}`);
    t.equal(daemon.groups.get(c.group)?.role, (c.want as { to: string }).to, `${c.group} is now ${(c.want as { to: string }).to}`);
  }
  t.same(
    events,
    cases.map((c) => c.want),
    'one role-changed event each',
  );
  for (const cmd of ['takeover', 'release', 'fault']) {
    await t.rejects(run(cmd, 'nope'), { code: 'ENOGROUP' }, `${cmd} of an unknown group`);
    await t.rejects(run(cmd), { code: 'EUSAGE' }, `${cmd} without a group`);
    await t.rejects(run(cmd, 'web', 'mail'), { code: 'EUSAGE' }, `${cmd} with two groups`);
  }
});

t.test('garp announces a MASTER group or VIP through the announcer', async (t) => {
  await t.rejects((await daemonWithCommands(t)).run('garp', 'mail'), { code: 'ENOANNOUNCER' }, 'no announcer: error');
  const { run, announced } = await daemonWithCommands(t, { announcer: true });
  t.same(await run('garp', 'mail'), { announced: 1, ipv4: 1, ipv6: 0, groups: ['mail'] });
  t.same(await run('garp', '203.0.113.5'), { announced: 1, ipv4: 1, ipv6: 0, groups: ['mail'] });
  t.same(announced, [
    { vips: [0xcb007105], groups: ['mail'], reason: 'control' },
    { vips: [0xcb007105], groups: ['mail'], reason: 'control' },
  ]);
  await t.rejects(run('garp', 'web'), { code: 'ENOTMASTER' }, 'a BACKUP group is not announced');
  await t.rejects(run('garp', '198.51.100.10'), { code: 'ENOTMASTER' }, 'a VIP of a BACKUP group is not announced');
  await t.rejects(run('garp', '192.0.2.1'), { code: 'ENOVIP' });
  await t.rejects(run('garp', 'no-such'), { code: 'ENOGROUP' });
  await t.rejects(run('garp'), { code: 'EUSAGE' });
  t.equal(announced.length, 2, 'refusals announce nothing');
});

t.test('garp (and its alias announce) announces both families of a group, or one IPv6 VIP', async (t) => {
  const groups = [
    { name: 'web', interface: 'lo', vips: ['198.51.100.10', '2001:db8::10', '2001:db8::11'] },
    { name: 'mail', interface: 'lo', vips: ['2001:db8::25'], initialRole: 'backup' },
  ];
  const { run, announced } = await daemonWithCommands(t, { announcer: true, groups });
  t.same(await run('garp', 'web'), { announced: 3, ipv4: 1, ipv6: 2, groups: ['web'] }, 'a dual-stack group: both families');
  t.same(await run('announce', '2001:0db8:0::11'), { announced: 1, ipv4: 0, ipv6: 1, groups: ['web'] }, 'one IPv6 VIP, any inet_pton form, by the alias');
  t.same(announced, [
    { vips: [0xc633640a, 0x20010db8, 0, 0, 0x10, 0x20010db8, 0, 0, 0x11], groups: ['web'], reason: 'control', families: ['ipv4', 'ipv6'] },
    { vips: [0x20010db8, 0, 0, 0x11], groups: ['web'], reason: 'control', families: ['ipv6'] },
  ]);
  await t.rejects(run('announce', '2001:db8::25'), { code: 'ENOTMASTER' }, 'an IPv6 VIP of a BACKUP group is not announced');
  await t.rejects(run('garp', '2001:db8::99'), { code: 'ENOVIP' });
  await t.rejects(run('garp', '2001:db8::1::2'), { code: 'ENOGROUP', message: /neither a group nor an IP address/ });
  await t.rejects(run('announce'), { code: 'EUSAGE' });
});

t.test('notify maps keepalived names to groups', async (t) => {
  const { daemon, run } = await daemonWithCommands(t);
  t.match(await run('notify', 'INSTANCE', 'VI_1', 'MASTER', '100'), [
    { group: 'web', to: 'MASTER', source: 'keepalived' },
    { group: 'mail', to: 'MASTER', source: 'keepalived' },
  ]);
  t.match(await run('notify', 'GROUP', 'VG_MAIL', 'FAULT', '0'), [{ group: 'mail', from: 'MASTER', to: 'FAULT' }]);
  t.match(await run('notify', 'INSTANCE', 'VI_1', 'STOP', '100'), [
    { group: 'web', to: 'BACKUP' },
    { group: 'mail', to: 'BACKUP' },
  ]);
  t.match(await run('notify', 'INSTANCE', 'VI_7', 'MASTER'), [{ group: 'VI_7', to: 'MASTER' }], 'a group named like the instance');
  t.equal(daemon.groups.get('web')?.role, 'BACKUP');
  await t.rejects(run('notify', 'INSTANCE', 'VI_2', 'MASTER', '100'), { code: 'ENOGROUP', message: /"keepalived" list/ });
  await t.rejects(run('notify', 'INSTANCE', 'VI_1', 'UP', '100'), { code: 'EUSAGE' });
  await t.rejects(run('notify', 'VI_1', 'MASTER'), { code: 'EUSAGE' });
});
