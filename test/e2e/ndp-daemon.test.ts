// IPv6 VIPs answered by the real vip-arpd (issue 13): a dual-stack group in a
// director namespace, the VIPs on lo, against a client namespace's kernel NDP
// and ndisc6, through the lab's bridge with multicast_snooping and
// multicast_querier on (which learns the director's port for the VIP's
// solicited-node group from its MLD report: bridge mdb). ping -6 resolves the VIP,
// tshark reads every NA field, the entry comes back from STALE/PROBE through
// a unicast NS; IPv4 is answered in the same group; a BACKUP group is silent
// until takeover; scapy's invalid NS are counted in `status` and unanswered
// while valid ones still are; a reload that adds an IPv6 VIP answers it and
// one that removes a VIP leaves its group; an interface that flaps, or
// vanishes and returns, answers NS again with its groups joined. `--json`
// status and vips with IPv6 in them match docs/schema; metrics count NDP.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { arping, createLab, CTL_ENTRY, run, silenceKernelArp, skipUnlessRoot, sleep, startCapture, startControlledDaemon, waitFor, type Lab } from './lab.js';
import { assertInvalidNsCounted, assertResolvesAndRevalidates, invalidNsMac, malformedNs } from './lab-ndp.js';
import { loadSchemas } from './json-schemas.js';
import { allmultiCount, bridgeMdb, createIpv6Pair, switchPort } from './lab-mld.js';
import { parseExposition } from './exposition.js';

const VIP4 = '198.51.100.10';
const VIP = '2001:db8::10';
const VIP_GROUP = 'ff02::1:ff00:10';
const MAIL_VIP = '2001:db8::20';
const ADDED_VIP = '2001:db8::7:30';
const ADDED_GROUP = 'ff02::1:ff07:30';
const DIR_IP = '2001:db8::1';
const CLIENT_IP = '2001:db8::2';

interface NdpStatus {
  open: boolean;
  groups: string[];
  membershipFailures: number;
  pendingGroups: number;
  allMulticast: boolean;
  counts: Record<string, number>;
  txDropped: number;
}
interface Status {
  groups: Array<{ name: string; vips: number; ipv6Vips: number }>;
  interfaces: Array<{ name: string; counts: Record<string, number>; ndp: NdpStatus }>;
}

async function maddr(lab: Lab): Promise<string> {
  return (await lab.exec('dir', 'ip', ['-6', 'maddr', 'show', 'dev', 'eth0'], { check: true })).stdout;
}

async function ndisc(lab: Lab, target: string): Promise<{ code: number; out: string }> {
  const r = await lab.exec('client', 'ndisc6', ['-1', '-n', '-r', '2', '-w', '500', target, 'eth0']);
  return { code: r.code, out: `${r.stdout}${r.stderr}`.toLowerCase() };
}

