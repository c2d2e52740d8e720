import t from 'tap';
import { runDoctorChecks, MAX_FIX_LINES, MAX_LISTED_VIPS, type DoctorCheck } from '../../src/diagnostics/doctor-checks.js';
import { hasEffectiveCapability, parseIpAddrJson, type DoctorFacts, type InterfaceFacts } from '../../src/diagnostics/doctor-facts.js';
import { parseIpv4 } from '../../src/wire/ipv4.js';
import { gatherDoctorFacts, type DoctorSources } from '../../src/diagnostics/doctor.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertDoctorCases, type DoctorCase } from './doctor-cases.js';

const ip = (s: string): number => parseIpv4(s)!;
const VIP = ip('198.51.100.10');

function iface(name: string, over: Partial<InterfaceFacts> = {}): InterfaceFacts {
  return { name, up: true, lowerUp: true, noarp: false, master: undefined, kind: undefined, linkType: 'ether', ...over };
}

/** A correctly set up director: VIP /32 on lo, arp_ignore=1, arp_announce=2, socket open, CAP_NET_RAW. */
function goodFacts(): DoctorFacts {
  return {
    groups: [{ name: 'web', iface: 'eth0', role: 'MASTER', vips: [VIP] }],
    sysctl: new Map([
      ['all', { arpIgnore: 0, arpAnnounce: 0 }],
      ['eth0', { arpIgnore: 1, arpAnnounce: 2 }],
    ]),
    interfaces: new Map([
      ['lo', iface('lo', { linkType: 'loopback', noarp: true })],
      ['eth0', iface('eth0')],
      ['dummy0', iface('dummy0', { kind: 'dummy', noarp: true })],
    ]),
    addresses: new Map([
      [VIP, [{ iface: 'lo', prefixlen: 32 }]],
      [ip('192.0.2.10'), [{ iface: 'eth0', prefixlen: 24 }]],
    ]),
    socketOpen: new Map([['eth0', true]]),
    capNetRaw: true,
  };
}

function find(checks: DoctorCheck[], check: string, status: string): DoctorCheck | undefined {
  return checks.find((c) => c.check === check && c.status === status);
}

