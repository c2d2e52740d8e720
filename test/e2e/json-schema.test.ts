// The --json output scripts rely on, checked against its JSON Schemas
// (docs/schema/*.schema.json) with output from a real daemon in a namespace
// lab, in states that fill every part of it: role changes, a failed and an
// applied reload, a realserver claiming a VIP (conflicts) and answering a
// probe for it (a foreign responder). Then the schemas are shown to be strict:
// the same real output with one field renamed fails.
import t from 'tap';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { arping, createLab, REPO_ROOT, run, skipUnlessRoot, startDaemon, waitFor, silenceKernelArp } from './lab.js';
import { loadSchemas } from './json-schemas.js';

const CTL = join(REPO_ROOT, 'dist', 'cli', 'vip-arpctl.js');
const VIP = '198.51.100.10';
const RS_IP = '192.0.2.20';

t.test('--json of status, vips, role, doctor, probe and conflicts matches docs/schema', async (t) => {
  if (skipUnlessRoot(t, ['arping', 'ping'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'dir1', ip: '192.0.2.10/24' },
      { name: 'rs', ip: `${RS_IP}/24` },
    ],
  });
  await silenceKernelArp(lab, 'dir1', ['all', 'eth0']);
  await lab.addAddress('dir1', 'lo', `${VIP}/32`);
  const dir = lab.tempDir('vip-arpd-schema-');
  const socket = join(dir, 'control.sock');
  const daemon = await startDaemon(
    lab,
    'dir1',
    {
      stateFile: join(dir, 'state.json'),
      control: { socket },
      log: { level: 'info' },
      groups: [
        { name: 'web', interface: 'eth0', vips: [VIP, '198.51.100.11'], initialRole: 'master', garp: { count: 1, delayMs: 0 } },
        { name: 'mail', interface: 'eth0', vips: ['203.0.113.5'], initialRole: 'backup', mac: '02:00:5e:00:01:07' },
      ],
    },
    { dir },
  );
  const ctl = async (...args: string[]): Promise<{ code: number; data: unknown }> => {
    const r = await run(process.execPath, [CTL, '--socket', socket, '--json', '--timeout', '15000', ...args], { timeoutMs: 20_000 });
    return { code: r.code, data: r.stdout.trim() === '' ? undefined : JSON.parse(r.stdout) };
  };

  // Fill the history and the error fields.
  await ctl('release', 'web');
  await ctl('takeover', 'web');
  const good = readFileSync(daemon.configPath, 'utf8');
  writeFileSync(daemon.configPath, good.replace('198.51.100.11', '198.51.100.300'));
  t.equal((await ctl('reload')).code, 1, 'the bad reload is refused');
  writeFileSync(daemon.configPath, good.replace('"198.51.100.11"', '"198.51.100.11", "198.51.100.12"'));
  t.equal((await ctl('reload')).code, 0, 'the good reload is applied');
  // A realserver with the VIP on eth0 and the kernel's default ARP: it claims the VIP and answers probes.
  await lab.exec('dir1', 'ping', ['-c', '1', '-W', '2', RS_IP], { check: true });
  await lab.addAddress('rs', 'eth0', `${VIP}/32`);
  await arping(lab, 'rs', 'eth0', VIP, { mode: 'unsolicited', count: 2 });

  const validate = loadSchemas();
  const outputs: Record<string, unknown> = {};
  const cases: Array<{ schema: string; args: string[]; code: number | number[] }> = [
    { schema: 'status', args: ['status'], code: 0 },
    { schema: 'vips', args: ['vips'], code: 0 },
    { schema: 'vips', args: ['vips', 'mail'], code: 0 },
    { schema: 'role', args: ['role', 'web'], code: 0 },
    // doctor's verdict depends on the lab's sysctls; 0 (all pass) or 4 (a check failed) are both answers.
    { schema: 'doctor', args: ['doctor'], code: [0, 4] },
    { schema: 'probe', args: ['probe', VIP, '--window', '1000'], code: 4 },
    { schema: 'conflicts', args: ['conflicts'], code: 0 },
    { schema: 'conflicts', args: ['conflicts', '--limit', '0'], code: 0 },
  ];
  const status = await waitFor(
    async () => {
      const s = (await ctl('status')).data as { conflicts: { active: number } };
      return s.conflicts.active > 0 ? s : undefined;
    },
    { timeoutMs: 5000, what: 'the conflict in status' },
  );
  t.ok(status, 'the conflict is in status');
  for (const c of cases) {
    const r = await ctl(...c.args);
    t.ok([c.code].flat().includes(r.code), `${c.args.join(' ')}: exit ${r.code}, want ${c.code}`);
    outputs[c.args.join(' ')] = r.data;
    const errors = validate(c.schema, r.data);
    t.same(errors, [], `${c.args.join(' ')} matches ${c.schema}.schema.json`);
  }
  const s = outputs['status'] as {
    events: { roleChanges: unknown[]; reloads: Array<{ ok: boolean }> };
    config: { lastError: string | null };
    conflicts: { latest: unknown[] };
  };
  t.ok(
    s.events.roleChanges.length >= 2 && s.events.reloads.some((r) => !r.ok) && s.events.reloads.some((r) => r.ok),
    'status carried role changes and both kinds of reload',
  );
  t.ok(s.conflicts.latest.length > 0, 'and a conflict row');
  t.match(
    outputs['status'],
    { fastPath: [{ iface: 'eth0', configured: false, mode: 'af_packet' }] },
    'fastPath is there with the fast path off (test/e2e/xdp.test.ts checks the XDP shapes)',
  );
  const p = outputs[`probe ${VIP} --window 1000`] as { vips: Array<{ responders: Array<{ ours: boolean }> }> };
  t.ok(
    p.vips[0]!.responders.some((x) => !x.ours),
    'probe carried a foreign responder',
  );

  // Strict: a renamed field in real output fails.
  const renamed = (data: unknown, path: string[], to: string): unknown => {
    const copy = structuredClone(data) as Record<string, unknown>;
    let o = copy as Record<string, unknown>;
    for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
    const last = path.at(-1)!;
    o[to] = o[last];
    delete o[last];
    return copy;
  };
  const strict: Array<{ schema: string; out: string; path: string[]; to: string }> = [
    { schema: 'status', out: 'status', path: ['interfaces', '0', 'txDropped'], to: 'txDrops' },
    { schema: 'status', out: 'status', path: ['control', 'refusedClients'], to: 'refused' },
    { schema: 'status', out: 'status', path: ['config'], to: 'configuration' },
    { schema: 'status', out: 'status', path: ['conflicts', 'latest', '0', 'lastSeen'], to: 'last_seen' },
    { schema: 'status', out: 'status', path: ['interfaces', '0', 'counts', 'not-master'], to: 'backup' },
    { schema: 'status', out: 'status', path: ['fastPath', '0', 'mode'], to: 'path' },
    { schema: 'vips', out: 'vips', path: ['0', 'vips'], to: 'ips' },
    { schema: 'role', out: 'role web', path: ['role'], to: 'state' },
    { schema: 'doctor', out: 'doctor', path: ['checks', '0', 'fix'], to: 'fixes' },
    { schema: 'probe', out: `probe ${VIP} --window 1000`, path: ['vips', '0', 'responders', '0', 'ours'], to: 'own' },
    { schema: 'conflicts', out: 'conflicts', path: ['conflicts', '0', 'kind'], to: 'type' },
  ];
  for (const c of strict) {
    const errors = validate(c.schema, renamed(outputs[c.out], c.path, c.to));
    t.ok(errors.length > 0, `${c.out}: ${c.path.join('.')} renamed to ${c.to} is caught (${errors[0]?.message ?? 'no error'})`);
  }
});
