// The control server's bounds and file handling, against a fake command set
// (no daemon, no root): garbage, long lines, too many clients (eviction of
// idle ones, refusal when all are busy), idle and silent clients,
// half-closed clients, stale and live socket files.
import t, { type Test } from 'tap';
import { connect, createServer, type Socket } from 'node:net';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log/log.js';
import { ControlServer, type ControlServerOptions } from '../../src/control/control-server.js';
import { FIRST_REQUEST_TIMEOUT_MS } from '../../src/control/control-connection.js';
import { prepareSocketPath } from '../../src/control/socket-path.js';
import { VipArpdError } from '../../src/util/errors.js';

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
      let nl: number;
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
  t.match(
    got,
    [
      { id: 1, ok: true, data: 'late' },
      { id: 2, ok: true, data: ['a', 'b'] },
      { id: 3, ok: false, error: { code: 'ENOPE', message: 'refused on purpose' } },
      { id: 4, ok: false, error: { code: 'EINTERNAL', message: 'crash failed: handler bug' } },
      { id: null, ok: false, error: { code: 'EBADJSON' } },
      { id: 5, ok: false, error: { code: 'EUNKNOWNCMD' } },
    ],
    'slow first, then the rest, in order',
  );
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

t.test('at maxClients a newcomer evicts an idle client: one that never sent a request first, then the longest idle', async (t) => {
  const { server, path } = await serve(t, { maxClients: 3 });
  const old = new Client(path);
  old.send('{"id":0,"cmd":"echo"}\n');
  await old.waitLines(1);
  const recent = new Client(path);
  recent.send('{"id":0,"cmd":"echo"}\n');
  await recent.waitLines(1);
  const silent = new Client(path);
  await new Promise((r) => setTimeout(r, 50));
  t.equal(server.clientCount, 3, 'full');

  const first = new Client(path);
  first.send('{"id":1,"cmd":"echo"}\n');
  t.same(await first.waitLines(1), [{ id: 1, ok: true, data: [] }], 'the newcomer is served');
  t.ok(await silent.waitClosed(), 'the client that never sent a request is evicted first');
  t.match(await silent.waitLines(1), [{ id: null, ok: false, error: { code: 'EEVICTED', message: /control\.maxClients/ } }], 'and told why');

  const second = new Client(path);
  second.send('{"id":2,"cmd":"echo"}\n');
  t.same(await second.waitLines(1), [{ id: 2, ok: true, data: [] }]);
  t.ok(await old.waitClosed(), 'then the one idle longest');
  t.equal(recent.closed, false, 'the more recent one stays');
  recent.send('{"id":3,"cmd":"echo"}\n');
  t.equal((await recent.waitLines(2)).length, 2, 'and is still served');
  t.equal(server.evictedClients, 2);
  t.equal(server.refusedClients, 0);
  for (const c of [recent, first, second]) c.socket.destroy();
});

t.test('at maxClients with every client mid-request the newcomer gets ETOOMANYCLIENTS; nobody loses an answer', async (t) => {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((r) => (open = r));
  const { server, path } = await serve(t, {
    maxClients: 2,
    run: async (cmd) => {
      if (cmd === 'wait') await gate;
      return cmd;
    },
  });
  const busy = [new Client(path), new Client(path)];
  for (const b of busy) b.send('{"id":"w","cmd":"wait"}\n');
  await new Promise((r) => setTimeout(r, 50));
  const extra = new Client(path);
  t.ok(await extra.waitClosed(), 'excess client closed');
  t.match(await extra.waitLines(1), [{ ok: false, error: { code: 'ETOOMANYCLIENTS' } }]);
  t.equal(server.refusedClients, 1);
  open();
  for (const b of busy) t.same(await b.waitLines(1), [{ id: 'w', ok: true, data: 'wait' }], 'a busy client gets its answer');
  busy[1]!.socket.destroy();
  await new Promise((r) => setTimeout(r, 50));
  const next = new Client(path);
  next.send('{"id":2,"cmd":"echo"}\n');
  t.same(await next.waitLines(1), [{ id: 2, ok: true, data: 'echo' }], 'a freed slot is reused');
  for (const c of [...busy, next]) c.socket.destroy();
});

t.test(`a client that sends nothing is closed after ${FIRST_REQUEST_TIMEOUT_MS} ms, one that has sent a request keeps control.idleTimeoutMs`, async (t) => {
  const { server, path } = await serve(t, { idleTimeoutMs: 60_000 });
  const started = Date.now();
  const silent = new Client(path);
  const trickler = new Client(path);
  const trickle = setInterval(() => trickler.send(' {'), 100);
  t.teardown(() => clearInterval(trickle));
  const talker = new Client(path);
  talker.send('{"id":1,"cmd":"echo"}\n');
  t.ok(await silent.waitClosed(FIRST_REQUEST_TIMEOUT_MS + 2000), 'the silent client is closed');
  t.ok(Date.now() - started < FIRST_REQUEST_TIMEOUT_MS + 1000, `after ${Date.now() - started} ms`);
  t.match(await silent.waitLines(1), [{ ok: false, error: { code: 'EIDLE', message: /within \d+ ms of connecting/ } }]);
  t.ok(await trickler.waitClosed(1000), 'a client trickling bytes without a newline too');
  t.equal(talker.closed, false, 'the client that sent a request stays');
  t.equal(server.clientCount, 1);
  talker.socket.destroy();
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
  t.same(await c.waitLines(2), [
    { id: 1, ok: true, data: ['x'] },
    { id: 2, ok: true, data: [] },
  ]);
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
