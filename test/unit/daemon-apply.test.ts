import t from 'tap';
import { configWith, RecordingConn, snapshotOf, startFakeDaemon } from './daemon-fixture.js';
import type { SnapshotApplied } from '../../src/config/config-view.js';
import { formatIpv4, parseIpv4 } from '../../src/wire/ipv4.js';
import { countVips, MAX_GROUPS_PER_INTERFACE } from '../../src/vips/vip-table.js';
import { formatIpv6, parseIpv6 } from '../../src/wire/ipv6.js';

const ip = (s: string): number => parseIpv4(s)!;
/** A SnapshotApplied side as `group@iface: VIPs`, for comparing. */
const show = (sets: SnapshotApplied['added']): string[] => sets.map((s) => `${s.group.name}@${s.iface}: ${Array.from(s.ips, formatIpv4).join(' ')}`);

t.test('apply reports per group what it gained and lost, and swaps the table', async (t) => {
  const daemon = await startFakeDaemon(
    configWith([
      { name: 'web', interface: 'lo', vips: ['198.51.100.1', '198.51.100.2', '198.51.100.3'] },
      { name: 'mail', interface: 'lo', vips: ['203.0.113.1'] },
      { name: 'gone', interface: 'lo', vips: ['192.0.2.1'] },
    ]),
    new RecordingConn(),
  );
  t.teardown(() => daemon.stop());
  const web = daemon.groups.get('web');
  const r = daemon.apply(
    snapshotOf(
      configWith([
        // .1 kept, .2 moved to mail, .3 removed, .4 added
        { name: 'web', interface: 'lo', vips: ['198.51.100.1', '198.51.100.4'] },
        { name: 'mail', interface: 'lo', vips: ['203.0.113.1', '198.51.100.2'] },
        { name: 'new', interface: 'lo', vips: ['192.0.2.9'] },
      ]),
    ),
  );
  t.equal(r.generation, 2);
  t.same(show(r.added), ['web@lo: 198.51.100.4', 'mail@lo: 198.51.100.2', 'new@lo: 192.0.2.9']);
  t.same(show(r.removed), ['web@lo: 198.51.100.2 198.51.100.3', 'gone@lo: 192.0.2.1']);
  t.equal(daemon.groups.get('web'), web, 'a kept group keeps its state (and role)');
  t.notOk(daemon.groups.has('gone'));
  t.equal(daemon.table.groupOf('lo', ip('198.51.100.2'))?.name, 'mail');
  t.equal(daemon.table.groupOf('lo', ip('198.51.100.3')), undefined);
  t.equal(daemon.table.size, 5);

  const same = daemon.apply(
    snapshotOf(
      configWith([
        { name: 'web', interface: 'lo', vips: ['198.51.100.1', '198.51.100.4'] },
        { name: 'mail', interface: 'lo', vips: ['203.0.113.1', '198.51.100.2'] },
        { name: 'new', interface: 'lo', vips: ['192.0.2.9'] },
      ]),
    ),
  );
  t.same([same.added, same.removed], [[], []], 'the same VIPs again: nothing gained or lost');
});

t.test('a snapshot with more groups on one interface than the table can number is rejected whole', async (t) => {
  const groups = Array.from({ length: MAX_GROUPS_PER_INTERFACE + 1 }, (_, i) => ({ name: `g${i}`, interface: 'eth0', vips: [] }));
  t.throws(() => snapshotOf(configWith(groups)), {
    name: 'ConfigError',
    message: /groups\[65535\] \("g65535"\) is group 65536 of 65536 on interface eth0; at most 65535 groups may share one interface/,
  });
  t.doesNotThrow(() => snapshotOf(configWith(groups.slice(1))), '65535 is fine');
});

t.test('apply diffs each family on its own and builds the IPv6 table on the same group states', async (t) => {
  const daemon = await startFakeDaemon(
    configWith([
      { name: 'web', interface: 'lo', vips: ['198.51.100.1', '2001:db8::1', '2001:db8::2'] },
      { name: 'v6only', interface: 'lo', vips: ['2001:db8::9'] },
    ]),
    new RecordingConn(),
  );
  t.teardown(() => daemon.stop());
  const ipv6Table = daemon.inForce.ipv6Table;
  t.equal(ipv6Table.size, 3);
  t.equal(ipv6Table.groupOf('lo', a6('2001:db8::2')), daemon.groups.get('web'), "the IPv6 table points at the role machine's state");
  const r = daemon.apply(
    snapshotOf(
      configWith([
        // IPv4 unchanged; ::1 kept, ::2 removed, ::3 added; v6only gone
        { name: 'web', interface: 'lo', vips: ['198.51.100.1', '2001:db8::1', '2001:db8::3'] },
      ]),
    ),
  );
  const showAny = (sets: SnapshotApplied['added']): string[] =>
    sets.map(
      (s) =>
        `${s.family} ${s.group.name}@${s.iface}: ${s.family === 'ipv4' ? Array.from(s.ips, formatIpv4).join(' ') : Array.from({ length: s.ips.length / 4 }, (_, i) => formatIpv6(s.ips.subarray(4 * i, 4 * i + 4))).join(' ')}`,
    );
  t.same(showAny(r.added), ['ipv6 web@lo: 2001:db8::3']);
  t.same(showAny(r.removed), ['ipv6 web@lo: 2001:db8::2', 'ipv6 v6only@lo: 2001:db8::9']);
  t.equal(countVips(r.removed), 2, 'addresses counted, not words');
  t.equal(daemon.inForce.ipv6Table.groupOf('lo', a6('2001:db8::3'))?.name, 'web');
  t.equal(daemon.inForce.ipv6Table.groupOf('lo', a6('2001:db8::2')), undefined);
  t.equal(daemon.table.size, 1);
});

