// The control server's bounds and file handling, against a fake command set
// (no daemon, no root): garbage, long lines, too many clients, idle clients,
// half-closed clients, stale and live socket files.
import t, { type Test } from 'tap';
import { connect, createServer, type Socket } from 'node:net';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log.js';
import { ControlServer, type ControlServerOptions } from '../../src/control/control-server.js';
import { MAX_PENDING_REQUESTS } from '../../src/control/control-connection.js';
import { prepareSocketPath } from '../../src/control/socket-path.js';
import { VipArpdError } from '../../src/errors.js';

const log = createLogger('silent');

function dir(t: Test): string {
  const d = mkdtempSync(join(tmpdir(), 'vip-arpd-ctl-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const run: ControlServerOptions['run'] = async (cmd, args) => {
  if (cmd === 'echo') return args;
  if (cmd === 'refuse') throw new VipArpdError('ENOPE', 'refused on purpose');
  if (cmd === 'crash') throw new TypeError('handler bug');
  if (cmd === 'slow') return new Promise((r) => setTimeout(() => r('late'), 50));
  throw new VipArpdError('EUNKNOWNCMD', `unknown command "${cmd}"`);
};

async function serve(t: Test, over: Partial<ControlServerOptions> = {}): Promise<{ server: ControlServer; path: string }> {
  const path = join(dir(t), 'ctl.sock');
  const server = new ControlServer({ path, mode: 0o660, gid: undefined, maxClients: 8, maxLineBytes: 1024, idleTimeoutMs: 2000, run, log, ...over });
  await server.start();
  t.teardown(() => server.stop());
  return { server, path };
}

/** A client that collects response lines and notices the close. */
class Client {
  readonly socket: Socket;
  lines: string[] = [];
  closed = false;
  private buf = '';
  constructor(path: string) {
    this.socket = connect(path);
    this.socket.setEncoding('utf8');
    this.socket.on('data', (d: string) => {
      this.buf += d;
      let nl;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, nl));
        this.buf = this.buf.slice(nl + 1);
      }
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => (this.closed = true));
  }
  send(text: string): void {
    this.socket.write(text);
  }
  async waitLines(n: number, ms = 3000): Promise<unknown[]> {
    const end = Date.now() + ms;
    while (this.lines.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    return this.lines.map((l) => JSON.parse(l) as unknown);
  }
  async waitClosed(ms = 3000): Promise<boolean> {
    const end = Date.now() + ms;
    while (!this.closed && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    return this.closed;
  }
}

t.test('answers requests in order, errors as values', async (t) => {
  const { path } = await serve(t);
  const c = new Client(path);
  c.send('{"id":1,"cmd":"slow"}\n{"id":2,"cmd":"echo","args":["a","b"]}\n{"id":3,"cmd":"refuse"}\n{"id":4,"cmd":"crash"}\nnot json\n{"id":5,"cmd":"nope"}\n\n');
  const got = await c.waitLines(6);
  t.equal(got.length, 6, 'one answer per non-empty line');
  t.match(got, [
    { id: 1, ok: true, data: 'late' },
    { id: 2, ok: true, data: ['a', 'b'] },
    { id: 3, ok: false, error: { code: 'ENOPE', message: 'refused on purpose' } },
    { id: 4, ok: false, error: { code: 'EINTERNAL', message: 'crash failed: handler bug' } },
    { id: null, ok: false, error: { code: 'EBADJSON' } },
    { id: 5, ok: false, error: { code: 'EUNKNOWNCMD' } },
  ], 'slow first, then the rest, in order');
  t.equal(c.closed, false, 'garbage does not close the connection');
  c.socket.destroy();
});

t.test('sets the socket mode and removes the file on stop', async (t) => {
  const { server, path } = await serve(t, { mode: 0o600 });
  t.equal(lstatSync(path).mode & 0o777, 0o600);
  await server.stop();
  t.throws(() => lstatSync(path), { code: 'ENOENT' });
});

t.test('a line past maxLineBytes gets ELINETOOLONG and a close', async (t) => {
  const { path } = await serve(t, { maxLineBytes: 1024 });
  const c = new Client(path);
  c.send('x'.repeat(5000));
  t.ok(await c.waitClosed(), 'closed');
  t.match(await c.waitLines(1), [{ ok: false, error: { code: 'ELINETOOLONG' } }]);
  const ok = new Client(path);
  ok.send('{"id":1,"cmd":"echo"}\n');
  t.same(await ok.waitLines(1), [{ id: 1, ok: true, data: [] }], 'the next client is served');
  ok.socket.destroy();
});

t.test('clients past maxClients get ETOOMANYCLIENTS; the first ones still work', async (t) => {
  const { server, path } = await serve(t, { maxClients: 3 });
  const held = [new Client(path), new Client(path), new Client(path)];
  for (const h of held) {
    h.send('{"id":0,"cmd":"echo"}\n');
    await h.waitLines(1);
  }
  const extra = new Client(path);
  t.ok(await extra.waitClosed(), 'excess client closed');
  t.match(await extra.waitLines(1), [{ ok: false, error: { code: 'ETOOMANYCLIENTS' } }]);
  t.equal(server.refusedClients, 1);
  held[0]!.send('{"id":1,"cmd":"echo"}\n');
  t.equal((await held[0]!.waitLines(2)).length, 2, 'a held client is still served');
  held[1]!.socket.destroy();
  await new Promise((r) => setTimeout(r, 50));
  const next = new Client(path);
  next.send('{"id":2,"cmd":"echo"}\n');
  t.same(await next.waitLines(1), [{ id: 2, ok: true, data: [] }], 'a freed slot is reused');
  for (const c of [...held, next]) c.socket.destroy();
});

t.test('a client that never finishes a line is closed after idleTimeoutMs', async (t) => {
  const { path } = await serve(t, { idleTimeoutMs: 200 });
  const c = new Client(path);
  const started = Date.now();
  // Trickle bytes without a newline: activity that never makes a request must not keep it open.
  const trickle = setInterval(() => c.send('{'), 50);
  t.ok(await c.waitClosed(3000), 'closed');
  clearInterval(trickle);
  t.ok(Date.now() - started < 2000, `closed after ${Date.now() - started} ms`);
  t.match(await c.waitLines(1), [{ ok: false, error: { code: 'EIDLE' } }]);
});

t.test('a half-closed client still gets its answers, including an unterminated last line', async (t) => {
  const { path } = await serve(t);
  const c = new Client(path);
  c.socket.end('{"id":1,"cmd":"echo","args":["x"]}\n{"id":2,"cmd":"echo"}');
  t.ok(await c.waitClosed(), 'server closes after answering');
  t.same(await c.waitLines(2), [{ id: 1, ok: true, data: ['x'] }, { id: 2, ok: true, data: [] }]);
});

t.test('a client pipelining past the bound is closed', async (t) => {
  const { path } = await serve(t);
  const c = new Client(path);
  c.send('{"cmd":"slow"}\n'.repeat(MAX_PENDING_REQUESTS + 5));
  t.ok(await c.waitClosed(), 'closed');
  t.match(c.lines.map((l) => JSON.parse(l) as unknown), [{ ok: false, error: { code: 'ETOOMANYREQUESTS' } }]);
});

t.test('a client that disconnects mid-request does not disturb the server', async (t) => {
  const { path } = await serve(t);
  for (let i = 0; i < 20; i++) {
    const c = connect(path);
    c.on('error', () => undefined);
    c.write(i % 2 === 0 ? '{"id":1,"cmd":"slow"}\n' : '{"id":1,"cmd":"ech');
    c.destroy();
  }
  await new Promise((r) => setTimeout(r, 100));
  const ok = new Client(path);
  ok.send('{"id":9,"cmd":"echo"}\n');
  t.same(await ok.waitLines(1), [{ id: 9, ok: true, data: [] }]);
  ok.socket.destroy();
});

t.test('prepareSocketPath', async (t) => {
  const d = dir(t);
  const stale = join(d, 'stale.sock');
  // A socket file nobody listens on, as a crashed daemon leaves it (Node would unlink its own on close).
  spawnSync('/usr/bin/python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', stale]);
  t.ok(lstatSync(stale).isSocket(), 'stale socket file exists');
  await prepareSocketPath(stale);
  t.throws(() => lstatSync(stale), { code: 'ENOENT' }, 'a stale socket is removed');

  const live = join(d, 'live.sock');
  const s2 = createServer((c) => c.destroy());
  await new Promise<void>((r) => s2.listen(live, r));
  t.teardown(() => s2.close());
  await t.rejects(prepareSocketPath(live), { code: 'EADDRINUSE' }, 'a live socket is kept');
  t.ok(lstatSync(live).isSocket());

  const file = join(d, 'plain');
  writeFileSync(file, 'keep me');
  await t.rejects(prepareSocketPath(file), { code: 'ESOCKETPATH' }, 'a regular file is never removed');

  await prepareSocketPath(join(d, 'new', 'dir', 'x.sock'));
  t.ok(lstatSync(join(d, 'new', 'dir')).isDirectory(), 'the directory is made');
});

t.test('a second server on a live path refuses to start', async (t) => {
  const { path } = await serve(t);
  const second = new ControlServer({ path, mode: 0o660, gid: undefined, maxClients: 1, maxLineBytes: 10, idleTimeoutMs: 10, run, log });
  await t.rejects(second.start(), { code: 'EADDRINUSE' });
});
