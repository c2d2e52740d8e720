// The fastPath setting, the XDP verdict counters and the fast-path doctor check:
// pure logic. The program itself is proven against real frames in test/e2e/xdp.test.ts.
import t from 'tap';
import { loadConfig } from '../../src/config/load-config.js';
import { fastPathProblem, xdpPolicyFor } from '../../src/config/fast-path.js';
import { XDP_VERDICTS, passedTotal, sumPerCpu, zeroXdpCounts } from '../../src/fastpath/xdp-counters.js';
import { checkFastPath } from '../../src/diagnostics/fast-path-check.js';
import { vipCapacity } from '../../src/fastpath/xdp-program.js';
import type { DoctorFacts } from '../../src/diagnostics/doctor-facts.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

t.test('fastPath: off by default; "xdp", "xdp-generic" or a list of interfaces', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-fastpath-'));
  const file = join(dir, 'c.json');
  const load = (fastPath: unknown, env: NodeJS.ProcessEnv = {}) => {
    writeFileSync(
      file,
      JSON.stringify({ groups: [{ name: 'web', interface: 'eth0', vips: ['198.51.100.10'] }], ...(fastPath === undefined ? {} : { fastPath }) }),
    );
    return loadConfig({ file, env });
  };
  t.equal(load(undefined).fastPath, 'off', 'default off: AF_PACKET only');
  t.equal(load('xdp').fastPath, 'xdp');
  t.same(load(['eth0', 'eth1']).fastPath, ['eth0', 'eth1'], 'a list of interfaces');
  t.equal(load(undefined, { VIP_ARPD_FAST_PATH: 'xdp-generic' }).fastPath, 'xdp-generic', 'from the environment');
  t.throws(() => load('xpd'), /c\.json:1:\d+: fastPath: must be "off", "xdp", "xdp-generic" or a list of interface names; got "xpd"/, 'a typo names the line');
  t.throws(() => load(['eth0', 'bad/name']), /must list interface names/);
  t.throws(() => load({ eth0: 'xdp' }), /fastPath/, 'an object is refused');
  t.equal(fastPathProblem([]), undefined, 'an empty list means off everywhere');

  t.equal(xdpPolicyFor('off', 'eth0'), undefined);
  t.equal(xdpPolicyFor('xdp', 'eth0'), 'auto');
  t.equal(xdpPolicyFor('xdp-generic', 'eth0'), 'generic');
  t.equal(xdpPolicyFor(['eth1'], 'eth0'), undefined, 'an interface not listed stays on AF_PACKET');
  t.equal(xdpPolicyFor(['eth1'], 'eth1'), 'auto');
});

t.test("XDP counters: names in the order of the program's enum; per-CPU values summed", async (t) => {
  const source = readFileSync(new URL('../../native/xdp/arp_xdp.bpf.c', import.meta.url), 'utf8');
  const enumBody = /enum counter \{([\s\S]*?)\};/.exec(source)?.[1] ?? '';
  const names = [...enumBody.matchAll(/^\s*C_([A-Z_]+),/gm)].map((m) => m[1]!).filter((n) => n !== 'COUNT');
  const expected = names.map((n) =>
    n === 'ANSWERED'
      ? 'answered'
      : `pass:${n
          .replace(/^PASS_/, '')
          .toLowerCase()
          .replace(/_/g, '-')}`,
  );
  t.same([...XDP_VERDICTS], expected, 'src/fastpath/xdp-counters.ts lists the C enum in order');

  const buf = Buffer.alloc(24);
  buf.writeBigUInt64LE(5n, 0);
  buf.writeBigUInt64LE(7n, 8);
  buf.writeBigUInt64LE(2n ** 40n, 16);
  t.equal(sumPerCpu(buf, 3, true), 12 + 2 ** 40);
  t.equal(sumPerCpu(buf, 2, true), 12, 'only the possible CPUs');
  const c = zeroXdpCounts();
  c.answered = 10;
  c['pass:not-arp'] = 3;
  c['pass:vlan'] = 2;
  t.equal(passedTotal(c), 5, 'passed = every verdict but answered');
});

t.test('VIP map capacity: at least 65536, a power of two, twice the VIPs', async (t) => {
  t.equal(vipCapacity(0), 65536);
  t.equal(vipCapacity(32768), 65536);
  t.equal(vipCapacity(32769), 131072);
  t.equal(vipCapacity(100_000), 262144);
});

t.test('doctor fast-path check: pass with the mode, warn with the fix, nothing when not configured', async (t) => {
  const facts = (fastPath: DoctorFacts['fastPath']): DoctorFacts => ({
    groups: [],
    sysctl: new Map(),
    interfaces: undefined,
    addresses: undefined,
    socketOpen: new Map(),
    capNetRaw: true,
    fastPath,
  });
  const counts = { ...zeroXdpCounts(), answered: 4, 'pass:not-arp': 9 };
  t.match(checkFastPath(facts([{ iface: 'eth0', configured: true, mode: 'xdp-native', vips: 2, counts }])), [
    { check: 'fast-path', subject: 'eth0', status: 'pass', message: /xdp-native.*2 VIP.*answered 4, passed up 9/ },
  ]);
  t.match(checkFastPath(facts([{ iface: 'eth0', configured: true, mode: 'af_packet', vips: 0, code: 'EPERM', reason: 'bpf: EPERM' }])), [
    { status: 'warn', message: /AF_PACKET: bpf: EPERM/, fix: [/xdp\.conf\.example/, /restart/] },
  ]);
  t.match(checkFastPath(facts([{ iface: 'eth0', configured: true, mode: 'af_packet', vips: 0, code: 'EXDPUNAVAILABLE', reason: 'built without' }])), [
    { status: 'warn', fix: [/libbpf-dev/] },
  ]);
  t.same(checkFastPath(facts([{ iface: 'eth0', configured: false, mode: 'af_packet', vips: 0 }])), [], 'not configured: no check');
  t.same(checkFastPath(facts(undefined)), [], 'no fast path facts: no check');
});
