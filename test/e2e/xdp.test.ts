// The XDP fast path (fastPath: "xdp") against real frames: the program in the
// director's veth driver answers MASTER VIPs, passes everything else up to the
// AF_PACKET path (whose counters show it arrived), follows takeover, release
// and reload before the command returns, keeps conflicts visible, and leaves
// nothing attached when the daemon is SIGKILLed. "Answered in XDP" is proven
// by the program's counters moving while the AF_PACKET responder's `answered`
// stays put.
import t, { type Test } from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DAEMON_ENTRY,
  REPO_ROOT,
  arpFrameHex,
  arping,
  run,
  scapySend,
  skipUnlessRoot,
  sleep,
  startCapture,
  startDaemon,
  waitExit,
  waitFor,
  type DaemonProcess,
  type Lab,
  type LogLine,
} from './lab.js';
import { CLIENT_IP, createDirectorLab } from './lab/director.js';
import { malformedArpFrames } from './malformed-frames.js';
import { CTL, arpDelta, ctlJson, delta, enableXdpReceive, pathCounts, total, xdpProgramOn, xdpUnavailable } from './lab-xdp.js';
import { loadSchemas } from './json-schemas.js';

const VIP = '198.51.100.10';
const VIP2 = '198.51.100.11';
const BACKUP_VIP = '198.51.100.20';
const NOT_A_VIP = '198.51.100.99';
const FOREIGN_MAC = '02:00:00:00:be:ef';

function config(dir: string, groups?: object[]): object {
  return {
    stateFile: '',
    control: { socket: join(dir, 'control.sock') },
    watch: { enabled: false },
    fastPath: 'xdp',
    groups: groups ?? [
      { name: 'web', interface: 'eth0', vips: [VIP] },
      { name: 'mail', interface: 'eth0', vips: [BACKUP_VIP], initialRole: 'backup' },
    ],
  };
}

/** Client and director on one LAN; VIPs on the director's lo, its kernel quiet (HOWTO §6). */
async function xdpLab(t: Test): Promise<Lab> {
  const lab = await createDirectorLab(t, { vips: [VIP, VIP2, BACKUP_VIP, NOT_A_VIP], clientRoutes: ['198.51.100.0/24'] });
  await enableXdpReceive(lab);
  return lab;
}

/**
 * `status` of the daemon at `sock` checked against docs/schema/status.schema.json,
 * and its human fastPath line for `iface`.
 */
async function checkStatusOutput(t: Test, sock: string, iface: string): Promise<{ json: Record<string, unknown>; line: string | undefined }> {
  const { data } = await ctlJson(sock, 'status');
  t.same(loadSchemas()('status', data), [], 'status --json matches status.schema.json');
  const human = await run(process.execPath, [CTL, '--socket', sock, 'status'], { timeoutMs: 20_000 });
  return { json: data, line: human.stdout.split('\n').find((l) => l.startsWith(`fast path ${iface}:`)) };
}

function skip(t: Test, tools: string[]): boolean {
  if (skipUnlessRoot(t, tools)) return true;
  const why = xdpUnavailable();
  if (why !== undefined) {
    t.comment(`skipped: ${why}`);
    return true;
  }
  return false;
}

interface XdpDirector {
  lab: Lab;
  d: DaemonProcess;
  /** the daemon's control socket */
  sock: string;
  dmac: string;
  cmac: string;
}

/** The lab with vip-arpd running on the director with `fastPath: "xdp"`. */
async function xdpDirector(t: Test): Promise<XdpDirector> {
  const lab = await xdpLab(t);
  const dir = lab.tempDir();
  const d = await startDaemon(lab, 'director', config(dir), { dir });
  return { lab, d, sock: join(dir, 'control.sock'), dmac: lab.mac('director', 'eth0'), cmac: lab.mac('client', 'eth0') };
}

async function replyMacs(lab: Lab, target: string, count = 1): Promise<string[]> {
  return (await arping(lab, 'client', 'eth0', target, { count, timeoutSec: count + 1 })).replies.map((r) => r.mac);
}

