// End-to-end proof of the IPv6 diagnostics (issue 13, docs/diagnostics.md)
// against the real daemon: vip-arpd runs in the director's namespace with a
// dual-stack config (an IPv4 and an IPv6 VIP in one group) and
// `vip-arpctl doctor` / `vip-arpctl probe <IPv6 VIP>` (human and --json,
// validated against docs/schema) ask it. `probe` solicits from the
// director's link-local address and lists every MAC that answers (none, one,
// two realserver kernels with the VIP on their eth0), refuses clearly without
// a link-local address; `doctor` judges good and bad IPv6 setups of the
// director's kernel, its fix lines repair them, and whether the kernel
// answers NS for the VIP (asked by a second vip-arpd's probe on a
// realserver) is what doctor said; once MASTER, vip-arpd answers and that
// probe lists the director's MAC.
import t, { type Test } from 'tap';
import { createLab, CTL_ENTRY, run, skipUnlessRoot, startCapture, startControlledDaemon, waitFor, type DoctorCheck, type Lab } from './lab.js';
import { loadSchemas } from './json-schemas.js';

const VIP = '2001:db8::10';
const VIP4 = '198.51.100.10';
const schemaErrors = loadSchemas();

interface Responder {
  mac: string;
  ours: boolean;
  replies: number;
  fix?: string;
}
interface ProbeData {
  clean: boolean;
  ok: boolean;
  sources6?: Record<string, string>;
  vips: Array<{ vip: string; clean: boolean; responders: Responder[] }>;
}
interface CtlResult<T> {
  code: number;
  stdout: string;
  stderr: string;
  data?: T;
  error?: { code: string; message: string };
}
type Ctl = <T>(args: string[]) => Promise<CtlResult<T>>;

/**
 * Starts vip-arpd on `host` (group web on eth0: VIP4 and VIP, BACKUP) and
 * returns a vip-arpctl for it. --json output is checked against docs/schema.
 */
async function startVipArpd(lab: Lab, host: string): Promise<Ctl> {
  const { socket } = await startControlledDaemon(
    lab,
    host,
    { groups: [{ name: 'web', interface: 'eth0', vips: [VIP4, VIP], initialRole: 'backup', garp: { count: 1, delayMs: 0 } }] },
    { prefix: 'vip-arpd-diag6-' },
  );
  return async <T>(args: string[]): Promise<CtlResult<T>> => {
    const r = await run(process.execPath, [CTL_ENTRY, '--socket', socket, '--timeout', '20000', ...args], { timeoutMs: 25_000 });
    const out: CtlResult<T> = { code: r.code, stdout: r.stdout, stderr: r.stderr };
    if (!args.includes('--json')) return out;
    const json = JSON.parse(r.stdout) as T & { code?: string; message?: string };
    if (r.code === 1) return { ...out, error: json as { code: string; message: string } };
    const command = args.find((a) => !a.startsWith('-'))!;
    const errors = schemaErrors(command, json);
    if (errors.length > 0) throw new Error(`${command} output does not match docs/schema/${command}.schema.json: ${JSON.stringify(errors)}`);
    return { ...out, data: json };
  };
}

/** The director's eth0 link-local address once DAD is done (not tentative). */
async function linkLocal(lab: Lab, host: string): Promise<string> {
  return waitFor(
    async () => {
      const r = await lab.exec(host, 'ip', ['-6', '-j', 'addr', 'show', 'dev', 'eth0', 'scope', 'link'], { check: true });
      const info = (JSON.parse(r.stdout) as Array<{ addr_info: Array<{ local: string; tentative?: boolean }> }>)[0]?.addr_info ?? [];
      return info.find((a) => a.tentative !== true)?.local;
    },
    { timeoutMs: 10_000, what: `${host}'s link-local address` },
  );
}

async function makeLab(t: Test): Promise<Lab> {
  const hosts = [
    { name: 'dir', ip: '192.0.2.10/24' },
    { name: 'rs1', ip: '192.0.2.21/24' },
    { name: 'rs2', ip: '192.0.2.22/24' },
  ];
  const lab = await createLab(t, { hosts, disableIpv6: false });
  for (const h of lab.hosts) await linkLocal(lab, h);
  return lab;
}

