// The control client library against a fake daemon (a plain unix socket
// server): a refusal that says the request was not run is sent again on a new
// connection; any other answer, refusal or not, is returned as it is.
import t, { type Test } from 'tap';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendRequest, sendRequestOnce } from '../../src/control/client.js';

/** A server answering its n-th connection with `answers[n]` (the last one repeated). */
async function fakeDaemon(t: Test, answers: object[]): Promise<{ path: string; connections: () => number }> {
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-client-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'ctl.sock');
  let n = 0;
  const server = createServer((s) => {
    const answer = answers[Math.min(n++, answers.length - 1)]!;
    s.once('data', () => s.end(`${JSON.stringify(answer)}\n`));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(path, r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { path, connections: () => n };
}

const evicted = { id: null, ok: false, error: { code: 'EEVICTED', message: 'closed to make room' } };
const tooMany = { id: null, ok: false, error: { code: 'ETOOMANYCLIENTS', message: 'full' } };
const done = { id: 1, ok: true, data: { to: 'MASTER' } };

t.test('EEVICTED and ETOOMANYCLIENTS are retried on a new connection', async (t) => {
  const d = await fakeDaemon(t, [evicted, tooMany, done]);
  t.same(await sendRequest(d.path, 'takeover', ['web'], 2000), done);
  t.equal(d.connections(), 3);
});

t.test('other refusals are returned at once', async (t) => {
  const d = await fakeDaemon(t, [{ id: 1, ok: false, error: { code: 'ENOGROUP', message: 'unknown group' } }, done]);
  t.match(await sendRequest(d.path, 'takeover', ['nope'], 2000), { ok: false, error: { code: 'ENOGROUP' } });
  t.equal(d.connections(), 1);
});

t.test('retries stop at the timeout with the last refusal', async (t) => {
  const d = await fakeDaemon(t, [tooMany]);
  const t0 = Date.now();
  t.match(await sendRequest(d.path, 'takeover', ['web'], 300), { ok: false, error: { code: 'ETOOMANYCLIENTS' } });
  t.ok(Date.now() - t0 < 600, `within the timeout (${Date.now() - t0} ms)`);
  t.ok(d.connections() > 1, `tried ${d.connections()} times`);
});

t.test('sendRequestOnce makes one attempt', async (t) => {
  const d = await fakeDaemon(t, [evicted, done]);
  t.match(await sendRequestOnce(d.path, 'takeover', ['web'], 2000), { ok: false, error: { code: 'EEVICTED' } });
  t.equal(d.connections(), 1);
});
