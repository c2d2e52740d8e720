import t from 'tap';
import { runDoctorChecks } from '../../src/diagnostics/doctor-checks.js';
import type { DoctorFacts, InterfaceFacts } from '../../src/diagnostics/doctor-facts.js';
import {
  addressesByText,
  IFA_F_DADFAILED,
  IFA_F_NODAD,
  IFA_F_TENTATIVE,
  ipv6VipTexts,
  parseAnycast6,
  parseIfInet6,
  parseProxyNeighbours,
  type Ipv6Facts,
} from '../../src/diagnostics/doctor6-facts.js';
import { parseIpv6 } from '../../src/wire/ipv6.js';
import { assertDoctorCases, type DoctorCase } from './doctor-cases.js';

const PERMANENT = 0x80;
const VIP = '2001:db8::10';
const VIP2 = '2001:db8::11';

function words(...texts: string[]): Uint32Array {
  const out = new Uint32Array(4 * texts.length);
  texts.forEach((x, i) => {
    if (parseIpv6(x, out, 4 * i) !== undefined) throw new Error(x);
  });
  return out;
}

function iface(name: string, over: Partial<InterfaceFacts> = {}): InterfaceFacts {
  return { name, up: true, lowerUp: true, noarp: false, master: undefined, kind: undefined, linkType: 'ether', ...over };
}

function ipv6Facts(): Ipv6Facts {
  return {
    addresses: new Map([
      [VIP, [{ iface: 'lo', prefixlen: 128, flags: PERMANENT | IFA_F_NODAD }]],
      [VIP2, [{ iface: 'dummy0', prefixlen: 128, flags: PERMANENT | IFA_F_NODAD }]],
      ['fe80::1', [{ iface: 'eth0', prefixlen: 64, flags: PERMANENT }]],
    ]),
    anycast: new Map(),
    sysctl: new Map([
      ['all', { disableIpv6: 0, forwarding: 0, proxyNdp: 0 }],
      ['eth0', { disableIpv6: 0, forwarding: 0, proxyNdp: 0 }],
    ]),
    proxies: new Map(),
  };
}

/** A correct dual-stack director: IPv4 as in diagnostics-doctor.test.ts, two IPv6 VIPs /128 nodad on lo and a dummy. */
function goodFacts(): DoctorFacts {
  return {
    groups: [{ name: 'web', iface: 'eth0', role: 'MASTER', vips: [], ipv6Vips: words(VIP, VIP2) }],
    sysctl: new Map([
      ['all', { arpIgnore: 1, arpAnnounce: 2 }],
      ['eth0', { arpIgnore: 1, arpAnnounce: 2 }],
    ]),
    interfaces: new Map([
      ['lo', iface('lo', { linkType: 'loopback', noarp: true })],
      ['eth0', iface('eth0')],
      ['eth1', iface('eth1')],
      ['dummy0', iface('dummy0', { kind: 'dummy', noarp: true })],
    ]),
    addresses: new Map(),
    socketOpen: new Map([['eth0', true]]),
    capNetRaw: true,
    ipv6: ipv6Facts(),
    solicitedNode: new Map([['eth0', { needed: 2, joined: 2, pending: 0, allMulticast: false, limit: 4096 }]]),
  };
}

const v6 = (f: DoctorFacts): Ipv6Facts => f.ipv6!;
const sysctl = (f: DoctorFacts, name: string, over: object): void => {
  v6(f).sysctl.set(name, { ...v6(f).sysctl.get(name)!, ...over });
};

t.test('IPv6 doctor checks: a correct director passes every one, with the facts that prove the kernel silent', async (t) => {
  const r = runDoctorChecks(goodFacts());
  t.equal(r.ok, true);
  t.same(r.summary, { pass: r.checks.length, warn: 0, fail: 0 });
  const ids = r.checks.map((c) => c.check);
  for (const id of ['vip6-local', 'vip6-off-wire', 'kernel-ndp-silent', 'proxy_ndp', 'disable_ipv6', 'forwarding6', 'solicited-node'])
    t.ok(ids.includes(id), `${id} is checked`);
  const silent = r.checks.find((c) => c.check === 'kernel-ndp-silent')!;
  t.match(silent.message, /\/proc\/net\/if_inet6.*\/proc\/net\/anycast6.*ip -6 neigh show proxy/);
  t.match(r.checks.find((c) => c.check === 'forwarding6')!.message, /forwarding is 0: .*R=0/);
});

