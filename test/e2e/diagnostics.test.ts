// End-to-end proof of diagnostics (docs/diagnostics.md) in a lab LAN with a
// client (which plays the gateway), one or two directors and a realserver:
// `probe` names a realserver that answers ARP for the VIP and is clean once
// the realserver is fixed; a realserver asking "who-has gw tell VIP" (HOWTO
// §6.14 problem 3) is detected, logged with its MAC and IP, and the MASTER's
// defence puts the client's cache back; two MASTERs in split brain both
// report the conflict and defend at most once per 10 s per VIP even under a
// GARP flood; `doctor` fails with fix lines on a misconfigured director.
//
// The client gets an on-link route to the VIP range, arp_accept=0 and
// drop_gratuitous_arp=0 (see test/e2e/garp.test.ts for why).
import t, { type Test } from 'tap';
import {
  arpFrameHex,
  arping,
  CTL_ENTRY,
  createLab,
  neighbour,
  run,
  scapySend,
  skipUnlessRoot,
  sleep,
  startCapture,
  startControlledDaemon,
  waitFor,
  type DaemonProcess,
  type Lab,
  type LogLine,
  silenceKernelArp,
} from './lab.js';
import { followGratuitousArp } from './lab/director.js';

const CLIENT_IP = '192.0.2.1';
const DIR1_IP = '192.0.2.10';
const DIR2_IP = '192.0.2.11';
const RS_IP = '192.0.2.20';
const VIP = '198.51.100.10';
const CONFLICT_MSG = /^ARP conflict/;

async function makeLab(t: Test, withDir2 = false): Promise<Lab> {
  const hosts = [
    { name: 'client', ip: `${CLIENT_IP}/24` },
    { name: 'dir1', ip: `${DIR1_IP}/24` },
    { name: 'rs', ip: `${RS_IP}/24` },
  ];
  if (withDir2) hosts.push({ name: 'dir2', ip: `${DIR2_IP}/24` });
  const lab = await createLab(t, { hosts });
  for (const d of withDir2 ? ['dir1', 'dir2'] : ['dir1']) await silenceKernelArp(lab, d, ['all', 'eth0']);
  await followGratuitousArp(lab, 'client', ['all', 'eth0']);
  await lab.exec('client', 'ip', ['route', 'add', '198.51.100.0/24', 'dev', 'eth0'], { check: true });
  for (const d of withDir2 ? ['dir1', 'dir2'] : ['dir1']) await lab.addAddress(d, 'lo', `${VIP}/32`);
  return lab;
}

interface Director {
  daemon: DaemonProcess;
  /** runs vip-arpctl against this daemon */
  ctl(args: string[]): Promise<{ code: number; data: unknown; stdout: string; stderr: string }>;
}

async function startDirector(lab: Lab, host: string, group: object = {}, extra: object = {}): Promise<Director> {
  const config = {
    // One request-form GARP per announcement, so frames count rounds.
    groups: [{ name: 'web', interface: 'eth0', vips: [VIP], garp: { mode: 'request', count: 1, delayMs: 0 }, ...group }],
    ...extra,
  };
  const daemon = await startControlledDaemon(lab, host, config, { prefix: 'vip-arpd-diag-' });
  const ctl = async (args: string[]) => {
    const json = args.includes('--json');
    const r = await run(process.execPath, [CTL_ENTRY, '--socket', daemon.socket, '--timeout', '15000', ...args], { timeoutMs: 20_000 });
    return { code: r.code, stdout: r.stdout, stderr: r.stderr, data: json && r.stdout.trim() !== '' ? JSON.parse(r.stdout) : undefined };
  };
  return { daemon, ctl };
}

/** The director learns the realserver's MAC (as IPVS-DR forwarding would), so conflicts can name its IP. */
async function learnRealserver(lab: Lab, from = 'dir1'): Promise<void> {
  await lab.exec(from, 'ping', ['-c', '1', '-W', '2', RS_IP], { check: true });
}

interface Responder {
  mac: string;
  ip: string | null;
  ours: boolean;
}
interface ProbeData {
  clean: boolean;
  ok: boolean;
  vips: Array<{ vip: string; clean: boolean; responders: Responder[] }>;
}

