import t from 'tap';
import { parseProbeArgs, DEFAULT_PROBE_WINDOW_MS } from '../../src/diagnostics/probe.js';
import { probeVerdicts, type ProbeTarget, type ReplyCounts } from '../../src/diagnostics/probe-result.js';
import { parseIpv4 } from '../../src/wire/ipv4.js';
import { parseMac } from '../../src/wire/mac.js';

const ip = (s: string): number => parseIpv4(s)!;
const mac = (s: string): number => parseMac(s)!;

t.test('parseProbeArgs', async (t) => {
  const cases: Array<{ args: string[]; want?: { target: string; windowMs: number }; code?: string }> = [
    { args: ['198.51.100.10'], want: { target: '198.51.100.10', windowMs: DEFAULT_PROBE_WINDOW_MS } },
    { args: ['web', '--window', '250'], want: { target: 'web', windowMs: 250 } },
    { args: ['--window', '2000', 'web'], want: { target: 'web', windowMs: 2000 } },
    { args: [], code: 'EUSAGE' },
    { args: ['web', '--window'], code: 'EUSAGE' },
    { args: ['web', '--window', '10'], code: 'EUSAGE' },
    { args: ['web', '--window', '99999'], code: 'EUSAGE' },
    { args: ['web', 'mail'], code: 'EUSAGE' },
    { args: ['web', '--json'], code: 'EUSAGE' },
  ];
  for (const c of cases) {
    if (c.want) t.same(parseProbeArgs(c.args), c.want, c.args.join(' '));
    else t.throws(() => parseProbeArgs(c.args), { code: c.code }, c.args.join(' ') || '(none)');
  }
});

t.test('probeVerdicts flags every MAC that is not this director or a peer', async (t) => {
  const VIP = ip('198.51.100.10');
  const IFACE = mac('02:00:00:00:00:01');
  const VRRP = mac('00:00:5e:00:01:0a');
  const PEER = mac('02:00:00:00:00:02');
  const RS = mac('02:00:00:00:00:20');
  const target: ProbeTarget = { vip: VIP, iface: 'eth0', group: 'web', role: 'BACKUP', groupMac: VRRP, interfaceMac: IFACE };
  const ipOf = (m: number): string | null => (m === RS ? '192.0.2.20' : null);
  const cases: Array<{ desc: string; macs: Array<[number, number]>; clean: boolean; want: Array<Record<string, unknown>> }> = [
    { desc: 'nobody answered', macs: [], clean: true, want: [] },
    {
      desc: 'the peer director (MASTER) answered',
      macs: [[PEER, 2]],
      clean: true,
      want: [{ mac: '02:00:00:00:00:02', ours: true, reason: 'peer', replies: 2, ip: null }],
    },
    { desc: 'the group MAC answered', macs: [[VRRP, 1]], clean: true, want: [{ mac: '00:00:5e:00:01:0a', ours: true, reason: 'group-mac' }] },
    {
      desc: 'a realserver answered beside the peer',
      macs: [
        [RS, 2],
        [PEER, 2],
      ],
      clean: false,
      // foreign responders first: they are what the operator must act on
      want: [
        { mac: '02:00:00:00:00:20', ip: '192.0.2.20', ours: false, replies: 2, fix: /arp_ignore=1.*arp_announce=2/ },
        { mac: '02:00:00:00:00:02', ours: true },
      ],
    },
  ];
  for (const c of cases) {
    const replies: ReplyCounts = new Map([[VIP, new Map(c.macs)]]);
    const [v] = probeVerdicts([target], replies, new Set([PEER]), ipOf);
    t.equal(v!.clean, c.clean, `${c.desc}: clean=${c.clean}`);
    t.match(v!.responders, c.want, `${c.desc}: responders`);
    t.equal(v!.responders.length, c.want.length);
  }
});

t.test('vip-arpctl renderers and verdict', async (t) => {
  const { DIAGNOSTICS_RENDERERS, verdictFailed } = await import('../../src/diagnostics/format.js');
  const { PLAIN } = await import('../../src/control/text-style.js');
  const ctx = { now: Date.now(), style: PLAIN };
  const probe = {
    clean: false,
    ok: false,
    windowMs: 1000,
    sources: { eth0: '192.0.2.10' },
    vips: [
      {
        vip: '198.51.100.10',
        iface: 'eth0',
        group: 'web',
        role: 'BACKUP',
        clean: false,
        responders: [{ mac: '02:00:00:00:00:20', ip: '192.0.2.20', ours: false, replies: 2, fix: 'on that host: sysctl …' }],
      },
    ],
  };
  const text = DIAGNOSTICS_RENDERERS['probe']!(probe, ctx);
  t.match(text, /02:00:00:00:00:20 {2}192\.0\.2\.20 +NOT OURS {2}2 replies/);
  t.match(text, /fix: on that host/);
  t.match(text, /NOT CLEAN/);
  const doctor = {
    ok: false,
    summary: { pass: 1, warn: 0, fail: 1 },
    checks: [
      { check: 'interface', subject: 'eth0', status: 'pass', message: 'fine', fix: [] },
      { check: 'arp_ignore', subject: 'eth0', status: 'fail', message: 'arp_ignore is 0', fix: ['sysctl -w net.ipv4.conf.eth0.arp_ignore=1'] },
    ],
  };
  t.match(
    DIAGNOSTICS_RENDERERS['doctor']!(doctor, ctx),
    /^FAIL {2}arp_ignore \(eth0\): arp_ignore is 0\n {6}fix: sysctl -w net\.ipv4\.conf\.eth0\.arp_ignore=1\nPASS/,
  );
  t.match(
    DIAGNOSTICS_RENDERERS['conflicts']!({ total: 0, frames: 0, defencesSent: 0, conflicts: [], cleared: false }, ctx),
    /^no conflicts \(0 conflicting frames since start\)$/,
  );
  const cases = [
    { data: doctor, want: true },
    { data: { ...doctor, ok: true }, want: false },
    { data: probe, want: true },
    { data: { total: 0 }, want: false },
    { data: 'text', want: false },
    { data: null, want: false },
  ];
  for (const c of cases) t.equal(verdictFailed(c.data), c.want, JSON.stringify(c.data).slice(0, 40));
});