t.test('vip-arpd answers NS for a dual-stack group: kernel, ndisc6, snooping bridge, BACKUP, invalid NS, reload, a vanished interface', async (t) => {
  if (skipUnlessRoot(t, ['scapy', 'tshark', 'ping', 'ndisc6', 'arping'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'dir', ip: '192.0.2.1/24' },
      { name: 'client', ip: '192.0.2.2/24' },
    ],
    disableIpv6: false,
  });
  await silenceKernelArp(lab, 'dir', ['all', 'eth0']);
  await lab.addAddress('dir', 'lo', `${VIP4}/32`);
  for (const v of [VIP, MAIL_VIP, ADDED_VIP]) await lab.exec('dir', 'ip', ['-6', 'addr', 'add', `${v}/128`, 'dev', 'lo', 'nodad'], { check: true });
  await lab.exec('dir', 'ip', ['-6', 'addr', 'add', `${DIR_IP}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  // A director forwards (all: also for an eth0 made anew): R=1 in the NAs.
  await lab.sysctl('dir', 'net.ipv6.conf.all.forwarding', 1);
  await lab.exec('client', 'ip', ['-6', 'addr', 'add', `${CLIENT_IP}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  await lab.exec('client', 'ip', ['route', 'add', '198.51.100.0/24', 'dev', 'eth0'], { check: true });
  await lab.sysctl('client', 'net.ipv6.neigh.eth0.base_reachable_time_ms', 1000);
  await lab.sysctl('client', 'net.ipv6.neigh.eth0.delay_first_probe_time', 1);
  await run('ip', ['-n', lab.switchNs, 'link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '1', 'mcast_querier', '1'], { check: true });
  const dirMac = lab.mac('dir');
  const clientMac = lab.mac('client');
  const cap = await startCapture(lab, 'client', 'eth0', 'ip6');

  const daemon = await startControlledDaemon(
    lab,
    'dir',
    {
      stateFile: '',
      groups: [
        { name: 'web', interface: 'eth0', vips: [VIP4, VIP], garp: { count: 1, delayMs: 0 } },
        { name: 'mail', interface: 'eth0', vips: [MAIL_VIP], initialRole: 'backup', garp: { count: 1, delayMs: 0 } },
      ],
    },
    { prefix: 'vip-arpd-ndp-' },
  );
  const { socket, ctl } = daemon;
  const status = async (): Promise<Status> => (await ctl('status')).data as Status;
  const eth0 = async (): Promise<NdpStatus> => (await status()).interfaces.find((i) => i.name === 'eth0')!.ndp;

  // Memberships: both groups (web's VIP and BACKUP mail's: a BACKUP must hear NS to take over at once) in status and the kernel.
  const joined = await waitFor(
    async () => {
      const n = await eth0();
      return n.groups.includes(VIP_GROUP) ? n : undefined;
    },
    { timeoutMs: 10_000, what: "the VIP's group joined" },
  );
  t.same(joined.groups, [VIP_GROUP, 'ff02::1:ff00:20'], 'status lists the solicited-node groups joined');
  t.ok(joined.open, 'status: the NDP socket is open');
  t.match(await maddr(lab), VIP_GROUP, '`ip -6 maddr` shows the group');
  const st = await status();
  t.same(
    st.groups.map((g) => [g.name, g.vips, g.ipv6Vips]),
    [
      ['web', 1, 1],
      ['mail', 0, 1],
    ],
    'status: IPv4 and IPv6 VIP counts per group',
  );
  const vips = (await ctl('vips')).data as Array<{ name: string; vips: string[]; ipv6Vips: string[] }>;
  t.same(
    vips.map((g) => [g.name, g.vips, g.ipv6Vips]),
    [
      ['web', [VIP4], [VIP]],
      ['mail', [], [MAIL_VIP]],
    ],
    'vips lists both families',
  );
  const validate = loadSchemas();
  t.same(validate('status', st), [], 'status with IPv6 matches status.schema.json');
  t.same(validate('vips', vips), [], 'vips with IPv6 matches vips.schema.json');

  // The snooping bridge learnt the director's port for the group from the MLD report.
  const dirPort = await switchPort(lab, 'dir');
  await waitFor(async () => (await bridgeMdb(lab)).includes(`port ${dirPort} grp ${VIP_GROUP}`), {
    timeoutMs: 10_000,
    what: `the snooping bridge learning ${VIP_GROUP}`,
  });
  t.pass("the snooping bridge forwards the VIP's group to the director (bridge mdb)");

  // ping -6 through the snooping bridge: the client's kernel resolves the VIP by our NA (R=1: forwarding), and
  // re-validates it from STALE/PROBE by a unicast NS.
  await assertResolvesAndRevalidates(t, lab, cap.file, { host: 'client', hostIp: CLIENT_IP, hostMac: clientMac, vip: VIP, mac: dirMac });

  // ndisc6, a second client; IPv4 of the same group still answered.
  const n6 = await ndisc(lab, VIP);
  t.equal(n6.code, 0, `ndisc6 answered: ${n6.out.trim()}`);
  t.match(n6.out, `target link-layer address: ${dirMac}`, 'ndisc6 reads our MAC');
  const a4 = await arping(lab, 'client', 'eth0', VIP4, { count: 1, timeoutSec: 3 });
  t.same(
    a4.replies.map((r) => r.mac),
    [dirMac],
    "the group's IPv4 VIP is answered too",
  );

  // BACKUP: silent; takeover: answered.
  const silent = await ndisc(lab, MAIL_VIP);
  t.not(silent.code, 0, "a BACKUP group's IPv6 VIP is not answered");
  t.ok((await eth0()).counts['not-master']! >= 1, 'counted not-master');
  t.equal((await ctl('takeover', 'mail')).code, 0, 'takeover mail');
  const taken = await ndisc(lab, MAIL_VIP);
  t.equal(taken.code, 0, `after takeover it is: ${taken.out.trim()}`);

  // Invalid NS: counted by reason, unanswered; valid ones still answered. The bridge's MLD snooping checks
  // ICMPv6 checksums and drops the bad one before the director sees it: snooping off for this batch.
  await run('ip', ['-n', lab.switchNs, 'link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '0'], { check: true });
  const dirCap = await startCapture(lab, 'dir', 'eth0', 'icmp6');
  const invalid = malformedNs(CLIENT_IP, VIP);
  const after = await assertInvalidNsCounted(t, lab, 'client', dirCap.file, invalid, async () => (await eth0()).counts);
  t.equal((await ndisc(lab, VIP)).code, 0, 'a valid NS after them is still answered');
  await sleep(300);
  const onDir = await dirCap.stop();
  t.equal(onDir.filter((f) => invalid.some((_, i) => f.ethDst === invalidNsMac(i + 1))).length, 0, 'no NA to any invalid NS');
  await run('ip', ['-n', lab.switchNs, 'link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '1'], { check: true });

  // The same counts as metrics, next to the ARP ones.
  const scrape = await run(process.execPath, [CTL_ENTRY, '--socket', socket, 'metrics'], { timeoutMs: 20_000 });
  const counted = await eth0();
  const metrics = parseExposition(scrape.stdout);
  t.equal(
    metrics.sum('vip_arpd_ndp_frames_total', { iface: 'eth0', outcome: 'malformed:hop-limit' }),
    1,
    'vip_arpd_ndp_frames_total counts the invalid NS by reason',
  );
  t.ok(metrics.sum('vip_arpd_ndp_frames_total', { iface: 'eth0', outcome: 'answered' }) >= after['answered']!, 'and the answered ones');
  t.ok(metrics.sum('vip_arpd_ndp_replies_sent_total', { iface: 'eth0' }) <= counted.counts['answered']!, 'NAs sent: at most those answered');
  t.ok(metrics.sum('vip_arpd_ndp_replies_sent_total', { iface: 'eth0' }) >= 1, 'NAs sent');
  t.equal(metrics.sum('vip_arpd_ndp_solicited_node_groups', { iface: 'eth0' }), 2, 'two solicited-node groups joined');
  t.same(
    [metrics.sum('vip_arpd_group_ipv6_vips', { group: 'web' }), metrics.sum('vip_arpd_group_vips', { group: 'web' })],
    [1, 1],
    'IPv6 and IPv4 VIPs per group',
  );
  t.ok(metrics.sum('vip_arpd_frames_total', { iface: 'eth0', outcome: 'answered' }) >= 1, 'ARP outcomes under their unchanged name');

  // Reload: add an IPv6 VIP (answered, its group joined), remove mail's (its group left).
  const good = readFileSync(daemon.configPath, 'utf8');
  writeFileSync(daemon.configPath, good.replace(`"${VIP}"`, `"${VIP}", "${ADDED_VIP}"`).replace(`"${MAIL_VIP}"`, ''));
  const reload = await ctl('reload');
  t.equal(reload.code, 0, `reload applied ${reload.stderr}`);
  const reloaded = await eth0();
  t.same(reloaded.groups, [VIP_GROUP, ADDED_GROUP], "status: the new VIP's group joined, the removed one's left");
  const m = await waitFor(
    async () => {
      const out = await maddr(lab);
      return out.includes(ADDED_GROUP) && !out.includes('ff02::1:ff00:20') ? out : undefined;
    },
    { timeoutMs: 5000, what: 'ip -6 maddr after the reload' },
  );
  t.notMatch(m, 'ff02::1:ff00:20', "`ip -6 maddr`: the removed VIP's group is left");
  const added = await waitFor(
    async () => {
      const r = await ndisc(lab, ADDED_VIP);
      return r.code === 0 ? r : undefined;
    },
    { timeoutMs: 10_000, what: 'the added VIP answered' },
  );
  t.match(added.out, `target link-layer address: ${dirMac}`, 'the reload-added IPv6 VIP is answered');

  // A flap (down, up): the groups stay joined (the kernel reports them again on up), NS answered again.
  await lab.setLink('dir', 'eth0', 'down');
  await sleep(300);
  await lab.setLink('dir', 'eth0', 'up');
  const flapped = await waitFor(
    async () => {
      const r = await ndisc(lab, VIP);
      return r.code === 0 ? r : undefined;
    },
    { timeoutMs: 15_000, what: 'an answer after the flap' },
  );
  t.match(flapped.out, `target link-layer address: ${dirMac}`, 'NS answered after a flap');
  t.same((await eth0()).groups, [VIP_GROUP, ADDED_GROUP], 'the groups stay joined over a flap');
  t.match(await maddr(lab), VIP_GROUP, '`ip -6 maddr` after the flap');

  // The interface vanishes and returns (new ifindex, new MAC): NS answered again from the new MAC, groups joined again.
  await lab.deleteIface('dir', 'eth0');
  await waitFor(async () => (await eth0()).open === false, { timeoutMs: 10_000, what: 'the NDP socket closed with the interface' });
  await lab.recreateIface('dir', 'eth0');
  await lab.exec('dir', 'ip', ['-6', 'addr', 'replace', `${DIR_IP}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  const newMac = (await lab.exec('dir', 'cat', ['/sys/class/net/eth0/address'], { check: true })).stdout.trim();
  const rejoined = await waitFor(
    async () => {
      const n = await eth0();
      return n.open && n.groups.includes(VIP_GROUP) ? n : undefined;
    },
    { timeoutMs: 10_000, what: 'the groups joined on the new interface' },
  );
  t.same(rejoined.groups, [VIP_GROUP, ADDED_GROUP], 'the groups are joined again on the recreated interface');
  t.match(await maddr(lab), VIP_GROUP, '`ip -6 maddr` on the new interface');
  const again = await waitFor(
    async () => {
      const r = await ndisc(lab, VIP);
      return r.code === 0 && r.out.includes(newMac) ? r : undefined;
    },
    { timeoutMs: 15_000, what: 'an answer from the recreated interface' },
  );
  t.match(again.out, `target link-layer address: ${newMac}`, 'NS answered again, with the new MAC');

  await cap.stop();
  const errors = daemon.logs().filter((l) => (l.level ?? 0) >= 50);
  t.same(errors, [], 'no error logged');
});

t.test(
  'past ndp.maxSolicitedNodeGroups the interface receives all multicast (allmulti) and NS are still answered; back under it the groups are joined',
  async (t) => {
    if (skipUnlessRoot(t, ['ndisc6'])) return;
    // Ten VIPs, ten distinct groups (ff02::1:ff0a:1 …), over a limit of 8.
    const many = Array.from({ length: 10 }, (_, i) => `2001:db8::a:${i + 1}`);
    const lab = await createIpv6Pair(t, many);
    const daemon = await startControlledDaemon(
      lab,
      'dir',
      { stateFile: '', ndp: { maxSolicitedNodeGroups: 8 }, groups: [{ name: 'web', interface: 'eth0', vips: many, garp: { count: 1, delayMs: 0 } }] },
      { prefix: 'vip-arpd-ndp-' },
    );
    const { ctl } = daemon;
    const eth0 = async (): Promise<NdpStatus> => ((await ctl('status')).data as Status).interfaces.find((i) => i.name === 'eth0')!.ndp;

    const over = await waitFor(
      async () => {
        const n = await eth0();
        return n.open && n.allMulticast ? n : undefined;
      },
      { timeoutMs: 10_000, what: 'all-multicast reception' },
    );
    t.same([over.groups, over.pendingGroups], [[], 0], 'status: no group joined, none pending');
    t.equal(await allmultiCount(lab, 'dir', 'eth0'), 1, '`ip -d link`: allmulti 1');
    t.notMatch(await maddr(lab), 'ff02::1:ff0a:', '`ip -6 maddr`: no VIP group joined');
    t.same(loadSchemas()('status', (await ctl('status')).data), [], 'status matches status.schema.json');
    const warned = daemon.logs().filter((l) => /receiving all multicast/.test(String(l.msg)));
    t.equal(warned.length, 1, 'one warning says so');
    const answered = await ndisc(lab, many[9]!);
    t.equal(answered.code, 0, `an NS for a VIP is answered in all-multicast mode: ${answered.out.trim()}`);

    // Reload down to 4 VIPs: the groups are joined, ALLMULTI goes.
    const fewer = JSON.parse(readFileSync(daemon.configPath, 'utf8')) as { groups: Array<{ vips: string[] }> };
    fewer.groups[0]!.vips = many.slice(0, 4);
    writeFileSync(daemon.configPath, JSON.stringify(fewer));
    t.equal((await ctl('reload')).code, 0, 'reload applied');
    const under = await waitFor(
      async () => {
        const n = await eth0();
        return !n.allMulticast && n.groups.length === 4 ? n : undefined;
      },
      { timeoutMs: 10_000, what: 'the groups joined under the limit' },
    );
    t.same(under.groups, ['ff02::1:ff0a:1', 'ff02::1:ff0a:2', 'ff02::1:ff0a:3', 'ff02::1:ff0a:4'], 'status: the four groups joined');
    t.equal(await allmultiCount(lab, 'dir', 'eth0'), 0, '`ip -d link`: allmulti 0');
    t.match(await maddr(lab), 'ff02::1:ff0a:4', '`ip -6 maddr` shows the groups');
    t.same(
      daemon.logs().filter((l) => (l.level ?? 0) >= 50),
      [],
      'no error logged',
    );
  },
);