t.test('probe names a realserver that answers for the VIP, and is clean once it is fixed', async (t) => {
  if (skipUnlessRoot(t, ['ping'])) return;
  const lab = await makeLab(t);
  const d = await startDirector(lab, 'dir1', { initialRole: 'backup' });
  await learnRealserver(lab);
  const rsMac = lab.mac('rs');
  const probe = async (desc: string, wantClean: boolean) => {
    const r = await d.ctl(['--json', 'probe', VIP]);
    const data = r.data as ProbeData;
    t.equal(data?.clean, wantClean, `${desc}: clean=${wantClean}`);
    t.equal(data?.ok, wantClean, `${desc}: ok follows clean`);
    if (wantClean) t.equal(r.code, 0, `${desc}: vip-arpctl probe exits 0`);
    else t.equal(r.code, 4, `${desc}: vip-arpctl probe exits 4 (problem found)`);
    return data?.vips[0]?.responders ?? [];
  };

  // VIP on the realserver's lo with arp_ignore=0 (the default): its kernel answers.
  await lab.addAddress('rs', 'lo', `${VIP}/32`);
  let responders = await probe('VIP on lo, arp_ignore=0', false);
  t.same(
    responders.map((x) => ({ mac: x.mac, ip: x.ip, ours: x.ours })),
    [{ mac: rsMac, ip: RS_IP, ours: false }],
    'names the realserver by MAC and IP',
  );

  await silenceKernelArp(lab, 'rs', ['all', 'eth0']);
  t.same(await probe('arp_ignore=1 / arp_announce=2', true), [], 'nobody else answers');

  // VIP on the realserver's eth0: answered whatever arp_ignore says.
  await lab.addAddress('rs', 'eth0', `${VIP}/32`);
  responders = await probe('VIP on eth0', false);
  t.match(responders, [{ mac: rsMac, ip: RS_IP, ours: false }]);
  await lab.exec('rs', 'ip', ['addr', 'del', `${VIP}/32`, 'dev', 'eth0'], { check: true });
  await probe('VIP moved back to lo', true);

  const human = await d.ctl(['probe', 'web', '--window', '300']);
  t.equal(human.code, 0, 'probe by group name');
  t.match(human.stdout, VIP, 'human output names the VIP');
  await d.daemon.stop();
});

t.test('"who-has gw tell VIP" from a realserver: detected within 1 s, logged with its MAC, defended', async (t) => {
  if (skipUnlessRoot(t, ['ping', 'arping', 'tshark'])) return;
  const lab = await makeLab(t);
  // The realserver is configured the usual way: VIP on lo, kernel quiet. arping
  // still sends what an unpatched stack or arp_announce=0 would send.
  await lab.addAddress('rs', 'lo', `${VIP}/32`);
  const d = await startDirector(lab, 'dir1', { initialRole: 'backup' });
  await learnRealserver(lab);
  const rsMac = lab.mac('rs');
  const dirMac = lab.mac('dir1');
  const conflictLine = (l: LogLine) => CONFLICT_MSG.test(l.msg ?? '') && l['mac'] === rsMac;

  // BACKUP: the conflict is only recorded, so the client's cache stays poisoned.
  let t0 = Date.now();
  await arping(lab, 'rs', 'eth0', CLIENT_IP, { source: VIP, count: 1, timeoutSec: 1 });
  let line = await d.daemon.waitForLog(conflictLine, 3000);
  t.ok((line.time ?? Infinity) - t0 <= 1000, `detected ${(line.time ?? 0) - t0} ms after arping started`);
  t.match(line, { vip: VIP, hostIp: RS_IP, kind: 'request-as-sender', defence: 'not-master', fix: /arp_announce=2/ });
  t.equal((await neighbour(lab, 'client', VIP))?.mac, rsMac, 'the client learnt VIP → realserver MAC (the §6.14 poisoning)');

  const conflicts = await d.ctl(['--json', 'conflicts']);
  t.match((conflicts.data as { conflicts: unknown[] }).conflicts, [{ vip: VIP, mac: rsMac, ip: RS_IP, kind: 'request-as-sender', count: 1 }]);
  const status = await d.ctl(['--json', 'status']);
  t.match((status.data as { conflicts: unknown }).conflicts, { active: 1, latest: [{ mac: rsMac }] }, 'status lists the conflict');

  // MASTER: the takeover GARP fixes the cache; then a new poisoning is defended.
  t.equal((await d.ctl(['takeover', 'web'])).code, 0);
  await waitFor(async () => (await neighbour(lab, 'client', VIP))?.mac === dirMac, { timeoutMs: 3000, what: 'takeover GARP' });
  await sleep(1200); // past the client's 1 s ARP locktime, so the realserver's frame lands
  await d.ctl(['conflicts', '--clear']); // so the next sighting is logged again
  const cap = await startCapture(lab, 'client', 'eth0', 'arp');
  t0 = Date.now();
  await arping(lab, 'rs', 'eth0', CLIENT_IP, { source: VIP, count: 1, timeoutSec: 1 });
  line = await d.daemon.waitForLog((l) => conflictLine(l) && l['defence'] === 'sent', 3000);
  t.ok((line.time ?? Infinity) - t0 <= 1000, `detected and defended ${(line.time ?? 0) - t0} ms after arping started`);
  await waitFor(async () => (await neighbour(lab, 'client', VIP))?.mac === dirMac, { timeoutMs: 2000, what: 'client entry back at the director' });
  const frames = await cap.stop();
  const poison = frames.findIndex((f) => f.senderMac === rsMac && f.senderIp === VIP && f.arpOp === 1);
  const defence = frames.findIndex((f) => f.senderMac === dirMac && f.senderIp === VIP && f.targetIp === VIP);
  t.ok(poison >= 0, "capture holds the realserver's who-has with the VIP as sender");
  t.ok(defence > poison, "the director's defending GARP follows it");
  t.pass(`client: VIP → ${dirMac} again`);
  await d.daemon.stop();
});