t.test('XDP answers MASTER VIPs in the driver; BACKUP VIPs and non-VIPs are passed up and stay silent', async (t) => {
  if (skip(t, ['arping', 'tshark', 'scapy'])) return;
  const { lab, d, sock, dmac, cmac } = await xdpDirector(t);
  const attachedLog = await d.waitForLog((l) => l.msg === 'XDP fast path attached');
  t.match(attachedLog, { iface: 'eth0', mode: 'xdp-native', vips: 2 }, 'the log names the mode');
  t.ok(await xdpProgramOn(lab, 'director', 'eth0'), 'ip link shows the program on eth0');

  const before = await pathCounts(sock, 'eth0');
  t.equal(before.mode, 'xdp-native', 'status: xdp-native');
  const cap = await startCapture(lab, 'client', 'eth0', 'arp');
  t.same(await replyMacs(lab, VIP, 2), [dmac, dmac], 'arping: broadcast and unicast requests answered with the director MAC');
  t.same(await replyMacs(lab, BACKUP_VIP), [], 'a BACKUP VIP is silent');
  t.same(await replyMacs(lab, NOT_A_VIP), [], 'a non-VIP is silent');
  await scapySend(lab, 'client', 'eth0', [arpFrameHex({ ethDst: dmac, ethSrc: cmac, senderIp: CLIENT_IP, targetIp: VIP })]);
  const dad = await arping(lab, 'client', 'eth0', VIP, { mode: 'dad', count: 1 });
  t.same(
    dad.replies.map((r) => r.mac),
    [dmac],
    'an RFC 5227 probe (sender 0.0.0.0) is answered',
  );
  await sleep(300);
  const frames = await cap.stop();
  const after = await pathCounts(sock, 'eth0');
  const xdp = delta(after.xdp, before.xdp);
  const af = delta(after.afPacket, before.afPacket);
  t.equal(xdp['answered'], 4, `the program answered the 4 requests for the VIP (${JSON.stringify(xdp)})`);
  t.notOk(af['answered'], `the AF_PACKET responder answered none of them (${JSON.stringify(af)})`);
  t.ok(
    (xdp['pass:not-master'] ?? 0) >= 1 && (af['not-master'] ?? 0) === xdp['pass:not-master'],
    'BACKUP requests passed up and judged not-master by AF_PACKET',
  );
  t.ok((xdp['pass:not-a-vip'] ?? 0) >= 1 && (af['not-a-vip'] ?? 0) === xdp['pass:not-a-vip'], 'non-VIP requests passed up and judged not-a-vip by AF_PACKET');

  const replies = frames.filter((f) => f.arpOp === 2 && f.ethDst === cmac);
  t.equal(replies.length, 4, 'tshark on the client saw 4 replies');
  for (const r of replies) {
    t.equal(r.malformed, false, 'tshark: well-formed');
    t.same([r.ethSrc, r.senderMac, r.senderIp, r.targetMac], [dmac, dmac, VIP, cmac], 'reply from the director MAC for the VIP, to the requester');
    t.ok([CLIENT_IP, '0.0.0.0'].includes(r.targetIp), `target IP is the requester's (${r.targetIp})`);
    t.equal(r.length, 42, 'as long as the request (42 bytes on a veth)');
  }
  const doctor = await ctlJson(sock, 'doctor');
  const check = (doctor.data['checks'] as Array<{ check: string; status: string; message: string }>).find((c) => c.check === 'fast-path');
  t.match(check, { status: 'pass', message: /xdp-native/ }, 'doctor: fast-path pass, mode named');
  const out = await checkStatusOutput(t, sock, 'eth0');
  t.match(out.line, /^fast path eth0: xdp-native, 2 VIPs, answered \d+, passed \d+ \(.*\bnot-master [1-9]/, `status for a person: ${out.line}`);
  t.match(out.line, /\bnot-a-vip [1-9]/, 'with the pass reasons');
  const fp = structuredClone(out.json) as { fastPath: Array<{ counts: Record<string, number> }> };
  fp.fastPath[0]!.counts['pass:tagged'] = fp.fastPath[0]!.counts['pass:vlan']!;
  delete fp.fastPath[0]!.counts['pass:vlan'];
  t.ok(loadSchemas()('status', fp).length > 0, 'a renamed XDP verdict fails the schema');
  await d.stop();
  t.ok(
    d.logs().some((l) => l.msg === 'XDP fast path detached' && l['why'] === 'daemon stopping'),
    'a clean exit detaches and says so',
  );
  t.equal(await xdpProgramOn(lab, 'director', 'eth0'), undefined, 'no program left on eth0');
});

t.test('release, takeover and reload change what XDP answers before the command returns', async (t) => {
  if (skip(t, ['arping'])) return;
  const { lab, d, sock, dmac } = await xdpDirector(t);
  t.same(await replyMacs(lab, VIP), [dmac], 'answered while MASTER');

  t.equal((await ctlJson(sock, 'release', 'web')).code, 0, 'release');
  let before = await pathCounts(sock, 'eth0');
  t.same(await replyMacs(lab, VIP), [], 'silent right after release returned');
  let after = await pathCounts(sock, 'eth0');
  t.same(arpDelta(after.xdp, before.xdp), { 'pass:not-master': 1 }, 'XDP passed it up as not-master');

  t.equal((await ctlJson(sock, 'takeover', 'web')).code, 0, 'takeover');
  before = await pathCounts(sock, 'eth0');
  t.same(await replyMacs(lab, VIP), [dmac], 'answered right after takeover returned');
  after = await pathCounts(sock, 'eth0');
  t.equal(delta(after.xdp, before.xdp)['answered'], 1, 'answered in XDP');
  t.notOk(delta(after.afPacket, before.afPacket)['answered'], 'not by AF_PACKET');

  // Reload: VIP leaves the group, VIP2 joins it.
  writeFileSync(
    d.configPath,
    JSON.stringify(
      config(d.dir, [
        { name: 'web', interface: 'eth0', vips: [VIP2] },
        { name: 'mail', interface: 'eth0', vips: [BACKUP_VIP], initialRole: 'backup' },
      ]),
    ),
  );
  t.equal((await ctlJson(sock, 'reload')).code, 0, 'reload');
  before = await pathCounts(sock, 'eth0');
  t.same(await replyMacs(lab, VIP2), [dmac], 'the added VIP is answered');
  t.same(await replyMacs(lab, VIP), [], 'the removed VIP is silent');
  after = await pathCounts(sock, 'eth0');
  t.same(arpDelta(after.xdp, before.xdp), { answered: 1, 'pass:not-a-vip': 1 }, 'both decided as the reload says: answered in XDP, the removed VIP passed up');
  const status = await ctlJson(sock, 'status');
  t.match(status.data['fastPath'], [{ iface: 'eth0', mode: 'xdp-native', vips: 2 }], 'the map holds the two VIPs of the new config');
  await d.stop();
});

/** 802.1Q-tagged ARP request (TPID 0x8100, PCP 0, `vid`) for `target`. */
function taggedRequest(cmac: string, target: string, vid: number): string {
  const untagged = arpFrameHex({ ethSrc: cmac, senderIp: CLIENT_IP, targetIp: target });
  return untagged.slice(0, 24) + '8100' + vid.toString(16).padStart(4, '0') + untagged.slice(24);
}

t.test('malformed, tagged, martian and conflicting frames are passed up unanswered; trailing bytes are answered, padding zeroed', async (t) => {
  if (skip(t, ['arping', 'tshark', 'scapy'])) return;
  const { lab, d, sock, dmac, cmac } = await xdpDirector(t);
  const base = { ethSrc: cmac, senderIp: CLIENT_IP, targetIp: VIP };
  const malformed = malformedArpFrames(base);
  const passed: Array<{ verdict: string; hex: string }> = [
    ...malformed.map((m) => ({ verdict: 'pass:malformed', hex: m.hex })),
    // The decoder judges tags (and the kernel strips them before AF_PACKET): XDP passes any tag.
    { verdict: 'pass:vlan', hex: taggedRequest(cmac, VIP, 5) },
    { verdict: 'pass:vlan', hex: taggedRequest(cmac, VIP, 0) },
    { verdict: 'pass:martian', hex: arpFrameHex({ ...base, senderIp: '127.0.0.1' }) },
    { verdict: 'pass:martian', hex: arpFrameHex({ ...base, senderIp: '224.0.0.1' }) },
    { verdict: 'pass:martian', hex: arpFrameHex({ ...base, senderIp: '0.1.2.3' }) },
    // A foreign MAC using a VIP as its sender: the conflict monitor must see it.
    { verdict: 'pass:sender-vip', hex: arpFrameHex({ ethSrc: FOREIGN_MAC, senderIp: BACKUP_VIP, targetIp: VIP }) },
    { verdict: 'pass:gratuitous', hex: arpFrameHex({ ethSrc: FOREIGN_MAC, senderIp: CLIENT_IP, targetIp: CLIENT_IP }) },
    { verdict: 'pass:not-request', hex: arpFrameHex({ ...base, op: 2, ethDst: dmac }) },
    { verdict: 'pass:not-for-us', hex: arpFrameHex({ ...base, ethDst: '02:00:00:00:00:99' }) },
  ];
  const before = await pathCounts(sock, 'eth0');
  const wire = await startCapture(lab, 'director', 'eth0', '');
  const cap = await startCapture(lab, 'client', 'eth0', 'arp');
  await scapySend(
    lab,
    'client',
    'eth0',
    passed.map((p) => p.hex),
    { count: 3 },
  );
  // Valid requests followed by junk (10 bytes; 1000 bytes): answered, the junk not echoed.
  await scapySend(lab, 'client', 'eth0', [arpFrameHex(base) + 'ee'.repeat(10), arpFrameHex(base) + 'ee'.repeat(1000)]);
  await sleep(500);
  const seenByClient = await cap.stop();
  const seenByDirector = await wire.stop();
  const after = await pathCounts(sock, 'eth0');
  t.equal(
    seenByDirector.filter((f) => f.ethSrc === cmac || f.ethSrc === FOREIGN_MAC).length,
    passed.length * 3,
    'every frame reached the director (tshark there sees what XDP passed)',
  );

  const xdp = delta(after.xdp, before.xdp);
  const want: Record<string, number> = { answered: 2 };
  for (const p of passed) want[p.verdict] = (want[p.verdict] ?? 0) + 3;
  for (const [k, v] of Object.entries(want)) t.equal(xdp[k] ?? 0, v, `XDP ${k}: ${v}`);
  const af = delta(after.afPacket, before.afPacket);
  for (const m of malformed) t.ok((af[`malformed:${m.reason}`] ?? 0) >= 3, `AF_PACKET counted malformed:${m.reason} (passed up, as without XDP)`);
  t.ok(total(af) >= passed.length * 3 - 6, `AF_PACKET saw the passed frames (${total(af)} outcomes; tagged ones are the decoder's to judge)`);
  // What AF_PACKET answers of the passed frames (martian senders) is the decoder's rule, not XDP's.
  const answers = seenByClient.filter((f) => f.arpOp === 2 && f.ethDst === cmac && f.length !== 42);
  t.same(
    answers.map((a) => a.length),
    [52, 60],
    'the requests with trailing bytes answered: 52 bytes kept, 1042 cut to 60',
  );
  for (const reply of answers) {
    const eth = reply.raw['eth'] as Record<string, string> | undefined;
    const padding = eth?.['eth.padding'] ?? eth?.['eth.trailer'] ?? '';
    t.match(padding, /^(00:?)+$/, `the padding is zeroed (${padding})`);
    t.same([reply.senderIp, reply.senderMac, reply.targetIp, reply.malformed], [VIP, dmac, CLIENT_IP, false], 'a well-formed reply for the VIP');
  }
  await d.stop();
});

t.test('a foreign claim on a MASTER VIP is still detected and defended', async (t) => {
  if (skip(t, ['arping', 'tshark', 'scapy'])) return;
  const { lab, d, sock, dmac } = await xdpDirector(t);
  await sleep(1200); // past the startup GARPs' defence interval window
  const before = await pathCounts(sock, 'eth0');
  const cap = await startCapture(lab, 'client', 'eth0', 'arp');
  // "who-has client tell VIP" from a realserver's MAC: the §6.14 poisoning.
  await scapySend(lab, 'client', 'eth0', [arpFrameHex({ ethSrc: FOREIGN_MAC, senderIp: VIP, targetIp: CLIENT_IP })]);
  const line = await d.waitForLog((l: LogLine) => /^ARP conflict/.test(l.msg ?? '') && l['mac'] === FOREIGN_MAC, 3000);
  t.match(line, { vip: VIP, defence: 'sent' }, 'conflict logged and defended');
  await sleep(300);
  const frames = await cap.stop();
  t.ok(
    frames.some((f) => f.senderMac === dmac && f.senderIp === VIP && f.targetIp === VIP),
    'the defending GARP is on the wire',
  );
  const after = await pathCounts(sock, 'eth0');
  t.equal(delta(after.xdp, before.xdp)['pass:sender-vip'], 1, 'XDP passed the claim up (sender IP is a VIP)');
  await d.stop();
});

t.test('SIGKILL leaves no program attached and nothing answering', async (t) => {
  if (skip(t, ['arping'])) return;
  const { lab, d, dmac } = await xdpDirector(t);
  t.same(await replyMacs(lab, VIP), [dmac], 'answering');
  const prog = await xdpProgramOn(lab, 'director', 'eth0');
  t.ok(prog, `program ${prog?.id} attached`);
  await d.kill();
  t.equal(d.proc.signalCode, 'SIGKILL', 'killed by SIGKILL (and reaped by the test)');
  const t0 = Date.now();
  await waitFor(async () => ((await xdpProgramOn(lab, 'director', 'eth0')) === undefined ? true : undefined), {
    timeoutMs: 3000,
    what: 'the program to go with the process',
  });
  t.pass(`the program left with the process (${Date.now() - t0} ms after exit)`);
  t.same(await replyMacs(lab, VIP, 2), [], 'nobody answers the VIP any more');
});

/** Starts the daemon as root limited to `caps` (setpriv); resolves with its stdout lines once ready. */
async function startWithCaps(t: Test, lab: Lab, caps: string[], dir: string): Promise<() => LogLine[]> {
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config(dir)));
  const set = ['-all', ...caps.map((c) => `+${c}`)].join(',');
  const proc = lab.spawn('director', 'env', [
    '-u',
    'NODE_OPTIONS',
    'setpriv',
    `--inh-caps=${set}`,
    `--bounding-set=${set}`,
    '--',
    process.execPath,
    DAEMON_ENTRY,
    '--config',
    configPath,
  ]);
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  t.teardown(async () => {
    proc.kill('SIGKILL');
    await waitExit(proc);
  });
  await waitFor(() => (out.includes('"msg":"ready"') ? true : undefined), { timeoutMs: 10_000, what: 'ready' });
  return () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
}

