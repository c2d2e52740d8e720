// An IPv6 VIP conflict for real (issue 13, "Diagnostics"): a realserver whose
// eth0 has the VIP, as a misconfigured LVS-DR realserver does, beside a
// MASTER director. Its kernel's DAD probe for the VIP, and later its NS with
// the VIP as source, are foreign claims: `vip-arpctl conflicts` and `status`
// show them like ARP ones, with family ipv6, and the director defends the VIP
// with an unsolicited NA that tshark reads on the client's wire (and the
// realserver's DAD fails: the VIP stays the director's). A realserver whose
// kernel answers NS for the VIP (solicited NA, S=1: the twin of an ARP reply)
// is defended at once, not after the handover grace an unsolicited NA waits.
import t from 'tap';
import { join } from 'node:path';
import { createLab, REPO_ROOT, run, silenceKernelArp, skipUnlessRoot, sleep, startCapture, startDaemon, waitFor, type Lab } from './lab.js';
import { frameFields } from './lab-ndp.js';
import { ndiscAnswerers } from './lab-ndp-director.js';
import { loadSchemas } from './json-schemas.js';

const CTL = join(REPO_ROOT, 'dist', 'cli', 'vip-arpctl.js');
const VIP6 = '2001:db8:100::10';
const CLIENT6 = '2001:db8:100::1';

interface ConflictRow {
  vip: string;
  family: string;
  mac: string;
  kind: string;
  kinds: Record<string, number>;
  lastDefended: string | null;
  count: number;
}

/**
 * Director `a` of `lab`: the VIP on lo (nodad), the kernel quiet for ARP, vip-arpd MASTER for it with
 * `diagnostics`. Returns vip-arpctl against it: the parsed `--json` output, or the text with `json` false.
 */
async function startDirector(lab: Lab, diagnostics: object): Promise<(args: string[], json?: boolean) => Promise<unknown>> {
  await lab.exec('a', 'ip', ['-6', 'addr', 'add', `${VIP6}/128`, 'dev', 'lo', 'nodad'], { check: true });
  await silenceKernelArp(lab, 'a', ['all', 'eth0']);
  const dir = lab.tempDir();
  const sock = join(dir, 'ctl.sock');
  await startDaemon(
    lab,
    'a',
    {
      groups: [{ name: 'web', interface: 'eth0', vips: [VIP6], initialRole: 'master', garp: { count: 1, delayMs: 0 } }],
      stateFile: join(dir, 'state.json'),
      control: { socket: sock },
      watch: { enabled: false },
      diagnostics,
    },
    { dir },
  );
  return async (args, json = true) => {
    const out = (await run(process.execPath, [CTL, '--socket', sock, ...(json ? ['--json'] : []), ...args], { check: true })).stdout;
    return json ? JSON.parse(out) : out;
  };
}

/** The NAs for the VIP from `mac` in capture `file`, sent at or after `sinceMs` (epoch ms). */
async function nasForVipSince(file: string, mac: string, sinceMs: number): Promise<Array<Record<string, string>>> {
  const fields = ['frame.time_epoch', 'ipv6.dst', 'icmpv6.nd.na.flag.s', 'icmpv6.nd.na.flag.o', 'icmpv6.opt.linkaddr', 'icmpv6.checksum.status'];
  const nas = await frameFields(file, `icmpv6.type == 136 && eth.src == ${mac} && icmpv6.nd.na.target_address == ${VIP6}`, fields);
  return nas.filter((n) => Number(n['frame.time_epoch']) * 1000 >= sinceMs);
}

/** What a defence (or any announcement) from `mac` is: an unsolicited NA to all nodes, S=0 O=1, its MAC as Target LLA, checksum good. */
function unsolicitedNaFrom(mac: string): Record<string, string | RegExp> {
  return {
    'ipv6.dst': 'ff02::1',
    'icmpv6.nd.na.flag.s': /^(0|False)$/,
    'icmpv6.nd.na.flag.o': /^(1|True)$/,
    'icmpv6.opt.linkaddr': mac,
    'icmpv6.checksum.status': '1',
  };
}

