// One ControlConnection on a fake socket (a Duplex whose reader we control):
// pipelined requests far past MAX_PENDING_REQUESTS are each run once and
// answered under their own id, in order; a client that does not read its
// answers is read from no further (nothing refused, nothing run unanswered);
// an answer JSON cannot carry is still answered under its id.
import t from 'tap';
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { createLogger } from '../../src/log/log.js';
import { ControlConnection, MAX_PENDING_REQUESTS, type RunCommand } from '../../src/control/control-connection.js';

const log = createLogger('silent');

/** The server side of a connection: `send` is what the client writes, `answers` what it has read. */
class FakeSocket extends Duplex {
  answers: Array<{ id: unknown; ok: boolean; data?: unknown; error?: { code: string } }> = [];
  /** while false, writes are not acknowledged: a client that does not read */
  reading = true;
  private held: Array<() => void> = [];
  private buf = '';
  constructor() {
    super({ allowHalfOpen: true, writableHighWaterMark: 1024 });
  }
  send(text: string): void {
    this.push(Buffer.from(text));
  }
  startReading(): void {
    this.reading = true;
    for (const cb of this.held.splice(0)) cb();
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.buf += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      this.answers.push(JSON.parse(this.buf.slice(0, nl)) as FakeSocket['answers'][number]);
      this.buf = this.buf.slice(nl + 1);
    }
    if (this.reading) cb();
    else this.held.push(() => cb());
  }
}

/** A command set that records what it ran: `set X` changes the state, `get` reads it. */
function recorder(): { run: RunCommand; ran: string[]; state: () => string } {
  const ran: string[] = [];
  let state = 'MASTER';
  const run: RunCommand = async (cmd, args) => {
    ran.push(`${cmd} ${args.join(' ')}`.trim());
    await new Promise((r) => setImmediate(r));
    if (cmd === 'set') state = args[0]!;
    if (cmd === 'big') return { n: 1n };
    return { state, padding: 'x'.repeat(200) };
  };
  return { run, ran, state: () => state };
}

function connection(run: RunCommand): FakeSocket {
  const socket = new FakeSocket();
  new ControlConnection(socket as unknown as Socket, { maxLineBytes: 4096, idleTimeoutMs: 10_000 }, run, log);
  return socket;
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
}

t.test('200 pipelined requests: every one run once, answered in order under its id, none refused', async (t) => {
  const { run, ran, state } = recorder();
  const socket = connection(run);
  const cmds = Array.from({ length: 200 }, (_, i) => (i === 10 ? 'set BACKUP' : i === 150 ? 'set MASTER' : 'get'));
  socket.send(cmds.map((c, i) => JSON.stringify({ id: i, cmd: c.split(' ')[0], args: c.split(' ').slice(1) }) + '\n').join(''));
  await until(() => socket.answers.length === 200);
  t.same(
    socket.answers.map((a) => a.id),
    cmds.map((_, i) => i),
    '200 answers, each with its id, in order',
  );
  t.ok(
    socket.answers.every((a) => a.ok),
    'none refused',
  );
  t.same(ran, cmds, 'each request ran exactly once, in order');
  const seen = socket.answers.map((a) => (a.data as { state: string }).state);
  t.same([seen[9], seen[10], seen[149], seen[150], seen[199]], ['MASTER', 'BACKUP', 'BACKUP', 'MASTER', 'MASTER'], 'each answer shows its own effect');
  t.equal(state(), 'MASTER', 'the state is what the last answer says');
  socket.destroy();
});