t.test('doctor checks: one broken fact, one failed check with its fix', async (t) => {
  const cases: DoctorCase[] = [
    {
      desc: 'arp_ignore 0 on all and eth0',
      change: (f) => f.sysctl.set('eth0', { arpIgnore: 0, arpAnnounce: 2 }),
      check: 'arp_ignore',
      status: 'fail',
      fix: /^sysctl -w net\.ipv4\.conf\.eth0\.arp_ignore=1$/,
    },
    {
      desc: 'arp_announce 1',
      change: (f) => f.sysctl.set('eth0', { arpIgnore: 1, arpAnnounce: 1 }),
      check: 'arp_announce',
      status: 'fail',
      fix: /arp_announce=2/,
    },
    {
      desc: 'VLAN interface names use the / sysctl form',
      change: (f) => {
        f.groups[0]!.iface = 'eth0.100';
        f.interfaces!.set('eth0.100', iface('eth0.100'));
        f.socketOpen.set('eth0.100', true);
      },
      check: 'arp_ignore',
      status: 'fail',
      fix: /net\/ipv4\/conf\/eth0\.100\/arp_ignore/,
    },
    {
      desc: 'VIP on the wire interface',
      change: (f) =>
        f.addresses!.set(VIP, [
          { iface: 'lo', prefixlen: 32 },
          { iface: 'eth0', prefixlen: 24 },
        ]),
      check: 'vip-off-wire',
      status: 'fail',
      fix: /^ip addr del 198\.51\.100\.10\/24 dev eth0 && ip addr replace 198\.51\.100\.10\/32 dev lo$/,
    },
    {
      desc: 'VIP only on the wire interface',
      change: (f) => f.addresses!.set(VIP, [{ iface: 'eth0', prefixlen: 32 }]),
      check: 'vip-local',
      status: 'fail',
      fix: /^ip addr add 198\.51\.100\.10\/32 dev lo$/,
    },
    {
      desc: 'VIP missing on a BACKUP',
      change: (f) => {
        f.groups[0]!.role = 'BACKUP';
        f.addresses!.delete(VIP);
      },
      check: 'vip-local',
      status: 'warn',
      message: /BACKUP/,
    },
    {
      desc: 'VIP on lo as /24',
      change: (f) => f.addresses!.set(VIP, [{ iface: 'lo', prefixlen: 24 }]),
      check: 'vip-local',
      status: 'warn',
      fix: /dev lo && ip addr add 198\.51\.100\.10\/32 dev lo/,
    },
    {
      desc: 'VIP also on another NIC',
      change: (f) =>
        f.addresses!.set(VIP, [
          { iface: 'lo', prefixlen: 32 },
          { iface: 'eth1', prefixlen: 32 },
        ]),
      check: 'vip-off-wire',
      status: 'warn',
      fix: /dev eth1/,
    },
    {
      desc: 'interface down',
      change: (f) => f.interfaces!.set('eth0', iface('eth0', { up: false, lowerUp: false })),
      check: 'interface',
      status: 'fail',
      fix: /^ip link set eth0 up$/,
    },
    { desc: 'no carrier', change: (f) => f.interfaces!.set('eth0', iface('eth0', { lowerUp: false })), check: 'interface', status: 'warn' },
    { desc: 'bridge port', change: (f) => f.interfaces!.set('eth0', iface('eth0', { master: 'br0' })), check: 'interface', status: 'fail', fix: /"br0"/ },
    {
      desc: 'NOARP',
      change: (f) => f.interfaces!.set('eth0', iface('eth0', { noarp: true })),
      check: 'interface',
      status: 'fail',
      fix: /ip link set eth0 arp on/,
    },
    { desc: 'missing interface', change: (f) => f.interfaces!.delete('eth0'), check: 'interface', status: 'fail', message: /does not exist/ },
    { desc: 'socket closed', change: (f) => f.socketOpen.set('eth0', false), check: 'socket', status: 'fail', message: /no open socket/ },
    {
      desc: 'no CAP_NET_RAW',
      change: (f) => {
        f.capNetRaw = false;
      },
      check: 'capability',
      status: 'fail',
      fix: /AmbientCapabilities=CAP_NET_RAW/,
    },
    {
      desc: 'ip not installed',
      change: (f) => {
        f.interfaces = undefined;
        f.addresses = undefined;
        f.addressError = 'spawn ip ENOENT';
        f.ipMissing = true;
      },
      check: 'interface',
      status: 'fail',
      fix: /^apt-get install iproute2$/,
    },
    {
      desc: 'ip installed but failing',
      change: (f) => {
        f.interfaces = undefined;
        f.addresses = undefined;
        f.addressError = 'ip -j -d addr show failed: Failed to drop capabilities';
        f.ipMissing = false;
      },
      check: 'interface',
      status: 'fail',
      fix: /SystemCallFilter=capset/,
    },
  ];
  const good = runDoctorChecks(goodFacts());
  t.equal(good.ok, true, 'a correct director passes');
  t.same(good.summary, { pass: good.checks.length, warn: 0, fail: 0 });
  assertDoctorCases(t, goodFacts, cases);
});

t.test('arp_ignore and arp_announce are judged as max(all, iface)', async (t) => {
  const cases = [
    { all: [1, 2], own: [0, 0], ok: true },
    { all: [0, 0], own: [1, 2], ok: true },
    { all: [0, 2], own: [1, 0], ok: true },
    { all: [0, 1], own: [0, 1], ok: false },
  ];
  for (const c of cases) {
    const f = goodFacts();
    f.sysctl.set('all', { arpIgnore: c.all[0], arpAnnounce: c.all[1] });
    f.sysctl.set('eth0', { arpIgnore: c.own[0], arpAnnounce: c.own[1] });
    t.equal(runDoctorChecks(f).ok, c.ok, `all=${c.all} eth0=${c.own}`);
  }
});

t.test('thousands of misplaced VIPs are summarised, not listed', async (t) => {
  const f = goodFacts();
  const vips = Array.from({ length: 5000 }, (_, i) => ip('203.0.113.0') + (i % 256) + Math.floor(i / 256) * 65536);
  f.groups[0]!.vips = vips;
  for (const v of vips) f.addresses!.set(v, [{ iface: 'eth0', prefixlen: 32 }]);
  const r = runDoctorChecks(f);
  const wire = find(r.checks, 'vip-off-wire', 'fail')!;
  t.equal(wire.count, 5000);
  t.equal(wire.vips?.length, MAX_LISTED_VIPS);
  t.equal(wire.fix.length, MAX_FIX_LINES + 1, 'fix lines are capped, with a note of how many more');
  t.match(wire.fix.at(-1), /4990 more/);
  t.match(wire.message, /\(\+4980 more\)/);
  t.ok(r.checks.length < 20, `${r.checks.length} checks for 5000 VIPs`);
});

