import t from 'tap';
import { renderHuman } from '../../src/control/human-output.js';
import { PLAIN, textStyle } from '../../src/control/text-style.js';
import { zeroXdpCounts } from '../../src/fastpath/xdp-counters.js';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const plain = { now: NOW, style: PLAIN };
const CORE = {
  daemon: { pid: 42, uptimeSec: 61, startedAt: new Date(NOW - 61_000).toISOString(), generation: 1 },
  groups: [],
  interfaces: [],
};
const status = (fastPath: unknown, ctx = plain): string => renderHuman('status', { ...CORE, fastPath }, ctx);
const EPERM =
  'BPF_PROG_LOAD: Operation not permitted: the XDP fast path needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON (CAP_SYS_ADMIN before Linux 5.8), granted by the unit drop-in systemd/vip-arpd.service.d/xdp.conf.example';

t.test('fastPath: an XDP interface with its answers and the pass reasons that counted, largest first', async (t) => {
  const counts = { ...zeroXdpCounts(), answered: 1_234_567, 'pass:not-request': 4000, 'pass:not-a-vip': 311 };
  const out = status([{ iface: 'eth0', configured: true, mode: 'xdp-native', vlanHint: true, vips: 3, counts }]);
  t.match(out, /^fast path eth0: xdp-native, 3 VIPs, answered 1\.2M, passed 4\.3k \(not-request 4\.0k, not-a-vip 311\)$/m);
  const quiet = status([{ iface: 'eth0', configured: true, mode: 'xdp-generic', vlanHint: false, vips: 1, counts: zeroXdpCounts() }]);
  t.match(quiet, /^fast path eth0: xdp-generic, no VLAN hint, 1 VIP, answered 0, passed 0$/m, 'no VLAN hint said; nothing passed, no reasons');
});

t.test('fastPath: a configured interface left on AF_PACKET says why, cut to one line, and where the fix is', async (t) => {
  const out = status([{ iface: 'eth0', configured: true, mode: 'af_packet', vips: 0, code: 'EPERM', reason: EPERM }]);
  t.match(
    out,
    /^fast path eth0: af_packet \(EPERM: BPF_PROG_LOAD: Operation not permitted: the XDP fast path needs CAP_BPF, .*…; vip-arpctl doctor names the fix\)$/m,
  );
  t.ok(
    out.split('\n').every((l) => l.length <= 150),
    'no line longer than a wide terminal',
  );
  t.match(
    status([{ iface: 'eth0', configured: true, mode: 'af_packet', vips: 0, code: 'EPERM', reason: EPERM }], { now: NOW, style: textStyle(true) }),
    /\x1b\[33mEPERM: /,
    'yellow on a terminal',
  );
});

t.test('fastPath: "fast path off" only when no interface asks for XDP', async (t) => {
  const off = [
    { iface: 'eth0', configured: false, mode: 'af_packet', vips: 0 },
    { iface: 'eth1', configured: false, mode: 'af_packet', vips: 0 },
  ];
  t.match(status(off), /^fast path off$/m);
  t.notMatch(status(off), /eth1/);
  t.match(status([]), /^fast path off$/m, 'no group interface');
  const mixed = status([{ iface: 'eth0', configured: true, mode: 'xdp-native', vlanHint: true, vips: 2, counts: { ...zeroXdpCounts(), answered: 7 } }, off[1]]);
  t.match(mixed, /^fast path eth0: xdp-native, 2 VIPs, answered 7, passed 0\nfast path eth1: af_packet \(not configured for XDP\)$/m, 'one line per interface');
  t.match(status([{ iface: 'eth0', configured: true, mode: 'af_packet', vips: 0 }]), /^fast path eth0: af_packet$/m, 'configured, not attached yet, no reason');
});

t.test('fastPath: fields and verdicts this version does not know are still shown', async (t) => {
  const counts = { ...zeroXdpCounts(), 'pass:qinq': 5 };
  t.match(status([{ iface: 'eth0', configured: true, mode: 'xdp-native', vlanHint: true, vips: 1, counts }]), /passed 5 \(qinq 5\)$/m, 'a newer pass reason');
  t.match(
    status([{ iface: 'eth0', configured: false, mode: 'af_packet', vips: 0, queues: 4 }]),
    /^fast path eth0: af_packet \(not configured for XDP\)\n {2}queues 4$/m,
    'a newer field',
  );
  t.match(status({ eth0: 'xdp' }), /^fastPath: eth0 xdp$/m, 'another shape falls back, readably');
});
