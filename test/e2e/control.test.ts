// The control socket and vip-arpctl against a real daemon in a namespace:
// every command through the CLI (output and exit codes), then abuse —
// garbage, a 10 MB line, 300 concurrent clients, slow clients, clients that
// vanish mid-request — after which a well-behaved client is still served and
// the daemon still answers ARP. Also the socket file's life: mode, stale file
// after SIGKILL, a second daemon on a live socket.
import t from 'tap';
import { connect, type Socket } from 'node:net';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { arping, createLab, REPO_ROOT, run, skipUnlessRoot, startDaemon, waitExit, type Lab } from './lab.js';

const CTL = join(REPO_ROOT, 'dist', 'cli', 'vip-arpctl.js');
const VIP = '198.51.100.10';
const IDLE_MS = 500;

function config(dir: string, extra: object = {}): object {
  return {
    groups: [
      { name: 'web', interface: 'eth0', vips: [VIP, '198.51.100.11'], keepalived: ['VI_1'], initialRole: 'master' },
      { name: 'mail', interface: 'eth0', vips: ['203.0.113.5'], initialRole: 'backup' },
    ],
    stateFile: join(dir, 'state.json'),
    control: { socket: join(dir, 'ctl.sock'), mode: '0600', idleTimeoutMs: IDLE_MS },
    watch: { enabled: false },
    ...extra,
  };
}

async function lab2(t: Parameters<typeof createLab>[0]): Promise<Lab> {
  return createLab(t, {
    hosts: [
      { name: 'c', ip: '192.0.2.1/24' },
      { name: 'd', ip: '192.0.2.11/24' },
    ],
  });
}

function ctl(socket: string, ...args: string[]) {
  return run(process.execPath, [CTL, '--socket', socket, ...args], { timeoutMs: 20_000 });
}

/** Sends `payload` on a fresh connection; resolves with the response lines and whether the server closed. */
function exchange(
  socket: string,
  payload: string | Buffer,
  opts: { waitMs?: number; endAfter?: boolean } = {},
): Promise<{ lines: unknown[]; closedByServer: boolean; error?: string }> {
  return new Promise((resolve) => {
    const s: Socket = connect(socket);
    let buf = '';
    let closed = false;
    let error: string | undefined;
    s.setEncoding('utf8');
    s.on('data', (d: string) => (buf += d));
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
    s.on('close', () => {
      closed = true;
      finish();
    });
    s.on('connect', () => {
      if (opts.endAfter) s.end(payload);
      else s.write(payload);
    });
    const timer = setTimeout(() => finish(), opts.waitMs ?? 3000);
    let done = false;
    function finish(): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const lines = buf
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as unknown);
      resolve({ lines, closedByServer: closed, ...(error === undefined ? {} : { error }) });
    }
  });
}