t.test('a client that does not read: reading stops, nothing is run unanswered, all 3000 answered once it reads', async (t) => {
  const { run, ran } = recorder();
  const socket = connection(run);
  socket.reading = false;
  for (let i = 0; i < 30; i++) socket.send(Array.from({ length: 100 }, (_, j) => JSON.stringify({ id: `${i}-${j}`, cmd: 'get' }) + '\n').join(''));
  await until(() => socket.isPaused() && ran.length > 0);
  await new Promise((r) => setTimeout(r, 100));
  t.ok(socket.isPaused(), 'the connection stopped reading');
  const ranWhileBlocked = ran.length;
  t.ok(ranWhileBlocked <= MAX_PENDING_REQUESTS, `only ${ranWhileBlocked} of 3000 ran while the client did not read (their answers fill the socket's buffer)`);
  t.ok(socket.readableLength > 0, 'the rest waits unread in the socket');
  socket.startReading();
  await until(() => socket.answers.length === 3000);
  t.equal(socket.answers.length, 3000, 'then all 3000 are answered');
  t.ok(
    socket.answers.every((a, k) => a.ok && a.id === `${Math.floor(k / 100)}-${k % 100}`),
    'in order, under their ids',
  );
  t.equal(ran.length, 3000);
  socket.destroy();
});

t.test(`past ${MAX_PENDING_REQUESTS} waiting requests the connection reads no further until they are answered`, async (t) => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  let ran = 0;
  const socket = connection(async () => {
    ran++;
    await gate;
    return 'ok';
  });
  socket.send(Array.from({ length: MAX_PENDING_REQUESTS + 10 }, (_, i) => JSON.stringify({ id: i, cmd: 'x' }) + '\n').join(''));
  await until(() => ran === 1);
  socket.send(JSON.stringify({ id: 'later', cmd: 'x' }) + '\n');
  await new Promise((r) => setTimeout(r, 20));
  t.ok(socket.isPaused(), 'reading paused while the first command runs');
  t.ok(socket.readableLength > 0, 'the next chunk waits unread');
  release();
  await until(() => socket.answers.length === MAX_PENDING_REQUESTS + 11);
  t.same(
    socket.answers.map((a) => a.id),
    [...Array.from({ length: MAX_PENDING_REQUESTS + 10 }, (_, i) => i), 'later'],
    'all answered, in order',
  );
  socket.destroy();
});

t.test('an answer JSON cannot carry is an EINTERNAL error under its id; the connection goes on', async (t) => {
  const { run } = recorder();
  const socket = connection(run);
  socket.send('{"id":"b","cmd":"big"}\n{"id":"g","cmd":"get"}\n');
  await until(() => socket.answers.length === 2);
  t.match(socket.answers, [
    { id: 'b', ok: false, error: { code: 'EINTERNAL' } },
    { id: 'g', ok: true },
  ]);
  socket.destroy();
});

t.test('requests before an overlong line are answered, then ELINETOOLONG and the end', async (t) => {
  const { run, ran } = recorder();
  const socket = connection(run);
  socket.send('{"id":1,"cmd":"get"}\n{"id":2,"cmd":"get"}\n' + 'x'.repeat(5000));
  await until(() => socket.answers.length === 3);
  t.match(socket.answers, [
    { id: 1, ok: true },
    { id: 2, ok: true },
    { id: null, ok: false, error: { code: 'ELINETOOLONG' } },
  ]);
  t.equal(ran.length, 2);
  t.ok(socket.writableEnded, 'the connection is half-closed');
  socket.destroy();
});

t.test('5000 requests in one chunk are all answered, in order', async (t) => {
  const { run, ran } = recorder();
  const socket = connection(run);
  socket.send(Array.from({ length: 5000 }, (_, i) => `{"id":${i},"cmd":"get"}\n`).join(''));
  await until(() => socket.answers.length === 5000, 10_000);
  t.equal(ran.length, 5000);
  t.ok(
    socket.answers.every((a, i) => a.ok && a.id === i),
    'each under its id, in order',
  );
  socket.destroy();
});

t.test('200 requests and a half-close: all answered, then the connection ends', async (t) => {
  const { run } = recorder();
  const socket = connection(run);
  let ended = false;
  socket.on('finish', () => (ended = true));
  socket.send(Array.from({ length: 200 }, (_, i) => `{"id":${i},"cmd":"get"}\n`).join('') + '{"id":"last","cmd":"get"}');
  socket.push(null);
  await until(() => ended);
  t.equal(socket.answers.length, 201, 'every request answered, the unterminated last one too');
  t.equal(socket.answers[200]?.id, 'last');
  t.ok(ended, 'then our side ended');
  socket.destroy();
});
