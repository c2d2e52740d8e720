// An IPv6 VIP conflict for real (issue 13, "Diagnostics"): a realserver whose
// eth0 has the VIP, as a misconfigured LVS-DR realserver does, beside a
// MASTER director. Its kernel's DAD probe for the VIP, and later its NS with
// the VIP as source, are foreign claims: `vip-arpctl conflicts` and `status`
// show them like ARP ones, with family ipv6, and the director defends the VIP
// with an unsolicited NA that tshark reads on the client's wire (and the
// realserver's DAD fails: the VIP stays the director's).
import t from 'tap';
import { join } from 'node:path';
import { createLab, REPO_ROOT, run, silenceKernelArp, skipUnlessRoot, sleep, startCapture, startDaemon, waitFor } from './lab.js';
import { frameFields } from './lab-ndp.js';

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
  await lab.exec('a', 'ip', ['-6', 'addr', 'add', `${VIP6}/128`, 'dev', 'lo', 'nodad'], { check: true });
  await silenceKernelArp(lab, 'a', ['all', 'eth0']);
  await lab.exec('c', 'ip', ['-6', 'addr', 'add', `${CLIENT6}/64`, 'dev', 'eth0', 'nodad'], { check: true });
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
      // Each of the two claims below is defended, not suppressed as a repeat within the interval.
      diagnostics: { defendIntervalMs: 100 },
    },
    { dir },
  );
  const conflicts = async (): Promise<ConflictRow[]> =>
    (JSON.parse((await run(process.execPath, [CTL, '--socket', sock, '--json', 'conflicts'], { check: true })).stdout) as { conflicts: ConflictRow[] })
      .conflicts;
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
  const status = JSON.parse((await run(process.execPath, [CTL, '--socket', sock, '--json', 'status'], { check: true })).stdout) as {
    conflicts: { active: number; latest: ConflictRow[]; counters: { defencesSent: number } };
  };
  t.match(status.conflicts, { active: 1, latest: [{ vip: VIP6, family: 'ipv6', mac: rsMac }] }, 'status shows the IPv6 conflict like an ARP one');
  t.ok(status.conflicts.counters.defencesSent >= 2, `both claims defended (${status.conflicts.counters.defencesSent} defences)`);
  const text = (await run(process.execPath, [CTL, '--socket', sock, 'conflicts'], { check: true })).stdout;
  t.match(text, new RegExp(`${VIP6.replace(/\./g, '\\.')}\\s+${rsMac}`), 'the conflicts table lists the IPv6 VIP and the realserver MAC');

  await sleep(300);
  await cap.stop();
  const nas = await frameFields(cap.file, `icmpv6.type == 136 && eth.src == ${lab.mac('a')} && icmpv6.nd.na.target_address == ${VIP6}`, [
    'frame.time_epoch',
    'ipv6.dst',
    'icmpv6.nd.na.flag.s',
    'icmpv6.nd.na.flag.o',
    'icmpv6.opt.linkaddr',
    'icmpv6.checksum.status',
  ]);
  const after = nas.filter((n) => Number(n['frame.time_epoch']) * 1000 >= claimedAt - 50);
  // The DAD answer (the responder's) is one NA; each defence another.
  t.ok(after.length >= 3, `the director's NAs after the claims: the DAD answer and the defences (${after.length})`);
  for (const n of after) {
    t.match(
      n,
      {
        'ipv6.dst': 'ff02::1',
        'icmpv6.nd.na.flag.s': /^(0|False)$/,
        'icmpv6.nd.na.flag.o': /^(1|True)$/,
        'icmpv6.opt.linkaddr': lab.mac('a'),
        'icmpv6.checksum.status': '1',
      },
      'unsolicited NA from the director: S=0 O=1, its MAC, checksum good',
    );
  }
});