t.test('probe for an IPv6 VIP: NS from the link-local address, every answering MAC listed', async (t) => {
  if (skipUnlessRoot(t, ['tshark'])) return;
  const lab = await makeLab(t);
  const dirLinkLocal = await linkLocal(lab, 'dir');
  const ctl = await startVipArpd(lab, 'dir');
  const probe = async (desc: string, want: string[]) => {
    const r = await ctl<ProbeData>(['--json', 'probe', VIP, '--window', '500']);
    t.notOk(r.error, `${desc}: no error ${JSON.stringify(r.error)}`);
    t.equal(r.code, want.length === 0 ? 0 : 4, `${desc}: vip-arpctl probe exits ${want.length === 0 ? 0 : 4}`);
    const v = r.data?.vips[0];
    t.same(v?.responders.map((x) => x.mac).sort(), [...want].sort(), `${desc}: responders ${want.join(', ') || 'none'}`);
    t.equal(r.data?.clean, want.length === 0, `${desc}: clean=${want.length === 0}`);
    t.same(r.data?.sources6, { eth0: dirLinkLocal }, `${desc}: solicited from ${dirLinkLocal}`);
    for (const x of v?.responders ?? [])
      t.match(x, { ours: false, fix: /ip -6 addr del 2001:db8::10\/<len> dev eth0/ }, `${desc}: ${x.mac} is foreign, with the fix`);
    return r;
  };

  const cap = await startCapture(lab, 'dir', 'eth0', 'icmp6');
  await probe('nobody has the VIP', []);
  const frames = await cap.stop();
  const ns = frames.filter((f) => (f.raw['icmpv6'] as Record<string, unknown> | undefined)?.['icmpv6.type'] === '135');
  t.ok(ns.length >= 1, `the capture holds ${ns.length} NS`);
  const ipv6 = ns[0]?.raw['ipv6'] as Record<string, unknown> | undefined;
  const icmp = ns[0]?.raw['icmpv6'] as Record<string, unknown> | undefined;
  t.equal(ipv6?.['ipv6.src'], dirLinkLocal, 'the NS came from the link-local address');
  t.equal(ipv6?.['ipv6.dst'], 'ff02::1:ff00:10', "to the VIP's solicited-node group");
  t.equal(ipv6?.['ipv6.hlim'], '255', 'hop limit 255');
  t.equal(ns[0]?.ethDst, '33:33:ff:00:00:10', 'to its 33:33:ff MAC');
  t.equal(ns[0]?.ethSrc, lab.mac('dir'), "from the director's MAC");
  t.equal(icmp?.['icmpv6.nd.ns.target_address'], VIP, 'target: the VIP');
  t.match(JSON.stringify(icmp), new RegExp(`"icmpv6.opt.linkaddr":"${lab.mac('dir')}"`), "Source LLA option: the director's MAC");
  t.equal(icmp?.['icmpv6.checksum.status'], '1', 'a correct ICMPv6 checksum');

  await lab.exec('rs1', 'ip', ['-6', 'addr', 'add', `${VIP}/128`, 'dev', 'eth0', 'nodad'], { check: true });
  await probe('one kernel has the VIP on eth0', [lab.mac('rs1')]);
  const human = await ctl(['probe', VIP, '--window', '500']);
  t.equal(human.code, 4, 'human probe exits 4 (a foreign responder)');
  t.match(human.stdout, new RegExp(`${lab.mac('rs1')} .*NOT OURS`), 'human output names the MAC as not ours');
  t.match(human.stdout, new RegExp(`asked from .*${dirLinkLocal} on eth0`), 'human output names the link-local source');

  await lab.exec('rs2', 'ip', ['-6', 'addr', 'add', `${VIP}/128`, 'dev', 'eth0', 'nodad'], { check: true });
  await probe('two kernels have the VIP on eth0', [lab.mac('rs1'), lab.mac('rs2')]);

  await lab.exec('rs1', 'ip', ['-6', 'addr', 'del', `${VIP}/128`, 'dev', 'eth0'], { check: true });
  await lab.exec('rs1', 'ip', ['-6', 'addr', 'add', `${VIP}/128`, 'dev', 'lo', 'nodad'], { check: true });
  await probe('rs1 fixed (VIP on lo)', [lab.mac('rs2')]);
  const byGroup = await ctl<ProbeData>(['--json', 'probe', 'web', '--window', '300']);
  t.same(
    byGroup.data?.vips.find((v) => v.vip === VIP)?.responders.map((x) => x.mac),
    [lab.mac('rs2')],
    'probe by group name solicits its IPv6 VIP',
  );
  t.ok(
    byGroup.data?.vips.some((v) => v.vip === VIP4),
    'and ARPs for its IPv4 VIP in the same probe',
  );

  await lab.exec('dir', 'ip', ['-6', 'addr', 'flush', 'dev', 'eth0', 'scope', 'link'], { check: true });
  const none = await ctl<ProbeData>(['--json', 'probe', VIP, '--window', '200']);
  t.equal(none.code, 1, 'refused: exit 1');
  t.match(none.error, { code: 'ENOLINKLOCAL', message: /eth0 has no usable IPv6 link-local address.*disable_ipv6/ }, 'no link-local address: a clear error');
});