t.test('vip-arpctl drives every core command of a real daemon', async (t) => {
  if (skipUnlessRoot(t, ['arping'])) return;
  const lab = await lab2(t);
  const dir = lab.tempDir();
  const d = await startDaemon(lab, 'd', config(dir), { dir });
  const sock = join(dir, 'ctl.sock');
  t.equal(lstatSync(sock).mode & 0o777, 0o600, 'socket has control.mode');

  const status = await ctl(sock, '--json', 'status');
  t.equal(status.code, 0, 'status exits 0');
  const s = JSON.parse(status.stdout) as { groups: Array<{ name: string; role: string; interface: string; vips: number }>; daemon: { pid: number } };
  t.same(
    s.groups.map((g) => [g.name, g.role, g.interface, g.vips]),
    [
      ['web', 'MASTER', 'eth0', 2],
      ['mail', 'BACKUP', 'eth0', 1],
    ],
    'status --json: name, role, interface, VIP count',
  );
  t.equal(s.daemon.pid, d.proc.pid, 'daemon pid');

  const human = await ctl(sock, 'status');
  t.match(human.stdout, /web\s+MASTER\s+eth0\s+2/, 'human status has a group table');
  t.match((await ctl(sock, 'vips', 'web')).stdout, /web \(MASTER, eth0\)\n {2}198\.51\.100\.10\n {2}198\.51\.100\.11/);
  t.equal((await ctl(sock, 'role', 'mail')).stdout, 'BACKUP\n');
  t.match((await ctl(sock, 'help')).stdout, /takeover <group>/);

  const steps: Array<{ args: string[]; code: number; out?: RegExp; err?: RegExp; role?: [string, string] }> = [
    { args: ['takeover', 'mail'], code: 0, out: /^mail: BACKUP -> MASTER$/m, role: ['mail', 'MASTER'] },
    { args: ['garp', 'mail'], code: 0, out: /announced 1 VIP/ },
    { args: ['garp', VIP], code: 0, out: /announced 1 VIP\(s\) of web/ },
    { args: ['fault', 'mail'], code: 0, out: /mail: MASTER -> FAULT/, role: ['mail', 'FAULT'] },
    { args: ['garp', 'mail'], code: 1, err: /ENOTMASTER/ },
    { args: ['release', 'mail'], code: 0, out: /mail: FAULT -> BACKUP/, role: ['mail', 'BACKUP'] },
    { args: ['notify', 'INSTANCE', 'VI_1', 'BACKUP', '100'], code: 0, out: /web: MASTER -> BACKUP/, role: ['web', 'BACKUP'] },
    { args: ['notify', 'INSTANCE', 'VI_1', 'MASTER', '100'], code: 0, out: /web: BACKUP -> MASTER/, role: ['web', 'MASTER'] },
    { args: ['notify', 'GROUP', 'mail', 'STOP', '0'], code: 0, out: /mail: BACKUP \(unchanged\)/ },
    { args: ['notify', 'INSTANCE', 'VI_9', 'MASTER', '100'], code: 1, err: /ENOGROUP/ },
    { args: ['takeover', 'nope'], code: 1, err: /unknown group "nope".*ENOGROUP/ },
    { args: ['frobnicate'], code: 1, err: /EUNKNOWNCMD/ },
    { args: [], code: 2, err: /no command given/ },
    { args: ['--timeout', 'soon', 'status'], code: 2, err: /--timeout/ },
  ];
  for (const step of steps) {
    const r = await ctl(sock, ...step.args);
    t.equal(r.code, step.code, `vip-arpctl ${step.args.join(' ')} exits ${step.code}`);
    if (step.out) t.match(r.stdout, step.out, `${step.args.join(' ')}: stdout`);
    if (step.err) t.match(r.stderr, step.err, `${step.args.join(' ')}: stderr`);
    if (step.role) t.equal((await ctl(sock, 'role', step.role[0])).stdout.trim(), step.role[1]);
  }
  const j = await ctl(sock, '--json', 'takeover', 'nope');
  t.match(JSON.parse(j.stdout), { code: 'ENOGROUP' }, '--json prints the error object');
  const unreachable = await run(process.execPath, [CTL, '--socket', join(dir, 'none.sock'), 'status']);
  t.equal(unreachable.code, 3, 'no daemon: exit 3');
  t.match(unreachable.stderr, /ENOENT/);
  const help = await run(process.execPath, [CTL, '--help']);
  t.match(help.stdout, /Exit codes:[\s\S]*0 {2}success[\s\S]*1 {2}refused[\s\S]*2 {2}usage[\s\S]*3 {2}daemon unreachable/, '--help documents the exit codes');
});

