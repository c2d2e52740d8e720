// The NDP receive path for real (issue 13), before the daemon wires it: the
// NDP packet socket with its cBPF filter, the VIP's solicited-node membership
// and an NdpResponder (test/e2e/fixtures/ndp-responder-probe.mjs) in a
// director namespace with the VIP on lo, against a client namespace's own
// kernel NDP and ndisc6, through a bridge with multicast_snooping and
// multicast_querier on: the membership shows in `ip -6 maddr`, its MLD report
// on the wire and in the bridge's mdb for the director's port; ping -6
// resolves the VIP; tshark reads every NA field;
// the neighbour entry comes back from STALE through a unicast NUD probe; a DAD
// probe is answered to ff02::1 with S=0; each invalid NS scapy puts on the
// wire is counted by reason and unanswered, valid ones still answered; a
// BACKUP group is silent.
import t, { type Test } from 'tap';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { parseMac, writeMac } from '../../src/wire/mac.js';
import { writeIpv6 } from '../../src/wire/ipv6.js';
import { ipv6 as ip } from '../unit/golden-bytes.js';
import { createLab, REPO_ROOT, run, scapySend, skipUnlessRoot, sleep, startCapture, waitFor, type Lab } from './lab.js';
import { assertInvalidNsCounted, assertResolvesAndRevalidates, frameFields, invalidNsMac, malformedNs, NA_FIELDS, nsHex } from './lab-ndp.js';

const PROBE = join(REPO_ROOT, 'test', 'e2e', 'fixtures', 'ndp-responder-probe.mjs');
const VIP = '2001:db8::10';
const VIP_GROUP = 'ff02::1:ff00:10';
const VIP_ELSEWHERE = '2001:db8::20';
const DIR_IP = '2001:db8::1';
const CLIENT_IP = '2001:db8::2';

/** Drops the Source LLA option (a DAD probe carries none). */
function withoutOption(f: Buffer): Buffer {
  const cut = Buffer.from(f.subarray(0, 78));
  cut.writeUInt16BE(24, 18);
  return cut;
}

/** The probe's counts and claims, asked for with SIGUSR1. */
async function readCounts(probe: ChildProcess, output: () => string): Promise<{ counts: Record<string, number>; claims: Array<Record<string, string>> }> {
  const before = output()
    .split('\n')
    .filter((l) => l.startsWith('{')).length;
  probe.kill('SIGUSR1');
  const line = await waitFor(
    () =>
      output()
        .split('\n')
        .filter((l) => l.startsWith('{'))[before],
    { timeoutMs: 5000, what: 'the probe counts' },
  );
  return JSON.parse(line) as { counts: Record<string, number>; claims: Array<Record<string, string>> };
}