function a6(text: string): Uint32Array {
  const out = new Uint32Array(4);
  parseIpv6(text, out);
  return out;
}

t.test(
  'prepare: the event loop gets turns while it runs, nothing in force changes until its apply, and one overtaken by another apply is made again',
  async (t) => {
    const daemon = await startFakeDaemon(configWith([{ name: 'web', interface: 'lo', vips: ['198.51.100.1', '2001:db8::1'] }]), new RecordingConn());
    t.teardown(() => daemon.stop());
    const web = daemon.groups.get('web')!;
    // 30,000 groups with a VIP of each family: tens of milliseconds of work, far more than one 4 ms slice.
    const many = Array.from({ length: 30_000 }, (_, i) => ({
      name: `g${i}`,
      interface: 'lo',
      vips: [formatIpv4(ip('10.0.0.0') + i), `2001:db8:1::${(i + 1).toString(16)}`],
    }));
    const big = snapshotOf(configWith([{ name: 'web', interface: 'lo', vips: ['198.51.100.2', '2001:db8::2'], mac: '02:00:00:00:00:01' }, ...many]));
    let turns = 0;
    let preparing = true;
    const tick = (): void => {
      turns++;
      if (preparing) setImmediate(tick);
    };
    setImmediate(tick);
    const apply = await daemon.prepare(big);
    preparing = false;
    t.ok(turns > 1, `the event loop ran ${turns} turns during the preparation`);
    t.equal(daemon.generation, 1, 'not applied yet');
    t.equal(daemon.table.groupOf('lo', ip('198.51.100.1')), web, 'the table in force still answers');
    t.equal(web.mac, undefined, "a kept group's new MAC waits for the swap");
    t.equal(daemon.groups.size, 1, 'the groups in force neither change');
    const r = apply();
    t.equal(r.generation, 2);
    t.equal(daemon.groups.size, 30_001);
    t.equal(daemon.groups.get('web'), web, 'the kept group keeps its state');
    t.equal(web.mac, 0x020000000001, 'its MAC set at the swap');
    t.same(show(r.added.filter((s) => s.group === web && s.family === 'ipv4')), ['web@lo: 198.51.100.2']);
    t.equal(countVips(r.added), 60_002, 'both families of every group diffed');
    t.equal(daemon.inForce.ipv6Table.groupOf('lo', a6('2001:db8:1::1'))?.name, 'g0');

    // Prepared against generation 2; another apply comes first.
    const later = await daemon.prepare(snapshotOf(configWith([{ name: 'web', interface: 'lo', vips: ['198.51.100.3'] }])));
    daemon.apply(
      snapshotOf(
        configWith([
          { name: 'web', interface: 'lo', vips: ['198.51.100.4'] },
          { name: 'other', interface: 'lo', vips: ['198.51.100.5'] },
        ]),
      ),
    );
    const r3 = later();
    t.same(show(r3.added), ['web@lo: 198.51.100.3'], 'diffed against the table in force at the swap');
    t.same(show(r3.removed), ['web@lo: 198.51.100.4', 'other@lo: 198.51.100.5']);
    t.same([...daemon.groups.keys()], ['web']);
  },
);

t.test("a group's ndpRouter reaches its state, and a reload changes it on the same state", async (t) => {
  const daemon = await startFakeDaemon(configWith([{ name: 'web', interface: 'lo', vips: ['2001:db8::1'], ndpRouter: false }]), new RecordingConn());
  t.teardown(() => daemon.stop());
  const web = daemon.groups.get('web')!;
  t.equal(web.ndpRouter, false, 'false: R=0 whatever the interface forwards');
  daemon.apply(snapshotOf(configWith([{ name: 'web', interface: 'lo', vips: ['2001:db8::1'] }])));
  t.equal(daemon.groups.get('web'), web, 'the same state');
  t.equal(web.ndpRouter, undefined, "auto (the default): the interface's forwarding decides");
  daemon.apply(snapshotOf(configWith([{ name: 'web', interface: 'lo', vips: ['2001:db8::1'], ndpRouter: true }])));
  t.equal(web.ndpRouter, true);
});