t.test('a realserver with the IPv6 VIP on eth0: conflict shown with family ipv6 and defended by unsolicited NA', async (t) => {
  if (skipUnlessRoot(t, ['tshark', 'ping'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'a', ip: '192.0.2.11/24' },
      { name: 'r', ip: '192.0.2.21/24' },
      { name: 'c', ip: '192.0.2.1/24' },
    ],
    disableIpv6: false,
  });
  await lab.exec('c', 'ip', ['-6', 'addr', 'add', `${CLIENT6}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  // Each of the two claims below is defended, not suppressed as a repeat within the interval.
  const ctl = await startDirector(lab, { defendIntervalMs: 100 });
  const conflicts = async (): Promise<ConflictRow[]> => ((await ctl(['conflicts'])) as { conflicts: ConflictRow[] }).conflicts;
  await sleep(300); // the start-up round is out
  const cap = await startCapture(lab, 'c', 'eth0', 'icmp6');
  const rsMac = lab.mac('r');

  // 1. The realserver configures the VIP on eth0: its kernel probes for it (DAD, from ::).
  const claimedAt = Date.now();
  await lab.exec('r', 'ip', ['-6', 'addr', 'add', `${VIP6}/64`, 'dev', 'eth0'], { check: true });
  const dad = await waitFor(async () => (await conflicts()).find((c) => c.mac === rsMac && (c.kinds['dad-probe'] ?? 0) > 0), {
    timeoutMs: 5000,
    what: 'the DAD probe as a conflict',
  });
  t.match(dad, { vip: VIP6, family: 'ipv6', mac: rsMac, lastDefended: String }, 'the DAD probe is a conflict of family ipv6, defended');
  const flags = await waitFor(
    async () => {
      const r = await lab.exec('r', 'ip', ['-j', '-6', 'addr', 'show', 'dev', 'eth0']);
      const addr = (JSON.parse(r.stdout) as Array<{ addr_info: Array<{ local: string; dadfailed?: boolean; tentative?: boolean }> }>)[0]?.addr_info.find(
        (a) => a.local === VIP6,
      );
      return addr?.dadfailed === true ? 'dadfailed' : undefined;
    },
    { timeoutMs: 5000, what: "the realserver's DAD to fail" },
  );
  t.equal(flags, 'dadfailed', "the director's answer failed the realserver's DAD: the VIP stays the director's");

  // 2. Configured without DAD, its kernel uses the VIP as the source of its own NS (the IPv6 form of "who-has … tell VIP").
  await lab.exec('r', 'ip', ['-6', 'addr', 'del', `${VIP6}/64`, 'dev', 'eth0'], { check: true });
  await lab.exec('r', 'ip', ['-6', 'addr', 'add', `${VIP6}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  await sleep(200);
  await lab.exec('r', 'ping', ['-6', '-c', '1', '-W', '1', '-I', VIP6, CLIENT6]);
  const leak = await waitFor(async () => (await conflicts()).find((c) => c.mac === rsMac && (c.kinds['solicitation-source'] ?? 0) > 0), {
    timeoutMs: 5000,
    what: 'the NS from the VIP as a conflict',
  });
  t.match(leak, { vip: VIP6, family: 'ipv6', kinds: { 'dad-probe': Number, 'solicitation-source': Number } }, 'one pair, both kinds counted');
  const status = (await ctl(['status'])) as {
    conflicts: { active: number; latest: ConflictRow[]; counters: { defencesSent: number } };
  };
  t.match(status.conflicts, { active: 1, latest: [{ vip: VIP6, family: 'ipv6', mac: rsMac }] }, 'status shows the IPv6 conflict like an ARP one');
  t.ok(status.conflicts.counters.defencesSent >= 2, `both claims defended (${status.conflicts.counters.defencesSent} defences)`);
  const text = (await ctl(['conflicts'], false)) as string;
  t.match(text, new RegExp(`${VIP6.replace(/\./g, '\\.')}\\s+${rsMac}`), 'the conflicts table lists the IPv6 VIP and the realserver MAC');

  await sleep(300);
  await cap.stop();
  const after = await nasForVipSince(cap.file, lab.mac('a'), claimedAt - 50);
  // The DAD answer (the responder's) is one NA; each defence another.
  t.ok(after.length >= 3, `the director's NAs after the claims: the DAD answer and the defences (${after.length})`);
  for (const n of after) t.match(n, unsolicitedNaFrom(lab.mac('a')), 'unsolicited NA from the director: S=0 O=1, its MAC, checksum good');
});

t.test("a realserver's kernel answering NS for the IPv6 VIP (solicited NA) is defended at once, within the handover grace", async (t) => {
  if (skipUnlessRoot(t, ['tshark', 'ndisc6'])) return;
  const GRACE_MS = 2000;
  const lab = await createLab(t, {
    hosts: [
      { name: 'a', ip: '192.0.2.11/24' },
      { name: 'r', ip: '192.0.2.21/24' },
    ],
    disableIpv6: false,
  });
  const ctl = await startDirector(lab, { handoverGraceMs: GRACE_MS });
  // The realserver's mistake: the VIP on eth0 (nodad, so no DAD probe claims it first; ndisc_notify is off, so no unsolicited NA either).
  await lab.exec('r', 'ip', ['-6', 'addr', 'add', `${VIP6}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  await sleep(300); // the start-up round is out
  t.same(((await ctl(['conflicts'])) as { conflicts: ConflictRow[] }).conflicts, [], 'no conflict before anyone solicits the VIP');
  const cap = await startCapture(lab, 'a', 'eth0', 'icmp6');
  const rsMac = lab.mac('r');
  const dirMac = lab.mac('a');

  // Somebody solicits the VIP and the realserver's kernel answers. A solicited NA is unicast to its
  // solicitor, and the director's socket takes only frames addressed to it (one flooded to another
  // host is PACKET_OTHERHOST, ignored as the kernel does), so the solicitor is on the director's
  // host: ndisc6, as an operator checking who answers would run it (vip-arpd ignores outgoing
  // frames, so only the realserver answers it). Retried until eth0's link-local address is past DAD.
  const answerers = await waitFor(
    async () => {
      const macs = await ndiscAnswerers(lab, 'a', VIP6);
      return macs.includes(rsMac) ? macs : undefined;
    },
    { timeoutMs: 10_000, what: "the realserver's answer to ndisc6" },
  );
  t.same(answerers, [rsMac], "only the realserver's kernel answers ndisc6's NS");
  const row = await waitFor(async () => ((await ctl(['conflicts'])) as { conflicts: ConflictRow[] }).conflicts.find((c) => c.mac === rsMac), {
    timeoutMs: 3000,
    what: 'the solicited NA as a conflict',
  });
  await sleep(GRACE_MS + 500); // a grace opened by the answer would run out in here, with a second NA
  await cap.stop();

  const answer = await frameFields(
    cap.file,
    `icmpv6.type == 136 && eth.src == ${rsMac} && icmpv6.nd.na.target_address == ${VIP6} && icmpv6.nd.na.flag.s == 1`,
    ['frame.time_epoch', 'eth.dst', 'icmpv6.opt.linkaddr'],
  );
  t.ok(answer.length >= 1, `the realserver's solicited NA (S=1) is on the wire (${answer.length})`);
  t.match(answer[0], { 'eth.dst': dirMac, 'icmpv6.opt.linkaddr': rsMac }, 'unicast to the director, advertising the realserver MAC');
  const answeredAt = Number(answer[0]!['frame.time_epoch']) * 1000;
  const defences = await nasForVipSince(cap.file, dirMac, answeredAt);
  t.equal(defences.length, 1, 'one defence (the limiter holds the rest): none when a grace would have run out');
  const delayMs = Number(defences[0]?.['frame.time_epoch']) * 1000 - answeredAt;
  t.ok(delayMs < GRACE_MS / 2, `the director's NA follows the realserver's answer ${delayMs.toFixed(1)} ms later, well within the ${GRACE_MS} ms grace`);
  t.match(defences[0], unsolicitedNaFrom(dirMac), 'the defence: an unsolicited NA (S=0, O=1) with the director MAC, checksum good');

  t.match(
    row,
    {
      vip: VIP6,
      family: 'ipv6',
      mac: rsMac,
      kind: 'solicited-advertisement',
      kinds: { 'solicited-advertisement': Number, advertisement: 0 },
      lastDefended: String,
    },
    'conflicts names it a solicited-advertisement, defended',
  );
  const conflicts = (await ctl(['conflicts'])) as { conflicts: Array<ConflictRow & { splitBrain: string | null }>; splitBrains: unknown[] };
  const status = (await ctl(['status'])) as {
    conflicts: { latest: ConflictRow[]; splitBrains: unknown[]; counters: { defencesSent: number; splitBrains: number } };
  };
  t.match(conflicts, { conflicts: [{ mac: rsMac, kind: 'solicited-advertisement', splitBrain: null }], splitBrains: [] }, 'no grace, so no split brain');
  t.match(status.conflicts, { latest: [{ vip: VIP6, kind: 'solicited-advertisement' }], splitBrains: [], counters: { defencesSent: 1, splitBrains: 0 } });
  const validate = loadSchemas();
  t.same(validate('conflicts', conflicts), [], 'conflicts --json with the new kind matches docs/schema');
  t.same(validate('status', status), [], 'status --json likewise');
  t.match(await ctl(['conflicts'], false), /solicited-advertisement/, 'the conflicts table shows the kind');
});