t.test('IPv6 doctor checks: one broken fact, one verdict with its fix', async (t) => {
  const cases: DoctorCase[] = [
    {
      desc: 'VIP missing on the MASTER',
      change: (f) => v6(f).addresses!.delete(VIP),
      check: 'vip6-local',
      status: 'fail',
      fix: /^ip -6 addr add 2001:db8::10\/128 dev lo nodad$/,
    },
    {
      desc: 'VIP missing on a BACKUP',
      change: (f) => {
        f.groups[0]!.role = 'BACKUP';
        v6(f).addresses!.delete(VIP);
      },
      check: 'vip6-local',
      status: 'warn',
      message: /BACKUP/,
    },
    {
      desc: 'VIP without nodad',
      change: (f) => v6(f).addresses!.set(VIP, [{ iface: 'lo', prefixlen: 128, flags: PERMANENT }]),
      check: 'vip6-local',
      status: 'warn',
      fix: /^ip -6 addr change 2001:db8::10\/128 dev lo nodad$/,
      message: /lack nodad/,
    },
    {
      desc: 'VIP /64 on lo',
      change: (f) => v6(f).addresses!.set(VIP, [{ iface: 'lo', prefixlen: 64, flags: PERMANENT | IFA_F_NODAD }]),
      check: 'vip6-local',
      status: 'warn',
      fix: /^ip -6 addr del 2001:db8::10\/64 dev lo && ip -6 addr add 2001:db8::10\/128 dev lo nodad$/,
    },
    {
      desc: 'VIP tentative',
      change: (f) => v6(f).addresses!.set(VIP, [{ iface: 'lo', prefixlen: 128, flags: PERMANENT | IFA_F_TENTATIVE }]),
      check: 'vip6-local',
      status: 'fail',
      message: /tentative or failed DAD/,
    },
    {
      desc: 'VIP failed DAD on a dummy',
      change: (f) => v6(f).addresses!.set(VIP2, [{ iface: 'dummy0', prefixlen: 128, flags: PERMANENT | IFA_F_DADFAILED }]),
      check: 'vip6-local',
      status: 'fail',
      fix: /^ip -6 addr del 2001:db8::11\/128 dev dummy0 && ip -6 addr add 2001:db8::11\/128 dev dummy0 nodad$/,
    },
    {
      desc: 'VIP on the wire interface',
      change: (f) => v6(f).addresses!.get(VIP)!.push({ iface: 'eth0', prefixlen: 64, flags: PERMANENT }),
      check: 'vip6-off-wire',
      status: 'fail',
      fix: /^ip -6 addr del 2001:db8::10\/64 dev eth0 && ip -6 addr replace 2001:db8::10\/128 dev lo nodad$/,
    },
    {
      desc: 'VIP on the wire: the kernel is not silent',
      change: (f) =>
        v6(f)
          .addresses!.get(VIP)!
          .push({ iface: 'eth0', prefixlen: 128, flags: PERMANENT | IFA_F_NODAD }),
      check: 'kernel-ndp-silent',
      status: 'fail',
      message: /because they are addresses of eth0: 2001:db8::10/,
    },
    {
      desc: 'VIP only on the wire',
      change: (f) => v6(f).addresses!.set(VIP, [{ iface: 'eth0', prefixlen: 128, flags: PERMANENT }]),
      check: 'vip6-local',
      status: 'fail',
      fix: /^ip -6 addr add 2001:db8::10\/128 dev lo nodad$/,
    },
    {
      desc: 'VIP also on another NIC',
      change: (f) => v6(f).addresses!.get(VIP)!.push({ iface: 'eth1', prefixlen: 128, flags: PERMANENT }),
      check: 'vip6-off-wire',
      status: 'warn',
      fix: /^ip -6 addr del 2001:db8::10\/128 dev eth1$/,
    },
    {
      desc: 'active proxy entry for a VIP',
      change: (f) => {
        v6(f).proxies!.set('eth0', new Set([VIP]));
        sysctl(f, 'eth0', { proxyNdp: 1, forwarding: 1 });
      },
      check: 'proxy_ndp',
      status: 'fail',
      fix: /^ip -6 neigh del proxy 2001:db8::10 dev eth0$/,
      message: /even while BACKUP/,
    },
    {
      desc: 'proxy_ndp on all counts for eth0',
      change: (f) => {
        v6(f).proxies!.set('eth0', new Set([VIP]));
        sysctl(f, 'all', { proxyNdp: 1 });
        sysctl(f, 'eth0', { forwarding: 1 });
      },
      check: 'kernel-ndp-silent',
      status: 'fail',
      message: /as their proxy/,
    },
    {
      desc: 'proxy entry for a VIP, forwarding off: dormant',
      change: (f) => {
        v6(f).proxies!.set('eth0', new Set([VIP]));
        sysctl(f, 'eth0', { proxyNdp: 1 });
      },
      check: 'proxy_ndp',
      status: 'warn',
      message: /as soon as proxy_ndp and forwarding are both on/,
    },
    {
      desc: 'proxy entry for another address',
      change: (f) => {
        v6(f).proxies!.set('eth0', new Set(['2001:db8::99']));
        sysctl(f, 'eth0', { proxyNdp: 1, forwarding: 1 });
      },
      check: 'proxy_ndp',
      status: 'pass',
      message: /no proxy entry on eth0 names an IPv6 VIP/,
    },
    {
      desc: 'proxy entry for a VIP on another interface',
      change: (f) => {
        v6(f).proxies!.set('eth1', new Set([VIP]));
        sysctl(f, 'eth0', { proxyNdp: 1, forwarding: 1 });
      },
      check: 'kernel-ndp-silent',
      status: 'pass',
    },
    {
      desc: 'proxy entries unreadable with proxy_ndp on',
      change: (f) => {
        v6(f).proxies = undefined;
        v6(f).proxyError = 'ip -6 -j neigh show proxy failed: boom';
        sysctl(f, 'eth0', { proxyNdp: 1 });
      },
      check: 'proxy_ndp',
      status: 'warn',
      message: /boom/,
    },
    {
      desc: 'VIP is an anycast address of the wire',
      change: (f) => {
        v6(f).anycast!.set('eth0', new Set([VIP]));
      },
      check: 'kernel-ndp-silent',
      status: 'fail',
      message: /anycast addresses of eth0/,
    },
    {
      desc: 'anycast list unreadable',
      change: (f) => {
        v6(f).anycast = undefined;
      },
      check: 'kernel-ndp-silent',
      status: 'warn',
      message: /cannot prove/,
    },
    {
      desc: 'IPv6 disabled on the wire',
      change: (f) => sysctl(f, 'eth0', { disableIpv6: 1 }),
      check: 'disable_ipv6',
      status: 'fail',
      fix: /^sysctl -w net\.ipv6\.conf\.eth0\.disable_ipv6=0$/,
    },
    {
      desc: 'no IPv6 sysctls for the wire (ipv6.disable=1)',
      change: (f) => v6(f).sysctl.delete('eth0'),
      check: 'disable_ipv6',
      status: 'fail',
      fix: /ipv6\.disable=1/,
    },
    {
      desc: 'solicited-node groups joined',
      change: () => undefined,
      check: 'solicited-node',
      status: 'pass',
      message: /^2 solicited-node group\(s\) joined on eth0 .*\(2 needed, at most ndp\.maxSolicitedNodeGroups \(4096\)\): their MLD reports/,
    },
    {
      desc: 'more groups than ndp.maxSolicitedNodeGroups: all-multicast reception',
      change: (f) => f.solicitedNode!.set('eth0', { needed: 5000, joined: 0, pending: 0, allMulticast: true, limit: 4096 }),
      check: 'solicited-node',
      status: 'warn',
      fix: /^vip-arpctl reload {2}# after setting "ndp": \{"maxSolicitedNodeGroups": 5000\} or more in the config$/,
      message:
        /need 5000 solicited-node groups, more than ndp\.maxSolicitedNodeGroups \(4096\).*receives all multicast.*no MLD report.*MLD-snooping switch.*multicast-router port/,
    },
    {
      desc: 'all-multicast: the bridge fix names the mrouter port',
      change: (f) => f.solicitedNode!.set('eth0', { needed: 9, joined: 0, pending: 0, allMulticast: true, limit: 8 }),
      check: 'solicited-node',
      status: 'warn',
      fix: /^bridge link set dev PORT mcast_router 2 /,
    },
    {
      desc: 'joins still running',
      change: (f) => f.solicitedNode!.set('eth0', { needed: 3000, joined: 1200, pending: 1800, allMulticast: false, limit: 4096 }),
      check: 'solicited-node',
      status: 'pass',
      message: /1800 joins and leaves still running/,
    },
    {
      desc: 'joins failed',
      change: (f) => f.solicitedNode!.set('eth0', { needed: 3, joined: 1, pending: 0, allMulticast: false, limit: 4096 }),
      check: 'solicited-node',
      status: 'warn',
      message: /^1 of the 3 solicited-node groups .* are joined/,
      fix: /solicited-node group not joined/,
    },
    {
      desc: 'forwarding on: R=1',
      change: (f) => sysctl(f, 'eth0', { forwarding: 1 }),
      check: 'forwarding6',
      status: 'pass',
      message: /forwarding is 1: .*R=1.*unless the group's config/,
    },
    {
      desc: 'if_inet6 unreadable',
      change: (f) => {
        v6(f).addresses = undefined;
        v6(f).addressError = 'cannot read /proc/net/if_inet6: ENOENT';
      },
      check: 'vip6-local',
      status: 'fail',
      message: /ENOENT/,
    },
  ];
  assertDoctorCases(t, goodFacts, cases);
});