t.test('doctor judges IPv6 setups of a real director; its fixes repair them; the kernel answers NS exactly when it says so', async (t) => {
  if (skipUnlessRoot(t, [])) return;
  const lab = await makeLab(t);
  const ctl = await startVipArpd(lab, 'dir');
  // A second vip-arpd (BACKUP, silent) on rs1, only to probe the director's kernel from the LAN.
  const rs1Ctl = await startVipArpd(lab, 'rs1');
  const checks6 = new Set(['vip6-local', 'vip6-off-wire', 'kernel-ndp-silent', 'proxy_ndp', 'disable_ipv6', 'forwarding6']);
  const doctor = async (): Promise<DoctorCheck[]> => {
    const r = await ctl<{ checks: DoctorCheck[] }>(['--json', 'doctor']);
    t.notOk(r.error, JSON.stringify(r.error));
    return (r.data?.checks ?? []).filter((c) => checks6.has(c.check));
  };
  const problems = (checks: DoctorCheck[]) =>
    checks
      .filter((c) => c.status !== 'pass')
      .map((c) => `${c.check} ${c.status}`)
      .sort();
  /**
   * Does the director's kernel answer NS for the VIP on eth0? The probe, run
   * on rs1, asks and lists who answered. (Not ndisc6: it ignores a proxy's
   * NA, which has O=0.) 1.5 s: a proxy delays its answer up to proxy_delay (0.8 s).
   */
  const kernelAnswers = async (): Promise<boolean> => {
    const r = await rs1Ctl<ProbeData>(['--json', 'probe', VIP, '--window', '1500']);
    t.notOk(r.error, `probe from rs1: ${JSON.stringify(r.error)}`);
    return r.data?.vips[0]?.responders.some((x) => x.mac === lab.mac('dir')) === true;
  };
  /**
   * Runs the `ip`/`sysctl -w` fix lines of `check`'s non-pass verdicts in the
   * director's namespace (not the sysctl.d line: /etc is the host's).
   */
  const applyFixes = async (checks: DoctorCheck[], check: string) => {
    const lines = checks
      .filter((c) => c.check === check && c.status !== 'pass')
      .flatMap((c) => c.fix)
      .filter((l) => /^(ip|sysctl -w) /.test(l));
    t.ok(lines.length > 0, `${check} gives fix lines: ${JSON.stringify(lines)}`);
    for (const line of lines) await lab.exec('dir', 'sh', ['-c', line], { check: true });
  };

  // Missing on a BACKUP: a warning, and the fix puts it on lo with nodad.
  let c = await doctor();
  t.same(problems(c), ['vip6-local warn'], 'VIP nowhere: vip6-local warns (BACKUP)');
  await applyFixes(c, 'vip6-local');
  c = await doctor();
  t.same(problems(c), [], `good: the VIP /128 nodad on lo passes every IPv6 check: ${JSON.stringify(c.filter((x) => x.status !== 'pass'))}`);
  t.match(
    c.find((x) => x.check === 'kernel-ndp-silent')?.message,
    /\/proc\/net\/if_inet6.*\/proc\/net\/anycast6.*ip -6 neigh show proxy/,
    'kernel-ndp-silent names the facts that prove it',
  );
  t.match(c.find((x) => x.check === 'forwarding6')?.message, /forwarding is 0: .*R=0/);
  t.equal(await kernelAnswers(), false, 'and indeed the kernel does not answer NS for the VIP');

  // On the wire interface: the kernel answers, doctor fails it, the fix moves it back.
  await lab.exec('dir', 'ip', ['-6', 'addr', 'add', `${VIP}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  c = await doctor();
  t.same(problems(c), ['kernel-ndp-silent fail', 'vip6-off-wire fail'], 'VIP on eth0: vip6-off-wire and kernel-ndp-silent fail');
  t.equal(await kernelAnswers(), true, 'and indeed the kernel answers NS for it');
  const human = await ctl(['doctor']);
  t.equal(human.code, 4, 'vip-arpctl doctor exits 4 on a failed check');
  t.match(human.stdout, /vip6-off-wire[\s\S]*ip -6 addr del 2001:db8::10\/64 dev eth0/, 'human output gives the fix line');
  await applyFixes(c, 'vip6-off-wire');
  c = await doctor();
  t.same(problems(c), [], 'fixed');
  t.equal(await kernelAnswers(), false, 'the kernel is silent again');

  // Without nodad: a warning, repaired in place.
  await lab.exec('dir', 'ip', ['-6', 'addr', 'change', `${VIP}/128`, 'dev', 'lo'], { check: true });
  c = await doctor();
  t.same(problems(c), ['vip6-local warn'], 'no nodad: vip6-local warns');
  t.match(c.find((x) => x.status === 'warn')?.message, /lack nodad/);
  await applyFixes(c, 'vip6-local');
  t.same(problems(await doctor()), [], 'nodad set again');

  // A proxy entry: dormant while forwarding is off, answered once it is on.
  await lab.exec('dir', 'ip', ['-6', 'neigh', 'add', 'proxy', VIP, 'dev', 'eth0'], { check: true });
  await lab.sysctl('dir', 'net.ipv6.conf.eth0.proxy_ndp', 1);
  c = await doctor();
  t.same(problems(c), ['proxy_ndp warn'], 'proxy entry with forwarding off: a dormant warning');
  t.equal(await kernelAnswers(), false, 'and the kernel does not answer yet');
  await lab.sysctl('dir', 'net.ipv6.conf.eth0.forwarding', 1);
  c = await doctor();
  t.same(problems(c), ['kernel-ndp-silent fail', 'proxy_ndp fail'], 'forwarding on: proxy_ndp and kernel-ndp-silent fail');
  t.match(c.find((x) => x.check === 'forwarding6')?.message, /forwarding is 1: .*R=1/, 'forwarding6 says the NAs carry R=1');
  t.equal(await kernelAnswers(), true, 'and indeed the kernel answers NS for it as a proxy');
  await applyFixes(c, 'proxy_ndp');
  c = await doctor();
  t.same(problems(c), [], 'proxy entry removed');
  t.equal(await kernelAnswers(), false, 'the kernel is silent again');

  // IPv6 off on the wire interface.
  await lab.sysctl('dir', 'net.ipv6.conf.eth0.disable_ipv6', 1);
  c = await doctor();
  t.same(problems(c), ['disable_ipv6 fail'], 'disable_ipv6=1: fails');
  await applyFixes(c, 'disable_ipv6');
  t.same(problems(await doctor()), [], 'IPv6 enabled again');

  // MASTER: now vip-arpd answers NS for the VIP (the kernel stays silent, as doctor says).
  t.equal((await ctl(['takeover', 'web'])).code, 0, 'takeover');
  t.same(problems(await doctor()), [], 'MASTER on a good setup: every IPv6 check passes');
  const fromRs1 = await waitFor(
    async () => {
      const r = await rs1Ctl<ProbeData>(['--json', 'probe', VIP, '--window', '500']);
      return (r.data?.vips[0]?.responders.length ?? 0) > 0 ? r : undefined;
    },
    { timeoutMs: 10_000, what: 'an NA for the VIP from the MASTER' },
  );
  t.same(
    fromRs1.data?.vips[0]?.responders.map((x) => x.mac),
    [lab.mac('dir')],
    "a probe from rs1 lists the director's MAC, answered by vip-arpd",
  );
  // disable_ipv6 was just undone: eth0's new link-local address is tentative
  // until its DAD ends, and the probe refuses (ENOLINKLOCAL) until then.
  const own = await waitFor(
    async () => {
      const r = await ctl<ProbeData>(['--json', 'probe', VIP, '--window', '500']);
      return JSON.stringify(r.error ?? {}).includes('ENOLINKLOCAL') ? undefined : r;
    },
    { timeoutMs: 10_000, what: "a usable link-local address on the director's eth0" },
  );
  t.notOk(own.error, `the MASTER's own probe: no error ${JSON.stringify(own.error)}`);
  t.equal(own.data?.clean, true, "the MASTER's own probe is clean");
  t.ok(
    own.data?.vips[0]?.responders.every((x) => x.ours),
    `and lists no foreign MAC: ${JSON.stringify(own.data?.vips[0]?.responders)}`,
  );
});