t.test('parseIpAddrJson reads flags, master, kind and IPv4 addresses', async (t) => {
  const text = JSON.stringify([
    {
      ifname: 'lo',
      flags: ['LOOPBACK', 'UP', 'LOWER_UP'],
      link_type: 'loopback',
      addr_info: [
        { family: 'inet', local: '127.0.0.1', prefixlen: 8 },
        { family: 'inet', local: '198.51.100.10', prefixlen: 32 },
      ],
    },
    {
      ifname: 'eth0',
      flags: ['BROADCAST', 'UP', 'LOWER_UP'],
      link_type: 'ether',
      master: 'br0',
      linkinfo: { info_kind: 'veth' },
      addr_info: [{ family: 'inet6', local: 'fe80::1', prefixlen: 64 }],
    },
    {
      ifname: 'dummy0',
      flags: ['BROADCAST', 'NOARP'],
      link_type: 'ether',
      linkinfo: { info_kind: 'dummy' },
      addr_info: [{ family: 'inet', local: '198.51.100.10', prefixlen: 32 }],
    },
  ]);
  const { interfaces, addresses } = parseIpAddrJson(text);
  t.match(interfaces.get('eth0'), { up: true, lowerUp: true, noarp: false, master: 'br0', kind: 'veth', linkType: 'ether' });
  t.match(interfaces.get('dummy0'), { up: false, noarp: true, kind: 'dummy' });
  t.same(addresses.get(VIP), [
    { iface: 'lo', prefixlen: 32 },
    { iface: 'dummy0', prefixlen: 32 },
  ]);
  t.equal(addresses.size, 2, 'IPv6 addresses are ignored');
  t.throws(() => parseIpAddrJson('not json'), SyntaxError);
});

t.test('hasEffectiveCapability reads CapEff', async (t) => {
  const cases = [
    { text: 'Name:\tnode\nCapEff:\t000001ffffffffff\n', want: true },
    { text: 'CapEff:\t0000000000002000\n', want: true },
    { text: 'CapEff:\t0000000000001000\n', want: false },
    { text: 'CapEff:\t0000000000000000\n', want: false },
    { text: 'Name:\tnode\n', want: undefined },
  ];
  for (const c of cases) t.equal(hasEffectiveCapability(c.text, 13), c.want, JSON.stringify(c.text));
});

t.test('an installed ip that fails is not blamed on a missing package', async (t) => {
  const facts = goodFacts();
  facts.interfaces = undefined;
  facts.addresses = undefined;
  facts.addressError = 'ip -j -d addr show failed: Failed to drop capabilities';
  facts.ipMissing = false;
  const hit = find(runDoctorChecks(facts).checks, 'interface', 'fail');
  t.ok(hit, 'interface check fails');
  t.notOk(
    hit?.fix.some((l) => /apt-get/.test(l)),
    `no "apt-get install" advice: ${JSON.stringify(hit?.fix)}`,
  );
  t.match(hit?.message, /Failed to drop capabilities/, "ip's own error is shown");
});

t.test('gatherDoctorFacts tells a missing ip from a failing one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-doctor-ip-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const daemon = { config: { snapshot: { groups: [] } }, roles: { groups: new Map() }, links: new Map() } as unknown as DoctorSources;
  const savedPath = process.env.PATH;
  t.teardown(() => {
    process.env.PATH = savedPath;
  });

  process.env.PATH = dir;
  const missing = await gatherDoctorFacts(daemon);
  t.equal(missing.ipMissing, true, 'no ip on PATH: missing');

  // An ip that fails the way iproute2 does when capset() is refused.
  writeFileSync(join(dir, 'ip'), '#!/bin/sh\necho "Failed to drop capabilities: Operation not permitted" >&2\nexit 1\n', { mode: 0o755 });
  const failing = await gatherDoctorFacts(daemon);
  t.equal(failing.ipMissing, false, 'ip present but exiting 1: not missing');
  t.match(failing.addressError, /Failed to drop capabilities/, 'its stderr is the reason');
});