t.test('split brain: both MASTERs report the conflict; defence ≤ one GARP per 10 s per VIP under a flood', async (t) => {
  if (skipUnlessRoot(t, ['scapy', 'tshark'])) return;
  const lab = await makeLab(t, true);
  const d1 = await startDirector(lab, 'dir1');
  const d2 = await startDirector(lab, 'dir2');
  const mac1 = lab.mac('dir1');
  const mac2 = lab.mac('dir2');
  // Each saw the other's startup GARP (or defence) as a foreign claim.
  await d1.daemon.waitForLog((l) => CONFLICT_MSG.test(l.msg ?? '') && l['mac'] === mac2, 5000);
  await d2.daemon.waitForLog((l) => CONFLICT_MSG.test(l.msg ?? '') && l['mac'] === mac1, 5000);
  t.pass("each director logged the other's MAC");
  await sleep(500); // startup bursts are over: everything captured from here on is defence

  const cap = await startCapture(lab, 'client', 'eth0', 'arp');
  const started = Date.now();
  // A third host floods GARPs for the VIP: 10 per second for 22 s.
  // (iputils arping takes whole seconds only, so scapy sends it.)
  const garp = arpFrameHex({ ethSrc: lab.mac('rs'), senderIp: VIP, targetIp: VIP });
  await scapySend(lab, 'rs', 'eth0', [garp], { count: 220, interval: 0.1 });
  await sleep(1000);
  const seconds = (Date.now() - started) / 1000;
  const frames = await cap.stop();
  const garps = (mac: string) => frames.filter((f) => f.senderMac === mac && f.senderIp === VIP && f.targetIp === VIP).length;
  const flood = frames.filter((f) => f.senderMac === lab.mac('rs')).length;
  const maxRounds = Math.ceil(seconds / 10) + 1;
  t.ok(flood >= 200, `the flood sent ${flood} GARPs`);
  for (const [name, mac] of [
    ['dir1', mac1],
    ['dir2', mac2],
  ] as const) {
    const n = garps(mac);
    t.ok(n >= 1 && n <= maxRounds, `${name}: ${n} defending GARP(s) in ${seconds.toFixed(1)} s (at most ${maxRounds})`);
  }
  for (const [d, other] of [
    [d1, mac2],
    [d2, mac1],
  ] as const) {
    const r = await d.ctl(['--json', 'conflicts']);
    const macs = (r.data as { conflicts: Array<{ mac: string }> }).conflicts.map((c) => c.mac);
    t.ok(macs.includes(other) && macs.includes(lab.mac('rs')), `conflicts lists the other director and the flooder: ${macs.join(', ')}`);
  }
  await Promise.all([d1.daemon.stop(), d2.daemon.stop()]);
});

t.test('doctor fails with fix lines on a misconfigured director and passes on a correct one', async (t) => {
  if (skipUnlessRoot(t, [])) return;
  const lab = await makeLab(t);
  const d = await startDirector(lab, 'dir1');
  interface Report {
    ok: boolean;
    checks: Array<{ check: string; status: string; fix: string[] }>;
  }
  const doctor = async () => {
    const r = await d.ctl(['--json', 'doctor']);
    return { code: r.code, report: r.data as Report };
  };
  let r = await doctor();
  t.equal(r.report.ok, true, `a correct director passes: ${JSON.stringify(r.report.checks.filter((c) => c.status !== 'pass'))}`);
  t.equal(r.code, 0, 'exit 0');

  await lab.sysctl('dir1', 'net.ipv4.conf.all.arp_ignore', 0);
  await lab.sysctl('dir1', 'net.ipv4.conf.eth0.arp_ignore', 0);
  r = await doctor();
  t.equal(r.report.ok, false);
  t.equal(r.code, 4, 'exit 4 (problem found) on a fail');
  t.match(
    r.report.checks.find((c) => c.status === 'fail'),
    { check: 'arp_ignore', fix: [/^sysctl -w net\.ipv4\.conf\.eth0\.arp_ignore=1$/] },
  );
  await lab.sysctl('dir1', 'net.ipv4.conf.eth0.arp_ignore', 1);

  await lab.addAddress('dir1', 'eth0', `${VIP}/32`);
  r = await doctor();
  t.equal(r.report.ok, false);
  t.match(
    r.report.checks.filter((c) => c.status === 'fail'),
    [{ check: 'vip-off-wire', fix: [`ip addr del ${VIP}/32 dev eth0 && ip addr replace ${VIP}/32 dev lo`] }],
  );
  const human = await d.ctl(['doctor']);
  t.match(human.stdout, /FAIL {2}vip-off-wire/, 'human output starts with the FAIL line');
  t.match(human.stdout, /fix: ip addr del/);
  await d.daemon.stop();
});
