// The all-multicast fallback as an operator sees it (issue 13): a director
// whose IPv6 VIPs need more solicited-node groups than
// ndp.maxSolicitedNodeGroups, behind a Linux bridge with multicast_snooping
// and a querier (an MLD-snooping switch). The link really is in all-multicast
// reception (`ip -d link`: allmulti 1, no VIP group in `ip -6 maddr`),
// vip_arpd_ndp_all_multicast reads 1 and `doctor` warns with its solicited-node
// check; and the snooping bridge shows why that matters: it has no mdb entry for
// the VIPs' groups, so it does not forward a client's NS to the director (tshark:
// sent by the client, never seen on the director's eth0) and the client cannot
// resolve a VIP. The doctor's two fixes are then proven: the
// director's bridge port made a multicast-router port forwards the NS; a reload
// that raises the cap joins the groups, the bridge learns them from the MLD
// reports, and allmulti, the metric and the warning all clear.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { CTL_ENTRY, run, skipUnlessRoot, startCapture, startControlledDaemon, waitFor, type DoctorCheck } from './lab.js';
import { allmultiCount, bridgeMdb, createIpv6Pair, makeSnoopingQuerier, switchPort } from './lab-mld.js';
import { ndiscAnswerers } from './lab-ndp-director.js';
import { frameFields } from './lab-ndp.js';
import { parseExposition } from './exposition.js';
import { loadSchemas } from './json-schemas.js';

/** Ten VIPs, ten distinct solicited-node groups (ff02::1:ff0a:1 … ff02::1:ff0a:10), over a cap of 8. */
const VIPS = Array.from({ length: 10 }, (_, i) => `2001:db8::a:${i + 1}`);
const LAST_VIP = VIPS[9]!;
const LAST_GROUP = 'ff02::1:ff0a:10';

interface NdpStatus {
  open: boolean;
  groups: string[];
  pendingGroups: number;
  allMulticast: boolean;
}