t.test('abuse of the control socket: errors or closes, then a good client is served and ARP is answered', async (t) => {
  if (skipUnlessRoot(t, ['arping'])) return;
  const lab = await lab2(t);
  const dir = lab.tempDir();
  const d = await startDaemon(lab, 'd', config(dir), { dir });
  const sock = join(dir, 'ctl.sock');

  const garbage = await exchange(sock, 'hello\n{"id":1}\n[1,2]\n{"id":2,"cmd":"status","args":"x"}\n\u0000\u00ff\n{"id":3,"cmd":"role","args":["web"]}\n', {
    waitMs: 500,
  });
  t.match(
    garbage.lines,
    [
      { ok: false, error: { code: 'EBADJSON' } },
      { id: 1, ok: false, error: { code: 'EBADREQUEST' } },
      { ok: false, error: { code: 'EBADREQUEST' } },
      { id: 2, ok: false, error: { code: 'EBADREQUEST' } },
      { ok: false, error: { code: 'EBADJSON' } },
      { id: 3, ok: true, data: { role: 'MASTER' } },
    ],
    'garbage gets error objects; the same connection still works',
  );

  const huge = await exchange(sock, Buffer.alloc(10 * 1024 * 1024, 0x7b));
  t.match(huge.lines, [{ ok: false, error: { code: 'ELINETOOLONG' } }], '10 MB line: ELINETOOLONG');
  t.ok(huge.closedByServer, '10 MB line: connection closed');

  // 300 clients at once, each sending a request and waiting: every one gets an answer or a refusal, none hangs.
  // Accepted in one burst before any is read, those past maxClients are refused or evict an earlier one.
  const many = await Promise.all(Array.from({ length: 300 }, (_, i) => exchange(sock, `{"id":${i},"cmd":"status"}\n`, { waitMs: 5000, endAfter: true })));
  const answered = many.filter((m) => (m.lines[0] as { ok?: boolean } | undefined)?.ok === true).length;
  const codeOf = (m: (typeof many)[number]): string | undefined => (m.lines[0] as { error?: { code: string } } | undefined)?.error?.code;
  const refused = many.filter((m) => codeOf(m) === 'ETOOMANYCLIENTS').length;
  const evicted = many.filter((m) => codeOf(m) === 'EEVICTED').length;
  const reset = many.filter((m) => m.lines.length === 0 && m.error !== undefined).length;
  const resetCodes = [...new Set(many.filter((m) => m.lines.length === 0).map((m) => m.error))].join(',');
  t.comment(
    `300 concurrent clients: ${answered} answered, ${refused} refused (ETOOMANYCLIENTS), ${evicted} evicted before being read (EEVICTED), ${reset} cut off (${resetCodes})`,
  );
  t.equal(answered + refused + evicted, 300, 'every client was answered or told ETOOMANYCLIENTS or EEVICTED');
  t.equal(reset, 0, 'no client was reset before it could read why');
  t.ok(answered >= 32, 'at least maxClients were served');
  t.ok(
    many.every((m) => m.closedByServer || m.error !== undefined),
    'no client was left hanging',
  );

  // Slow clients: connect and trickle bytes without a newline; all closed after the idle timeout.
  const slow = await Promise.all(
    Array.from(
      { length: 10 },
      () =>
        new Promise<{ closed: boolean; line: string }>((resolve) => {
          const s = connect(sock);
          let line = '';
          s.setEncoding('utf8');
          s.on('data', (x: string) => (line += x));
          s.on('error', () => undefined);
          const trickle = setInterval(() => s.write('{'), 100);
          const giveUp = setTimeout(() => s.destroy(), IDLE_MS * 8);
          s.on('close', () => {
            clearInterval(trickle);
            clearTimeout(giveUp);
            resolve({ closed: line !== '', line });
          });
        }),
    ),
  );
  t.ok(
    slow.every((x) => x.closed && x.line.includes('EIDLE')),
    'slow clients are told EIDLE and closed',
  );

  // Clients that vanish mid-request or mid-line.
  for (let i = 0; i < 50; i++) {
    const s = connect(sock);
    s.on('error', () => undefined);
    s.on('connect', () => {
      s.write(i % 2 === 0 ? '{"id":1,"cmd":"vips"}\n' : '{"id":1,"cmd":"vi');
      s.destroy();
    });
  }
  await new Promise((r) => setTimeout(r, 300));

  const good = await ctl(sock, '--json', 'status');
  t.equal(good.code, 0, 'a well-behaved client is still served');
  const control = JSON.parse(good.stdout).control as { refusedClients: number; evictedClients: number };
  t.ok(control.refusedClients >= refused, 'status counts refused clients');
  t.ok(control.evictedClients >= evicted, 'status counts evicted clients');
  const a = await arping(lab, 'c', 'eth0', VIP, { count: 2 });
  t.same([...new Set(a.replies.map((r) => r.mac))], [lab.mac('d')], 'the daemon still answers arping');
  t.equal(d.proc.exitCode, null, 'the daemon is still running');
  t.notOk(
    d.logs().some((l) => (l.level ?? 0) >= 50),
    'no error was logged',
  );
});

t.test('socket file: a stale one is replaced, a live one is never taken', async (t) => {
  if (skipUnlessRoot(t, [])) return;
  const lab = await lab2(t);
  const dir = lab.tempDir();
  const sock = join(dir, 'ctl.sock');
  const first = await startDaemon(lab, 'd', config(dir), { dir });
  await first.kill();
  t.ok(lstatSync(sock).isSocket(), 'SIGKILL leaves the socket file behind');
  const second = await startDaemon(lab, 'd', config(dir), { dir });
  t.equal((await ctl(sock, 'role', 'web')).code, 0, 'a restarted daemon removes the stale file and serves');

  const third = await startDaemon(lab, 'd', config(dir), { dir, noWait: true });
  const exit = await waitExit(third.proc).then((r) => r.code ?? r.signal);
  t.not(exit, 0, 'a second daemon on a live socket does not start');
  t.match(third.stderr() + JSON.stringify(third.logs()), /already answers on control socket/, 'and says why');
  t.equal((await ctl(sock, 'role', 'web')).code, 0, 'the first daemon keeps its socket');
  await second.stop();
});