async function setUp(t: Test): Promise<{ lab: Lab; dirMac: string; clientMac: string }> {
  const lab = await createLab(t, { hosts: [{ name: 'dir' }, { name: 'client' }], disableIpv6: false });
  // The LVS way: the VIP on lo, /128, no DAD; the director's own address on eth0.
  await lab.exec('dir', 'ip', ['-6', 'addr', 'add', `${VIP}/128`, 'dev', 'lo', 'nodad'], { check: true });
  await lab.exec('dir', 'ip', ['-6', 'addr', 'add', `${DIR_IP}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  // A director forwards: the NA's R flag must say so (read from this sysctl by the probe's router()).
  await lab.sysctl('dir', 'net.ipv6.conf.eth0.forwarding', 1);
  await lab.exec('client', 'ip', ['-6', 'addr', 'add', `${CLIENT_IP}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  // Short reachable time (the kernel picks 0.5-1.5 x base), so the entry goes STALE within seconds.
  await lab.sysctl('client', 'net.ipv6.neigh.eth0.base_reachable_time_ms', 1000);
  await lab.sysctl('client', 'net.ipv6.neigh.eth0.delay_first_probe_time', 1);
  // A bridge that snoops MLD and queries for it, as an MLD-snooping switch: it must learn the director's port
  // for the VIP's solicited-node group from the membership's report.
  await run('ip', ['-n', lab.switchNs, 'link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '1', 'mcast_querier', '1'], { check: true });
  return { lab, dirMac: lab.mac('dir'), clientMac: lab.mac('client') };
}

t.test('the NDP socket, membership and responder answer the kernel and ndisc6, count every invalid NS, stay silent as BACKUP', async (t) => {
  if (skipUnlessRoot(t, ['scapy', 'tshark', 'ping', 'ndisc6'])) return;
  const { lab, dirMac, clientMac } = await setUp(t);
  // 'ip6', not 'icmp6': an MLD report has a hop-by-hop header (Router Alert) before ICMPv6.
  const cap = await startCapture(lab, 'client', 'eth0', 'ip6');
  const dirCap = await startCapture(lab, 'dir', 'eth0', 'icmp6');

  const probe = lab.spawn('dir', process.execPath, [PROBE, 'eth0', VIP], { env: { VIPS_ELSEWHERE: VIP_ELSEWHERE, NODE_OPTIONS: '' } });
  let stdout = '';
  let stderr = '';
  probe.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  probe.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const listening = await waitFor(() => stdout.split('\n').find((l) => l.startsWith('listening ')), { timeoutMs: 15_000, what: `the NDP probe (${stderr})` });
  t.same(JSON.parse(listening.slice('listening '.length)), [VIP_GROUP], "the probe joined the VIP's solicited-node group");

  // Membership: in the kernel's table, and reported on the wire by MLD.
  const maddr = await waitFor(
    async () => {
      const r = await lab.exec('dir', 'ip', ['-6', 'maddr', 'show', 'dev', 'eth0'], { check: true });
      return r.stdout.includes(VIP_GROUP) ? r.stdout : undefined;
    },
    { timeoutMs: 5000, what: `${VIP_GROUP} in ip -6 maddr` },
  );
  t.match(maddr, VIP_GROUP, '`ip -6 maddr` shows the group on eth0');
  const reports = await waitFor(
    async () => {
      const f = await frameFields(cap.file, `icmpv6.type == 143 && eth.src == ${dirMac} && icmpv6.mldr.mar.multicast_address == ${VIP_GROUP}`, [
        'ipv6.dst',
        'icmpv6.mldr.mar.record_type',
      ]);
      return f.length > 0 ? f : undefined;
    },
    { timeoutMs: 10_000, what: 'an MLDv2 report for the group' },
  );
  t.equal(reports[0]!['ipv6.dst'], 'ff02::16', "the client sees the director's MLDv2 report for the group");
  const ports = JSON.parse((await run('ip', ['-n', lab.switchNs, '-j', 'link', 'show', 'master', 'br0'], { check: true })).stdout) as Array<{ ifname: string }>;
  const dirPort = ports.find((p) => p.ifname.endsWith('dir'))!.ifname;
  const mdb = await waitFor(
    async () => {
      const out = (await run('bridge', ['-n', lab.switchNs, 'mdb', 'show', 'dev', 'br0'], { check: true })).stdout;
      return out.includes(`port ${dirPort} grp ${VIP_GROUP}`) ? out : undefined;
    },
    { timeoutMs: 10_000, what: `the snooping bridge learning ${VIP_GROUP} on the director's port` },
  );
  t.match(mdb, `port ${dirPort} grp ${VIP_GROUP}`, "the snooping bridge forwards the group to the director's port (bridge mdb)");

  // ping -6: the client's kernel resolves the VIP through our NA, and re-validates it from STALE/PROBE by a unicast NS.
  await assertResolvesAndRevalidates(t, lab, cap.file, { host: 'client', hostIp: CLIENT_IP, hostMac: clientMac, vip: VIP, mac: dirMac });
  const nudAnswers = await frameFields(cap.file, `icmpv6.type == 136 && eth.src == ${dirMac} && eth.dst == ${clientMac} && icmpv6.nd.na.flag.s == 1`, [
    'frame.number',
  ]);
  t.ok(nudAnswers.length >= 2, `answered both the multicast NS and the unicast probe (${nudAnswers.length} solicited NAs)`);

  // Invalid NS, each from its own MAC (where an answer would go), and one for another interface's VIP.
  const dirMacBytes = parseMac(dirMac)!;
  const invalid: Array<[string, string]> = [
    ...malformedNs(CLIENT_IP, VIP),
    [
      'malformed:short',
      Buffer.from(nsHex(invalidNsMac(6), CLIENT_IP, VIP), 'hex')
        .subarray(0, 70)
        .toString('hex'),
    ],
    [
      'malformed:dad-destination',
      nsHex(invalidNsMac(7), CLIENT_IP, VIP, (f) => {
        const g = withoutOption(f);
        g.fill(0, 22, 38);
        writeIpv6(g, 38, ip(VIP));
        writeMac(g, 0, dirMacBytes);
        return g;
      }),
    ],
    [
      'malformed:dad-source-lla',
      nsHex(invalidNsMac(8), CLIENT_IP, VIP, (f) => {
        f.fill(0, 22, 38);
      }),
    ],
    ['wrong-interface', nsHex(invalidNsMac(9), CLIENT_IP, VIP_ELSEWHERE)],
  ];
  // The lab's bridge drops an IPv6 frame shorter than its header says, before it reaches the director, when it
  // snoops multicast (ipv6_mc_check_mld) or hands IPv6 to ip6tables (br_validate_ipv6): both off for this batch,
  // so that the cut NS reaches the director's wire, as it would from a switch that does neither.
  await run('ip', ['-n', lab.switchNs, 'link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '0'], { check: true });
  await run('ip', ['netns', 'exec', lab.switchNs, 'sysctl', '-qw', 'net.bridge.bridge-nf-call-ip6tables=0'], { check: true });
  await assertInvalidNsCounted(t, lab, 'client', dirCap.file, invalid, async () => (await readCounts(probe, () => stdout)).counts);
  const macs = invalid.map((_, i) => invalidNsMac(i + 1));
  // (Unanswered: checked at the end, no frame to any of their MACs; the client's kernel may meanwhile probe and be answered.)

  // Still answering valid NS: ndisc6, a second real client.
  const ndisc = await lab.exec('client', 'ndisc6', ['-1', '-n', '-r', '3', '-w', '1000', VIP, 'eth0']);
  t.equal(ndisc.code, 0, `ndisc6 got an answer: ${ndisc.stdout.trim()} ${ndisc.stderr.trim()}`);
  t.match(ndisc.stdout.toLowerCase(), `target link-layer address: ${dirMac}`, 'ndisc6 reads our MAC from the Target LLA option');

  // A DAD probe for the VIP from another host: answered to ff02::1, S=0, and reported as a foreign claim.
  const prober = '02:00:00:00:0d:01';
  t.equal(
    await scapySend(lab, 'client', 'eth0', [
      nsHex(prober, '::', VIP, (f) => {
        const g = withoutOption(f);
        g.fill(0, 22, 38);
        return g;
      }),
    ]),
    1,
    'scapy sent the DAD probe',
  );
  const dadAnswer = await waitFor(
    async () => {
      const f = await frameFields(cap.file, `icmpv6.type == 136 && eth.src == ${dirMac} && ipv6.dst == ff02::1`, NA_FIELDS);
      return f.length > 0 ? f : undefined;
    },
    { timeoutMs: 10_000, what: 'the NA answering the DAD probe' },
  );
  t.match(
    dadAnswer[0],
    {
      'eth.dst': '33:33:00:00:00:01',
      'ipv6.src': VIP,
      'icmpv6.nd.na.flag.s': '0',
      'icmpv6.nd.na.flag.o': '1',
      'icmpv6.opt.linkaddr': dirMac,
      'icmpv6.checksum.status': '1',
    },
    'tshark: the DAD answer goes to ff02::1 with S=0, O=1, our Target LLA',
  );
  const withClaim = await readCounts(probe, () => stdout);
  t.same(
    withClaim.claims.filter((c) => c['kind'] === 'dad-probe'),
    [{ group: 'web', vip: VIP, kind: 'dad-probe', mac: prober }],
    'the DAD probe is a foreign claim',
  );

  // BACKUP: silent.
  probe.kill('SIGUSR2');
  await waitFor(() => stdout.includes('backup\n'), { timeoutMs: 5000, what: 'the group going BACKUP' });
  const silentMac = '02:00:00:00:0f:01';
  t.equal(await scapySend(lab, 'client', 'eth0', [nsHex(silentMac, CLIENT_IP, VIP)]), 1, 'scapy sent a valid NS');
  const backup = await waitFor(
    async () => {
      const c = await readCounts(probe, () => stdout);
      return (c.counts['not-master'] ?? 0) >= 1 ? c : undefined;
    },
    { timeoutMs: 5000, what: 'the NS counted not-master' },
  );
  t.ok(backup.counts['not-master']! >= 1, "counted not-master (the client's own probes meanwhile too)");
  await sleep(300);
  const frames = await dirCap.stop();
  t.equal(frames.filter((f) => f.ethDst === silentMac || macs.includes(f.ethDst)).length, 0, 'no NA to the invalid NS or while BACKUP');
  await cap.stop();
  t.equal(stderr, '', 'the probe wrote no error');
});

t.test('10,000 solicited-node groups join for real across sockets, show in ip -6 maddr, and are left again', async (t) => {
  if (skipUnlessRoot(t)) return;
  const lab = await createLab(t, { hosts: [{ name: 'dir' }, { name: 'client' }], disableIpv6: false });
  const probe = lab.spawn('dir', process.execPath, [join(REPO_ROOT, 'test', 'e2e', 'fixtures', 'memberships-probe.mjs'), 'eth0', '10000', '10'], {
    env: { NODE_OPTIONS: '' },
  });
  let stdout = '';
  probe.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  const lines = () =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { joined: number; sockets: number; failures: string[] });
  const first = await waitFor(() => lines()[0], { timeoutMs: 60_000, what: 'the 10,000 joins' });
  t.same(first.failures, [], 'no join refused');
  t.equal(first.joined, 10_000, '10,000 groups joined');
  t.ok(first.sockets >= 2, `spread over ${first.sockets} sockets (net.core.optmem_max limits each)`);
  const groupsInKernel = async () =>
    (await lab.exec('dir', 'ip', ['-6', 'maddr', 'show', 'dev', 'eth0'], { check: true })).stdout.split('\n').filter((l) => l.includes('inet6 ff02::1:ff'))
      .length;
  t.ok((await groupsInKernel()) >= 10_000, '`ip -6 maddr` lists the 10,000 groups');
  probe.kill('SIGUSR1');
  const second = await waitFor(() => lines()[1], { timeoutMs: 60_000, what: 'the leaves' });
  t.equal(second.joined, 10, '10 groups kept');
  const left = await waitFor(
    async () => {
      const n = await groupsInKernel();
      return n < 100 ? n : undefined;
    },
    { timeoutMs: 10_000, what: 'the kernel leaving the groups' },
  );
  t.ok(left <= 12, `the kernel left the rest (${left} solicited-node groups remain, incl. the interface's own)`);
});