t.test('all-multicast past ndp.maxSolicitedNodeGroups: allmulti, metric and doctor say so, a snooping bridge drops the NS; the fixes clear it', async (t) => {
  if (skipUnlessRoot(t, ['ndisc6', 'tshark'])) return;
  const lab = await createIpv6Pair(t, VIPS);
  await makeSnoopingQuerier(lab);
  const dirPort = await switchPort(lab, 'dir');
  const dirMac = lab.mac('dir');

  const daemon = await startControlledDaemon(
    lab,
    'dir',
    { stateFile: '', ndp: { maxSolicitedNodeGroups: 8 }, groups: [{ name: 'web', interface: 'eth0', vips: VIPS, garp: { count: 1, delayMs: 0 } }] },
    { prefix: 'vip-arpd-allmulti-' },
  );
  const { ctl, socket } = daemon;
  const eth0 = async (): Promise<NdpStatus> =>
    ((await ctl('status')).data as { interfaces: Array<{ name: string; ndp: NdpStatus }> }).interfaces.find((i) => i.name === 'eth0')!.ndp;
  const metric = async (): Promise<number> => {
    const scrape = await run(process.execPath, [CTL_ENTRY, '--socket', socket, 'metrics'], { check: true, timeoutMs: 20_000 });
    return parseExposition(scrape.stdout).sum('vip_arpd_ndp_all_multicast', { iface: 'eth0' });
  };
  const validate = loadSchemas();
  const finding = async (): Promise<DoctorCheck> => {
    const report = (await ctl('doctor')).data as { checks: DoctorCheck[] };
    t.same(validate('doctor', report), [], 'doctor --json matches doctor.schema.json');
    return report.checks.find((c) => c.check === 'solicited-node' && c.subject === 'eth0')!;
  };

  // Over the cap: all-multicast reception, seen by the kernel, the metric and doctor.
  await waitFor(async () => (await eth0()).allMulticast || undefined, { timeoutMs: 10_000, what: 'all-multicast reception' });
  t.equal(await allmultiCount(lab, 'dir', 'eth0'), 1, '`ip -d link`: allmulti 1');
  const maddr = (await lab.exec('dir', 'ip', ['-6', 'maddr', 'show', 'dev', 'eth0'], { check: true })).stdout;
  t.notMatch(maddr, 'ff02::1:ff0a:', '`ip -6 maddr`: no VIP group joined');
  t.equal(await metric(), 1, 'vip_arpd_ndp_all_multicast{iface="eth0"} 1');
  const warned = await finding();
  t.equal(warned?.status, 'warn', 'doctor: solicited-node warns');
  t.match(
    warned?.message,
    /need 10 solicited-node groups, more than ndp\.maxSolicitedNodeGroups \(8\).*receives all multicast.*MLD-snooping switch/,
    'and says why',
  );
  t.match(warned?.fix, [/"maxSolicitedNodeGroups": 10/, /mcast_router 2/], 'its fixes: raise the cap, or a multicast-router port');

  // What that means behind a snooping switch: no report, no mdb entry, the client's NS goes nowhere.
  t.notMatch(await bridgeMdb(lab), 'ff02::1:ff0a:', 'the snooping bridge has no entry for the VIP groups');
  const sent = await startCapture(lab, 'client', 'eth0', 'icmp6');
  const received = await startCapture(lab, 'dir', 'eth0', 'icmp6');
  t.same(await ndiscAnswerers(lab, 'client', LAST_VIP), [], "the client's NS is not answered through the snooping bridge");
  await Promise.all([sent.stop(), received.stop()]);
  const ns = `icmpv6.type == 135 && icmpv6.nd.ns.target_address == ${LAST_VIP}`;
  t.ok((await frameFields(sent.file, ns, ['ipv6.dst'])).length > 0, "the client's NS left on the wire");
  t.same(await frameFields(received.file, ns, ['ipv6.dst']), [], 'and none reached the director: no MLD report, no forwarding');

  // Fix 2: the director's port as a multicast-router port gets every multicast, the NS among it.
  await run('bridge', ['-n', lab.switchNs, 'link', 'set', 'dev', dirPort, 'mcast_router', '2'], { check: true });
  t.same(await ndiscAnswerers(lab, 'client', LAST_VIP), [dirMac], 'with a static multicast-router port the NS is answered by the director');
  await run('bridge', ['-n', lab.switchNs, 'link', 'set', 'dev', dirPort, 'mcast_router', '1'], { check: true });

  // Fix 1: a reload that raises the cap joins the ten groups and clears all three signs.
  const config = JSON.parse(readFileSync(daemon.configPath, 'utf8')) as { ndp: { maxSolicitedNodeGroups: number } };
  config.ndp.maxSolicitedNodeGroups = 16;
  writeFileSync(daemon.configPath, JSON.stringify(config));
  t.equal((await ctl('reload')).code, 0, 'reload applied');
  const joined = await waitFor(
    async () => {
      const n = await eth0();
      return !n.allMulticast && n.pendingGroups === 0 && n.groups.length === VIPS.length ? n : undefined;
    },
    { timeoutMs: 10_000, what: 'the ten groups joined under the raised cap' },
  );
  t.ok(joined.groups.includes(LAST_GROUP), 'status: the VIP groups joined');
  t.equal(await allmultiCount(lab, 'dir', 'eth0'), 0, '`ip -d link`: allmulti 0');
  t.equal(await metric(), 0, 'vip_arpd_ndp_all_multicast{iface="eth0"} 0');
  const cleared = await finding();
  t.equal(cleared?.status, 'pass', 'doctor: solicited-node passes');
  t.match(cleared?.message, /^10 solicited-node group\(s\) joined on eth0/, 'and counts the groups');
  await waitFor(async () => (await bridgeMdb(lab)).includes(`port ${dirPort} grp ${LAST_GROUP}`), {
    timeoutMs: 10_000,
    what: `the snooping bridge learning ${LAST_GROUP} from the MLD report`,
  });
  t.pass("the snooping bridge forwards the VIP's group to the director (bridge mdb)");
  t.same(await ndiscAnswerers(lab, 'client', LAST_VIP), [dirMac], 'the NS is answered through the snooping bridge');
  t.same(
    daemon.logs().filter((l) => (l.level ?? 0) >= 50),
    [],
    'no error logged',
  );
});
