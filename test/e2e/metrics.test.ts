/**
 * Prometheus endpoint end to end: the daemon in a lab namespace with
 * `metrics.listen` on its loopback, scraped with Node's fetch from inside
 * that namespace (the test process joins it through a small helper), parsed
 * strictly as exposition format; the counters move when a client arpings.
 */
import t from 'tap';
import { join } from 'node:path';
import { REPO_ROOT, arping, createLab, run, skipUnlessRoot, startDaemon, type Lab } from './lab.js';
import { parseExposition, type Exposition } from './exposition.js';

const VIP = '198.51.100.10';
const LISTEN = '127.0.0.1:9733';

/** Scrapes from inside `host` (the listener is on that namespace's loopback) with Node's fetch. */
async function scrape(lab: Lab, host: string): Promise<{ status: number; type: string; exposition: Exposition }> {
  const script = `const r = await fetch('http://${LISTEN}/metrics'); process.stdout.write(JSON.stringify({ status: r.status, type: r.headers.get('content-type'), body: await r.text() }))`;
  const r = await lab.exec(host, process.execPath, ['--input-type=module', '-e', script], { check: true });
  const res = JSON.parse(r.stdout) as { status: number; type: string; body: string };
  return { status: res.status, type: res.type, exposition: parseExposition(res.body) };
}

t.test('metrics over HTTP move with ARP traffic', async (t) => {
  if (skipUnlessRoot(t, ['arping'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'dir', ip: '192.0.2.1/24' },
      { name: 'cli', ip: '192.0.2.100/24' },
    ],
  });
  const dir = lab.tempDir('vip-arpd-metrics-');
  await startDaemon(
    lab,
    'dir',
    {
      groups: [{ name: 'web', interface: 'eth0', vips: [VIP, '198.51.100.11'], initialRole: 'master' }],
      stateFile: join(dir, 'state.json'),
      control: { socket: join(dir, 'control.sock') },
      metrics: { listen: LISTEN },
    },
    { dir },
  );

  const before = await scrape(lab, 'dir');
  t.equal(before.status, 200);
  t.equal(before.type, 'text/plain; version=0.0.4; charset=utf-8', 'Prometheus text format content type');
  t.ok(before.exposition.samples.length > 50, `every line parsed (${before.exposition.samples.length} samples)`);
  t.equal(before.exposition.sum('vip_arpd_group_vips', { group: 'web' }), 2);
  t.equal(before.exposition.sum('vip_arpd_group_role', { group: 'web', role: 'MASTER' }), 1);

  // iputils arping takes whole seconds for -i here, so a few requests at 1 s.
  const REQUESTS = 3;
  const a = await arping(lab, 'cli', 'eth0', VIP, { count: REQUESTS, broadcast: true });
  t.equal(a.replies.length, REQUESTS, 'arping got its answers');
  const notVip = await arping(lab, 'cli', 'eth0', '198.51.100.99', { count: 2, timeoutSec: 2 });
  t.equal(notVip.replies.length, 0, 'no answer for a non-VIP');

  const after = await scrape(lab, 'dir');
  const delta = (name: string, labels: Record<string, string>): number => after.exposition.sum(name, labels) - before.exposition.sum(name, labels);
  t.equal(delta('vip_arpd_frames_total', { iface: 'eth0', outcome: 'answered' }), REQUESTS, 'answered frames counted');
  t.equal(delta('vip_arpd_replies_sent_total', { iface: 'eth0' }), REQUESTS, 'replies sent counted');
  t.equal(delta('vip_arpd_frames_total', { iface: 'eth0', outcome: 'not-a-vip' }), 2, 'requests for a non-VIP counted by outcome');
  t.ok(after.exposition.sum('vip_arpd_garp_frames_total', { group: 'web' }) > 0, 'the start-up GARPs are counted');

  const ctl = await run(process.execPath, [join(REPO_ROOT, 'dist', 'cli', 'vip-arpctl.js'), '--socket', join(dir, 'control.sock'), 'metrics']);
  t.equal(ctl.code, 0, 'vip-arpctl metrics succeeds');
  const viaCtl = parseExposition(ctl.stdout);
  t.equal(
    viaCtl.sum('vip_arpd_frames_total', { iface: 'eth0', outcome: 'answered' }),
    after.exposition.sum('vip_arpd_frames_total', { iface: 'eth0', outcome: 'answered' }),
    'vip-arpctl metrics prints the same exposition',
  );
});
