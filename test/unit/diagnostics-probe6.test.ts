import t from 'tap';
import { ipv6VipsMatching, linkLocalOf } from '../../src/diagnostics/probe6.js';
import { probeVerdicts, type ReplyCounts } from '../../src/diagnostics/probe-result.js';
import { formatIpv6, parseIpv6 } from '../../src/wire/ipv6.js';
import { parseMac } from '../../src/wire/mac.js';

function words(...texts: string[]): Uint32Array {
  const out = new Uint32Array(4 * texts.length);
  texts.forEach((x, i) => {
    parseIpv6(x, out, 4 * i);
  });
  return out;
}

t.test('linkLocalOf picks a usable link-local address of the interface', async (t) => {
  const text = [
    '20010db8000000000000000000000010 02 80 00 82     eth0',
    'fe800000000000000000000000000001 03 40 20 80     eth1',
    'fe800000000000000000000000000002 02 40 20 c0     eth0', // tentative
    'fe800000000000000000000000000003 02 40 20 88     eth0', // DAD failed
    'fe800000000000000000000000000004 02 40 20 80     eth0',
  ].join('\n');
  t.equal(formatIpv6(linkLocalOf(text, 'eth0')!), 'fe80::4');
  t.equal(formatIpv6(linkLocalOf(text, 'eth1')!), 'fe80::1');
  t.equal(linkLocalOf(text.split('\n').slice(0, 4).join('\n'), 'eth0'), undefined, 'only tentative or failed ones: none');
  t.equal(linkLocalOf('', 'eth0'), undefined, 'no IPv6 at all: none');
});

t.test('ipv6VipsMatching finds an address among sorted VIPs', async (t) => {
  const vips = words('2001:db8::1', '2001:db8::10', '2001:db8:1::', 'fd00::5');
  for (const x of ['2001:db8::1', '2001:db8::10', '2001:db8:1::', 'fd00::5']) t.same(ipv6VipsMatching(vips, words(x)), [x], x);
  for (const x of ['::', '2001:db8::2', 'fd00::6', 'ffff::']) t.same(ipv6VipsMatching(vips, words(x)), [], `${x}: not a VIP`);
  t.same(ipv6VipsMatching(new Uint32Array(0), words('2001:db8::1')), [], 'no VIPs');
});

t.test('probeVerdicts for an IPv6 VIP: the IPv6 fix for a foreign host', async (t) => {
  const IFACE = parseMac('02:00:00:00:00:01')!;
  const RS = parseMac('02:00:00:00:00:20')!;
  const replies: ReplyCounts = new Map([
    [
      '2001:db8::10',
      new Map([
        [RS, 2],
        [IFACE, 1],
      ]),
    ],
  ]);
  const [v] = probeVerdicts(
    [{ vip: '2001:db8::10', iface: 'eth0', group: 'web', role: 'MASTER', groupMac: IFACE, interfaceMac: IFACE }],
    replies,
    new Set(),
    () => null,
  );
  t.equal(v!.vip, '2001:db8::10');
  t.equal(v!.clean, false);
  t.match(v!.responders, [
    { mac: '02:00:00:00:00:20', ours: false, replies: 2, fix: /ip -6 addr add 2001:db8::10\/128 dev lo nodad.*ip -6 neigh del proxy 2001:db8::10/ },
    { mac: '02:00:00:00:00:01', ours: true, reason: 'interface' },
  ]);
  t.notMatch(v!.responders[0]!.fix, /arp_ignore/, 'no ARP advice for an IPv6 VIP');
});

t.test('the probe renderer names the link-local source', async (t) => {
  const { DIAGNOSTICS_RENDERERS } = await import('../../src/diagnostics/format.js');
  const { PLAIN } = await import('../../src/control/text-style.js');
  const text = DIAGNOSTICS_RENDERERS['probe']!(
    {
      clean: true,
      ok: true,
      windowMs: 500,
      sources: { eth0: '192.0.2.10' },
      sources6: { eth0: 'fe80::1' },
      vips: [{ vip: '2001:db8::10', iface: 'eth0', group: 'web', role: 'BACKUP', clean: true, responders: [] }],
    },
    { now: Date.now(), style: PLAIN },
  );
  t.match(text, /^2001:db8::10 \(group web, BACKUP, eth0\): clean/);
  t.match(text, /asked from 192\.0\.2\.10 on eth0, fe80::1 on eth0 for 500 ms/);
});

t.test('ProbeFeature finds IPv6 VIPs through ipv6VipsOf, by address and by group', async (t) => {
  const { ProbeFeature } = await import('../../src/diagnostics/probe.js');
  const handlers = new Map<string, (args: string[]) => Promise<unknown>>();
  // Port fakes: the command registry, the config in force, roles, links and the VIP table.
  const links = new Map([['nosuchif0', { wire: {}, macAddress: 2 }]]);
  const ports = {
    commands: { register: (name: string, spec: { handler: (args: string[]) => Promise<unknown> }) => handlers.set(name, spec.handler) },
    config: {
      snapshot: {
        groups: [
          { config: { name: 'web', interface: 'nosuchif0' }, vips: new Uint32Array(0) },
          { config: { name: 'mail', interface: 'nosuchif0' }, vips: new Uint32Array(0) },
        ],
      },
      config: { announce: { maxFramesPerSecond: 0 }, diagnostics: { peers: [] } },
    },
    roles: {
      groups: new Map([
        ['web', { name: 'web', role: 'BACKUP', mac: undefined }],
        ['mail', { name: 'mail', role: 'BACKUP', mac: undefined }],
      ]),
    },
    links,
    vips: { table: { bindingsOfVip: () => [], vipsOf: () => undefined, isVip: () => false } },
  };
  const vips = words('2001:db8::1', '2001:db8::10');
  new ProbeFeature({ ...(ports as never as ConstructorParameters<typeof ProbeFeature>[0]), ipv6VipsOf: (g) => (g === 'web' ? vips : undefined) }).start();
  const probe = handlers.get('probe')!;
  await t.rejects(probe(['2001:db8::99']), { code: 'ENOTFOUND', message: /2001:db8::99 is not a configured VIP/ }, 'an IPv6 address that is no VIP');
  await t.rejects(probe(['mail']), { code: 'ENOTFOUND', message: /no group "mail" with VIPs/ }, 'a group without VIPs of either family');
  // Found: the next step is the interface's link-local address, which nosuchif0 has not.
  await t.rejects(
    probe(['2001:db8:0::10']),
    { code: 'ENOLINKLOCAL', message: /nosuchif0 has no usable IPv6 link-local address/ },
    'a VIP in any inet_pton form',
  );
  await t.rejects(probe(['web']), { code: 'ENOLINKLOCAL' }, 'a group with only IPv6 VIPs');
  links.clear();
  await t.rejects(probe(['web']), { code: 'ENOLINK' }, 'no socket on the interface: said before the link-local address is looked for');
});
