// Issue 16 item 4 (a link flap of any length is followed by a GARP): when a
// link goes down the kernel leaves ENETDOWN pending on every packet socket
// bound to it (packet(7): sk_err on NETDEV_DOWN), and the next send returns
// it even after the link is up again. The daemon reads the link-up from
// netlink and may send before its socket's poll callback has collected that
// stale error (a down and up in one netlink read), so PacketSocket.send must
// not let a stale error cost the first frame after a flap. The socket here is
// never polled, which makes that ordering certain.
import t from 'tap';
import { join } from 'node:path';
import { createLab, REPO_ROOT, skipUnlessRoot, startCapture, waitFor } from './lab.js';

const PROBE = join(REPO_ROOT, 'test', 'e2e', 'fixtures', 'send-after-flap-probe.mjs');
const VIP = '198.51.100.10';

t.test('the first send after a link flap reaches the wire, a send while down is refused', async (t) => {
  if (skipUnlessRoot(t, ['tshark'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'client', ip: '192.0.2.2/24' },
      { name: 'director', ip: '192.0.2.1/24' },
    ],
  });
  const cap = await startCapture(lab, 'client', 'eth0', 'arp');
  const proc = lab.spawn('director', process.execPath, [PROBE], { env: { NODE_OPTIONS: '' } });
  let stdout = '';
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  await waitFor(() => stdout.includes('open'), { timeoutMs: 10_000, what: 'the probe socket' });
  const results = (): Array<{ sent: number; code?: string }> =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { sent: number; code?: string });
  const send = async (): Promise<{ sent: number; code?: string }> => {
    const before = results().length;
    proc.stdin?.write('send\n');
    return waitFor(() => results()[before], { timeoutMs: 10_000, what: 'the probe send' });
  };
  const linkUp = async (): Promise<boolean> => (await lab.exec('director', 'ip', ['-o', 'link', 'show', 'eth0'])).stdout.includes('state UP');

  await lab.setLink('director', 'eth0', 'down');
  t.match(await send(), { sent: 0, code: 'ENETDOWN' }, 'a send while the link is down is refused with ENETDOWN');
  await lab.exec('director', 'ip', ['-batch', '-'], { check: true, input: 'link set eth0 down\nlink set eth0 up\n' });
  await waitFor(async () => ((await linkUp()) ? true : undefined), { timeoutMs: 10_000, what: 'eth0 up' });
  t.same(await send(), { sent: 1 }, 'the first send after the flap is taken');
  proc.stdin?.end();
  const frames = await cap.stop();
  const garps = frames.filter((f) => f.ethSrc === lab.mac('director') && f.senderIp === VIP && f.targetIp === VIP);
  t.equal(garps.length, 1, 'and it reached the client (capture)');
});
