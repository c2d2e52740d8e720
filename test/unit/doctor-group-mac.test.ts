import t from 'tap';
import { checkGroupMacs, runDoctorChecks } from '../../src/diagnostics/doctor-checks.js';
import { parseIpAddrJson, parseUnicastFilters, type DoctorFacts, type InterfaceFacts } from '../../src/diagnostics/doctor-facts.js';
import { parseIpv4 } from '../../src/wire/ipv4.js';

const VMAC = '00:00:5e:00:01:0a';
const OWN = '02:00:00:00:00:01';
const VIP = parseIpv4('198.51.100.10')!;

function iface(name: string, over: Partial<InterfaceFacts> = {}): InterfaceFacts {
  return { name, up: true, lowerUp: true, noarp: false, master: undefined, kind: undefined, linkType: 'ether', ...over };
}

function facts(mac: string | undefined, extra: InterfaceFacts[] = [], uc?: string[]): DoctorFacts {
  const interfaces = new Map<string, InterfaceFacts>([
    ['lo', iface('lo', { linkType: 'loopback', noarp: true })],
    ['eth0', iface('eth0', { mac: OWN })],
  ]);
  for (const i of extra) interfaces.set(i.name, i);
  return {
    groups: [{ name: 'web', iface: 'eth0', role: 'MASTER', vips: [VIP], mac }],
    sysctl: new Map([['eth0', { arpIgnore: 1, arpAnnounce: 2 }]]),
    interfaces,
    addresses: new Map([[VIP, [{ iface: 'lo', prefixlen: 32 }]]]),
    socketOpen: new Map([['eth0', true]]),
    capNetRaw: true,
    ...(uc === undefined ? {} : { unicastFilters: new Map([['eth0', uc]]) }),
  };
}

t.test('group-mac: fails when no device on the interface accepts the group MAC', async (t) => {
  const macvlan = (over: Partial<InterfaceFacts> = {}) => iface('vrrp.10', { kind: 'macvlan', lowerDevice: 'eth0', mac: VMAC, ...over });
  const cases: Array<{ desc: string; f: DoctorFacts; status: 'pass' | 'fail' | undefined; message?: RegExp; fix?: RegExp }> = [
    { desc: 'no group mac: nothing to check', f: facts(undefined), status: undefined },
    { desc: "the interface's own MAC", f: facts(OWN), status: 'pass', message: /eth0's own MAC/ },
    {
      desc: 'a VRRP MAC on a plain eth0 (issue 10 item 8)',
      f: facts(VMAC, [], []),
      status: 'fail',
      message: /no device on eth0 accepts frames to that MAC: .*dropped/,
      fix: /ip link add link eth0 name vmac-010a address 00:00:5e:00:01:0a type macvlan mode private/,
    },
    { desc: "the fix also offers the interface's own MAC", f: facts(VMAC, [], []), status: 'fail', fix: /remove groups\[\]\.mac of "web".*02:00:00:00:00:01/ },
    { desc: 'a macvlan on eth0 holds it (keepalived use_vmac)', f: facts(VMAC, [macvlan()]), status: 'pass', message: /held by macvlan vrrp\.10 on eth0/ },
    { desc: 'a macvtap holds it', f: facts(VMAC, [macvlan({ name: 'tap0', kind: 'macvtap' })]), status: 'pass' },
    { desc: 'the holder is down', f: facts(VMAC, [macvlan({ up: false })], []), status: 'fail', fix: /^ip link set vrrp\.10 up$/ },
    { desc: 'a macvlan on another interface does not count', f: facts(VMAC, [macvlan({ lowerDevice: 'eth1' })], []), status: 'fail' },
    { desc: 'a veth with that MAC is not a holder', f: facts(VMAC, [iface('v0', { kind: 'veth', lowerDevice: 'eth0', mac: VMAC })], []), status: 'fail' },
    { desc: 'in the unicast filter list', f: facts(VMAC, [], [VMAC]), status: 'pass', message: /unicast filter list/ },
    { desc: 'unicast list unreadable: says so', f: facts(VMAC), status: 'fail', message: /could not be read/ },
  ];
  for (const c of cases) {
    const got = checkGroupMacs(c.f);
    t.equal(got[0]?.status, c.status, `${c.desc}: ${c.status ?? 'no check'}`);
    if (c.message) t.match(got[0]?.message, c.message, `${c.desc}: message`);
    if (c.fix)
      t.ok(
        got[0]?.fix.some((l) => c.fix!.test(l)),
        `${c.desc}: fix ${c.fix} in ${JSON.stringify(got[0]?.fix)}`,
      );
  }
  t.equal(runDoctorChecks(facts(VMAC, [], [])).ok, false, 'doctor is not ok with a MAC nobody holds');
});

t.test('parseIpAddrJson reads address and the lower device; parseUnicastFilters keeps self permanent unicast', async (t) => {
  const { interfaces } = parseIpAddrJson(
    JSON.stringify([
      { ifname: 'eth0', flags: ['UP'], link_type: 'ether', address: '02:00:00:00:00:01' },
      { ifname: 'vrrp.10', link: 'eth0', flags: ['UP'], link_type: 'ether', address: '00:00:5E:00:01:0A', linkinfo: { info_kind: 'macvlan' } },
    ]),
  );
  t.match(interfaces.get('vrrp.10'), { mac: VMAC, lowerDevice: 'eth0', kind: 'macvlan' });
  t.equal(interfaces.get('eth0')?.lowerDevice, undefined);
  // `bridge -j fdb show dev eth0` with a macvlan up on eth0 (captured on Linux 6.18).
  const fdb =
    '[{"mac":"00:00:5e:00:01:0a","flags":["self"],"state":"permanent"},{"mac":"33:33:00:00:00:01","flags":["self"],"state":"permanent"},{"mac":"01:00:5e:00:00:01","flags":["self"],"state":"permanent"},{"mac":"02:11:22:33:44:55","flags":["master","br0"],"state":""}]';
  t.same(parseUnicastFilters(fdb), [VMAC], 'multicast and learnt entries are left out');
  t.same(parseUnicastFilters('[]'), []);
  t.throws(() => parseUnicastFilters('not json'), SyntaxError);
});
