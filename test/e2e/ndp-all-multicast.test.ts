// The all-multicast fallback as an operator sees it (issue 13): a director
// whose IPv6 VIPs need more solicited-node groups than
// ndp.maxSolicitedNodeGroups, behind a Linux bridge with multicast_snooping
// and a querier (an MLD-snooping switch). The link really is in all-multicast
// reception (`ip -d link`: allmulti 1, no VIP group in `ip -6 maddr`),
// vip_arpd_ndp_all_multicast reads 1 and `doctor` warns with its solicited-node
// check; and the snooping bridge shows why that matters: it has no mdb entry for
// the VIPs' groups, so it does not forward a client's NS to the director and
// the client cannot resolve a VIP. The doctor's two fixes are then proven: the
// director's bridge port made a multicast-router port forwards the NS; a reload
// that raises the cap joins the groups, the bridge learns them from the MLD
// reports, and allmulti, the metric and the warning all clear.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { createLab, CTL_ENTRY, run, skipUnlessRoot, sleep, startControlledDaemon, waitFor, type DoctorCheck, type Lab } from './lab.js';
import { parseExposition } from './exposition.js';
import { loadSchemas } from './json-schemas.js';

const DIR_IP = '2001:db8::1';
const CLIENT_IP = '2001:db8::2';
/** Ten VIPs, ten distinct solicited-node groups (ff02::1:ff0a:1 …), over a cap of 8. */
const VIPS = Array.from({ length: 10 }, (_, i) => `2001:db8::a:${i + 1}`);
const LAST_GROUP = 'ff02::1:ff0a:10';

interface NdpStatus {
  open: boolean;
  groups: string[];
  pendingGroups: number;
  allMulticast: boolean;
}

async function ndisc(lab: Lab, target: string): Promise<{ code: number; out: string }> {
  const r = await lab.exec('client', 'ndisc6', ['-1', '-n', '-r', '3', '-w', '500', target, 'eth0']);
  return { code: r.code, out: `${r.stdout}${r.stderr}`.trim() };
}

t.test('all-multicast past ndp.maxSolicitedNodeGroups: allmulti, metric and doctor say so, a snooping bridge drops the NS; the fixes clear it', async (t) => {
  if (skipUnlessRoot(t, ['ndisc6'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'dir', ip: '192.0.2.1/24' },
      { name: 'client', ip: '192.0.2.2/24' },
    ],
    disableIpv6: false,
  });
  for (const v of VIPS) await lab.exec('dir', 'ip', ['-6', 'addr', 'add', `${v}/128`, 'dev', 'lo', 'nodad'], { check: true });
  await lab.exec('dir', 'ip', ['-6', 'addr', 'add', `${DIR_IP}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  await lab.exec('client', 'ip', ['-6', 'addr', 'add', `${CLIENT_IP}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  // The bridge is a querier (so it sends unregistered multicast only to multicast-router ports, as a snooping switch does)
  // once its link-local address is usable (a query from a tentative one fails and turns its querier off until the next)
  // and a query response interval has passed (br_multicast_set_querier); 1 s here instead of 10.
  await waitFor(
    async () => {
      const r = await run('ip', ['-n', lab.switchNs, '-6', '-j', 'addr', 'show', 'dev', 'br0', 'scope', 'link'], { check: true });
      const info = (JSON.parse(r.stdout) as Array<{ addr_info: Array<{ tentative?: boolean }> }>)[0]?.addr_info ?? [];
      return info.some((a) => a.tentative !== true);
    },
    { timeoutMs: 10_000, what: "the bridge's link-local address" },
  );
  await run('ip', ['-n', lab.switchNs, 'link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '1', 'mcast_query_response_interval', '100'], { check: true });
  await run('ip', ['-n', lab.switchNs, 'link', 'set', 'br0', 'type', 'bridge', 'mcast_querier', '1'], { check: true });
  const querierAt = Date.now();
  const ports = JSON.parse((await run('ip', ['-n', lab.switchNs, '-j', 'link', 'show', 'master', 'br0'], { check: true })).stdout) as Array<{ ifname: string }>;
  const dirPort = ports.find((p) => p.ifname.endsWith('dir'))!.ifname;
  const mdb = async (): Promise<string> => (await run('bridge', ['-n', lab.switchNs, 'mdb', 'show', 'dev', 'br0'], { check: true })).stdout;

  const daemon = await startControlledDaemon(
    lab,
    'dir',
    { stateFile: '', ndp: { maxSolicitedNodeGroups: 8 }, groups: [{ name: 'web', interface: 'eth0', vips: VIPS, garp: { count: 1, delayMs: 0 } }] },
    { prefix: 'vip-arpd-allmulti-' },
  );
  const { ctl, socket } = daemon;
  const eth0 = async (): Promise<NdpStatus> =>
    ((await ctl('status')).data as { interfaces: Array<{ name: string; ndp: NdpStatus }> }).interfaces.find((i) => i.name === 'eth0')!.ndp;
  // IFLA_ALLMULTI counts all-multicast users (`ip -d link`: "allmulti N"); the ALLMULTI flag shows only `ip link set allmulticast on`.
  const allmulti = async (): Promise<number> =>
    (JSON.parse((await lab.exec('dir', 'ip', ['-j', '-d', 'link', 'show', 'dev', 'eth0'], { check: true })).stdout) as Array<{ allmulti: number }>)[0]!
      .allmulti;
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
  t.equal(await allmulti(), 1, '`ip -d link`: allmulti 1');
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
  t.notMatch(await mdb(), 'ff02::1:ff0a:', 'the snooping bridge has no entry for the VIP groups');
  await sleep(Math.max(0, querierAt + 2000 - Date.now()));
  const dropped = await ndisc(lab, VIPS[9]!);
  t.not(dropped.code, 0, `the client's NS does not reach the director through the snooping bridge: ${dropped.out}`);

  // Fix 2: the director's port as a multicast-router port gets every multicast, the NS among it.
  await run('bridge', ['-n', lab.switchNs, 'link', 'set', 'dev', dirPort, 'mcast_router', '2'], { check: true });
  const routed = await ndisc(lab, VIPS[9]!);
  t.equal(routed.code, 0, `with a static multicast-router port the NS is answered: ${routed.out}`);
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
  t.equal(await allmulti(), 0, '`ip -d link`: allmulti 0');
  t.equal(await metric(), 0, 'vip_arpd_ndp_all_multicast{iface="eth0"} 0');
  const cleared = await finding();
  t.equal(cleared?.status, 'pass', 'doctor: solicited-node passes');
  t.match(cleared?.message, /^10 solicited-node group\(s\) joined on eth0/, 'and counts the groups');
  await waitFor(async () => (await mdb()).includes(`port ${dirPort} grp ${LAST_GROUP}`), {
    timeoutMs: 10_000,
    what: `the snooping bridge learning ${LAST_GROUP} from the MLD report`,
  });
  t.pass("the snooping bridge forwards the VIP's group to the director (bridge mdb)");
  const answered = await ndisc(lab, VIPS[9]!);
  t.equal(answered.code, 0, `the NS is answered through the snooping bridge: ${answered.out}`);
  t.same(
    daemon.logs().filter((l) => (l.level ?? 0) >= 50),
    [],
    'no error logged',
  );
});