t.test("without CAP_BPF the daemon says so and answers on AF_PACKET; the drop-in's capabilities attach XDP", async (t) => {
  if (skip(t, ['arping', 'setpriv'])) return;
  const lab = await xdpLab(t);
  const dir = lab.tempDir();
  const sock = join(dir, 'control.sock');
  // Root with CAP_NET_RAW as its only capability: what the shipped unit grants without the XDP drop-in.
  const logs = await startWithCaps(t, lab, ['net_raw'], dir);
  const warn = logs().find((l) => l.msg === 'XDP fast path unavailable; answering on AF_PACKET');
  t.match(warn, { iface: 'eth0', mode: 'af_packet', code: 'EPERM', reason: /CAP_BPF/ }, 'the log says why and what grants it');
  const before = await pathCounts(sock, 'eth0');
  t.equal(before.mode, 'af_packet', 'status: af_packet');
  const out = await checkStatusOutput(t, sock, 'eth0');
  t.match(out.json['fastPath'], [{ iface: 'eth0', configured: true, mode: 'af_packet', code: 'EPERM', reason: /CAP_BPF/ }], 'status says why');
  t.match(
    out.line,
    /^fast path eth0: af_packet \(EPERM: bpf\(BPF_PROG_LOAD\) failed: .*; vip-arpctl doctor names the fix\)$/,
    `status for a person: ${out.line}`,
  );
  t.same(await replyMacs(lab, VIP), [lab.mac('director', 'eth0')], 'the VIP is answered all the same');
  const after = await pathCounts(sock, 'eth0');
  t.equal(delta(after.afPacket, before.afPacket)['answered'], 1, 'by the AF_PACKET responder');
  const doctor = await ctlJson(sock, 'doctor');
  const check = (doctor.data['checks'] as Array<{ check: string; status: string; fix: string[] }>).find((c) => c.check === 'fast-path');
  t.match(check, { status: 'warn', fix: [/xdp\.conf\.example/] }, 'doctor warns and names the drop-in');

  // The capabilities the drop-in grants, read from the shipped file, are enough.
  const dropIn = readFileSync(join(REPO_ROOT, 'systemd', 'vip-arpd.service.d', 'xdp.conf.example'), 'utf8');
  const caps = (/^AmbientCapabilities=(.*)$/m.exec(dropIn)?.[1] ?? '').split(/\s+/).map((c) => c.replace(/^CAP_/, '').toLowerCase());
  t.same(caps.sort(), ['bpf', 'net_admin', 'net_raw', 'perfmon'], 'the drop-in grants CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, CAP_NET_RAW');
  const dir2 = lab.tempDir();
  const logs2 = await startWithCaps(t, lab, caps, dir2);
  t.match(
    logs2().find((l) => l.msg === 'XDP fast path attached'),
    { iface: 'eth0', mode: 'xdp-native' },
    'with them the program attaches',
  );
});