t.test('without IPv6 VIPs there are no IPv6 checks, whatever the IPv6 facts say', async (t) => {
  const f = goodFacts();
  f.groups[0]!.ipv6Vips = new Uint32Array(0);
  sysctl(f, 'eth0', { disableIpv6: 1 });
  const r = runDoctorChecks(f);
  t.notOk(
    r.checks.some((c) => /6|ndp/.test(c.check)),
    JSON.stringify(r.checks.map((c) => c.check)),
  );
  const none = goodFacts();
  delete none.ipv6;
  none.groups[0]!.ipv6Vips = undefined;
  t.equal(runDoctorChecks(none).ok, true, 'facts without ipv6 (the lead has not fed any yet) pass');
});

t.test('parseIfInet6, parseAnycast6, parseProxyNeighbours read what the kernel and iproute2 print', async (t) => {
  const lines = parseIfInet6(
    [
      '20010db8000000000000000000000010 01 80 00 82       lo',
      '00000000000000000000000000000001 01 80 10 80       lo',
      'fe8000000000000000fc00fffe000001 04 40 20 c0     eth0',
      'garbage',
      'zz010db8000000000000000000000010 01 80 00 82       lo',
      '',
    ].join('\n'),
  );
  t.same(lines, [
    { address: '2001:db8::10', iface: 'lo', prefixlen: 128, scope: 0, flags: 0x82 },
    { address: '::1', iface: 'lo', prefixlen: 128, scope: 0x10, flags: 0x80 },
    { address: 'fe80::fc:ff:fe00:1', iface: 'eth0', prefixlen: 64, scope: 0x20, flags: 0xc0 },
  ]);
  t.same(addressesByText([...lines, { ...lines[0]!, iface: 'eth0' }]).get('2001:db8::10'), [
    { iface: 'lo', prefixlen: 128, flags: 0x82 },
    { iface: 'eth0', prefixlen: 128, flags: 0x82 },
  ]);
  t.same(parseAnycast6('  4    eth0            20010db8000000000000000000000000     1\nbad line\n'), new Map([['eth0', new Set(['2001:db8::'])]]));
  t.same(
    parseProxyNeighbours('[{"dst":"2001:0db8::0010","dev":"eth0","proxy":null},{"dst":"fe80::1%x","dev":"eth0"},{"dev":"eth1"}]\n'),
    new Map([['eth0', new Set(['2001:db8::10'])]]),
  );
  t.same(parseProxyNeighbours(''), new Map(), 'no output is no entries');
  t.throws(() => parseProxyNeighbours('not json'), SyntaxError);
  t.same(ipv6VipTexts(words(VIP, VIP2)), [VIP, VIP2]);
});
