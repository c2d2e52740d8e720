// Real keepalived (Debian's) in both director namespaces, VRRP by unicast
// over the bridge, driving vip-arpd — first through the notify script
// (etc/keepalived/vip-arpd-notify.sh calling vip-arpctl), then through
// notify_fifo read by the daemon. Stopping A's keepalived makes B MASTER and
// the client's neighbour entry for the VIP moves to B; the time is printed.
// In the FIFO case A's keepalived then restarts (a new FIFO) and takes the
// VIP back, proving the daemon follows the recreated FIFO. The IPv6 case
// (issue 13): an IPv6 VRRP instance with an IPv6 virtual_ipaddress on lo,
// through notify_fifo; the client's IPv6 neighbour entry moves to B by B's
// unsolicited NA.
import t, { type Test } from 'tap';
import { chmodSync, existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { neighbour6 } from './lab-ndp.js';
import { createDualStackLab, DIRECTOR6, VIP6 } from './lab-ndp-director.js';
import {
  createLab,
  neighbour,
  REPO_ROOT,
  run,
  skipUnlessRoot,
  sleep,
  startDaemon,
  waitExit,
  waitFor,
  type DaemonProcess,
  type Lab,
  silenceKernelArp,
} from './lab.js';

const CTL = join(REPO_ROOT, 'dist', 'cli', 'vip-arpctl.js');
const NOTIFY_SCRIPT = join(REPO_ROOT, 'etc', 'keepalived', 'vip-arpd-notify.sh');
const VIP = '198.51.100.10';
const LOCKTIME_MS = 1100;
/** VRRP: BACKUP → MASTER after 3 × advert_int + skew (RFC 5798 §6.1), about 3.6 s with advert_int 1. */
const ELECTION_TIMEOUT_MS = 15_000;

interface Director {
  host: 'a' | 'b';
  ip: string;
  peer: string;
  priority: number;
  dir: string;
  sock: string;
  fifo: string;
  daemon: DaemonProcess;
  keepalived?: ChildProcess;
  keepalivedLog: string;
}

type Family = 'ipv4' | 'ipv6';

function keepalivedConf(d: Director, mode: 'script' | 'fifo', family: Family): string {
  return `global_defs {
    router_id ${d.host}
    script_user root
    ${mode === 'fifo' ? `notify_fifo ${d.fifo}` : ''}
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority ${d.priority}
    advert_int 1
    unicast_src_ip ${d.ip}
    unicast_peer {
        ${d.peer}
    }
    ${mode === 'script' ? `notify ${NOTIFY_SCRIPT}` : ''}
    ${family === 'ipv6' ? `virtual_ipaddress {\n        ${VIP6}/128 dev lo\n    }` : ''}
}
`;
}

function startKeepalived(lab: Lab, d: Director, mode: 'script' | 'fifo', binDir: string, family: Family = 'ipv4'): void {
  const conf = join(d.dir, 'keepalived.conf');
  writeFileSync(conf, keepalivedConf(d, mode, family));
  // -n foreground, -l log to console, -D detailed, -P VRRP only; pid files per namespace so two keepalived coexist.
  const args = ['-n', '-l', '--no-syslog', '-D', '-P', '-f', conf, '-p', join(d.dir, 'keepalived.pid'), '-r', join(d.dir, 'vrrp.pid')];
  const env = { PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, VIP_ARPD_SOCKET: d.sock };
  const child = lab.spawn(d.host, 'keepalived', args, { env });
  d.keepalivedLog = '';
  child.stdout?.on('data', (x: Buffer) => (d.keepalivedLog += x.toString()));
  child.stderr?.on('data', (x: Buffer) => (d.keepalivedLog += x.toString()));
  d.keepalived = child;
}

async function role(d: Director): Promise<string> {
  return (await run(process.execPath, [CTL, '--socket', d.sock, 'role', 'web'])).stdout.trim();
}

async function setup(t: Test, mode: 'script' | 'fifo', family: Family = 'ipv4') {
  // IPv6: VIP and IPv6 VIP on each director's lo (the IPv4 one unused by keepalived), VRRP over IPv6.
  const lab =
    family === 'ipv6'
      ? await createDualStackLab(t)
      : await createLab(t, {
          hosts: [
            { name: 'c', ip: '192.0.2.1/24' },
            { name: 'a', ip: '192.0.2.11/24' },
            { name: 'b', ip: '192.0.2.12/24' },
          ],
        });
  if (family === 'ipv4') await lab.exec('c', 'ip', ['route', 'add', '198.51.100.0/24', 'dev', 'eth0'], { check: true });
  const binDir = lab.tempDir();
  writeFileSync(join(binDir, 'vip-arpctl'), `#!/bin/sh\nexec ${process.execPath} ${CTL} "$@"\n`);
  chmodSync(join(binDir, 'vip-arpctl'), 0o755);

  const directors: Director[] = [];
  const peers =
    family === 'ipv6'
      ? ([
          ['a', DIRECTOR6.a, DIRECTOR6.b, 150],
          ['b', DIRECTOR6.b, DIRECTOR6.a, 100],
        ] as const)
      : ([
          ['a', '192.0.2.11', '192.0.2.12', 150],
          ['b', '192.0.2.12', '192.0.2.11', 100],
        ] as const);
  for (const [host, ip, peer, priority] of peers) {
    if (family === 'ipv4') {
      await lab.addAddress(host, 'lo', `${VIP}/32`);
      await silenceKernelArp(lab, host, ['all', 'eth0']);
    }
    const dir = lab.tempDir();
    const sock = join(dir, 'ctl.sock');
    const fifo = join(dir, 'keepalived.fifo');
    const daemon = await startDaemon(
      lab,
      host,
      {
        groups: [{ name: 'web', interface: 'eth0', vips: family === 'ipv6' ? [VIP, VIP6] : [VIP], initialRole: 'backup', keepalived: ['VI_1'] }],
        stateFile: join(dir, 'state.json'),
        control: { socket: sock },
        keepalived: { notifyFifo: mode === 'fifo' ? fifo : '' },
        watch: { enabled: false },
      },
      { dir },
    );
    directors.push({ host, ip, peer, priority, dir, sock, fifo, daemon, keepalivedLog: '' });
  }
  const [a, b] = directors as [Director, Director];
  for (const d of directors) startKeepalived(lab, d, mode, binDir, family);
  t.teardown(() => {
    for (const d of directors) d.keepalived?.kill('SIGKILL');
  });
  const dump = (): string => directors.map((d) => `--- keepalived ${d.host}\n${d.keepalivedLog}`).join('\n');
  await waitFor(async () => (await role(a)) === 'MASTER' && (await role(b)) === 'BACKUP', {
    timeoutMs: ELECTION_TIMEOUT_MS,
    intervalMs: 200,
    what: 'A MASTER and B BACKUP by keepalived',
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n${dump()}`);
  });
  return { lab, a, b, binDir, dump };
}

/** The client learns the VIP on A, then waits out arp locktime so a GARP may move it. */
async function clientOnA(t: Test, lab: Lab): Promise<void> {
  t.equal((await lab.exec('c', 'ping', ['-c', '1', '-W', '2', VIP])).code, 0, 'the client reaches the VIP');
  t.equal((await neighbour(lab, 'c', VIP))?.mac, lab.mac('a'), "the client's entry points at A");
  await sleep(LOCKTIME_MS);
}

async function stopKeepalivedAndTime(t: Test, lab: Lab, a: Director, label: string): Promise<void> {
  const t0 = Date.now();
  a.keepalived?.kill('SIGTERM');
  const ms = await waitFor(async () => ((await neighbour(lab, 'c', VIP))?.mac === lab.mac('b') ? Date.now() - t0 : 0), {
    timeoutMs: ELECTION_TIMEOUT_MS,
    intervalMs: 10,
    what: "the client's entry to move to B",
  });
  t.comment(`${label}: client's neighbour entry moved to B ${ms} ms after A's keepalived got SIGTERM`);
  await waitExit(a.keepalived!);
  t.ok(true, `failover measured (${ms} ms)`);
}

t.test('keepalived drives vip-arpd through the notify script', async (t) => {
  if (skipUnlessRoot(t, ['keepalived', 'ping'])) return;
  const { lab, a, b, dump } = await setup(t, 'script');
  t.pass('keepalived elected A; its notify script made A MASTER and B BACKUP');
  await clientOnA(t, lab);
  await stopKeepalivedAndTime(t, lab, a, 'notify script');
  t.equal(await role(b), 'MASTER', 'B is MASTER');
  await waitFor(async () => (await role(a)) === 'BACKUP', { what: 'A BACKUP after keepalived STOP' });
  t.pass("A's keepalived STOP notification made A BACKUP");
  const sources = b.daemon
    .logs()
    .filter((l) => l.msg === 'role changed')
    .map((l) => `${String(l.to)}/${String(l.source)}`);
  t.ok(sources.includes('MASTER/keepalived'), `B's role came from keepalived (${sources.join(', ')})`);
  if (t.passing() === false) t.comment(dump());
});

t.test('keepalived drives vip-arpd through notify_fifo, across a keepalived restart', async (t) => {
  if (skipUnlessRoot(t, ['keepalived', 'ping'])) return;
  const { lab, a, b, binDir, dump } = await setup(t, 'fifo');
  t.pass('keepalived elected A; the FIFO made A MASTER and B BACKUP');
  await clientOnA(t, lab);
  await stopKeepalivedAndTime(t, lab, a, 'notify_fifo');
  t.equal(await role(b), 'MASTER', 'B is MASTER');
  await waitFor(async () => (await role(a)) === 'BACKUP', { what: 'A BACKUP after keepalived STOP' });
  t.pass("A read keepalived's STOP from the FIFO before it was removed");

  // A's keepalived comes back: a new FIFO; A preempts (higher priority) and takes the VIP back.
  // keepalived unlinks a FIFO it created when it exits cleanly (fifo_close()); Debian's 2.2.7 with -P
  // leaves it in place here, so remove it as that path would: the restart below must then make a new one.
  if (existsSync(a.fifo)) {
    t.comment("A's keepalived left its FIFO behind; removing it so the restart recreates it");
    unlinkSync(a.fifo);
  }
  await sleep(LOCKTIME_MS);
  const t0 = Date.now();
  startKeepalived(lab, a, 'fifo', binDir);
  const ms = await waitFor(async () => ((await neighbour(lab, 'c', VIP))?.mac === lab.mac('a') ? Date.now() - t0 : 0), {
    timeoutMs: ELECTION_TIMEOUT_MS,
    intervalMs: 10,
    what: "the client's entry to move back to A",
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n${dump()}`);
  });
  t.comment(`notify_fifo: A's restarted keepalived took the VIP back; the client's entry moved to A ${ms} ms after it started`);
  t.equal(await role(a), 'MASTER', 'A is MASTER again, read from the recreated FIFO');
  await waitFor(async () => (await role(b)) === 'BACKUP', { what: 'B BACKUP after A preempts' });
  t.pass('B is BACKUP again');
  const reopened = a.daemon.logs().filter((l) => l.msg === 'reading keepalived notify FIFO').length;
  t.equal(reopened, 2, "A's daemon opened the FIFO twice (keepalived removed and recreated it)");
  if (t.passing() === false) t.comment(dump());
});

t.test('keepalived with an IPv6 virtual_ipaddress drives vip-arpd through notify_fifo; the IPv6 entry moves by NA', async (t) => {
  if (skipUnlessRoot(t, ['keepalived', 'ping', 'tshark'])) return;
  const { lab, a, b, dump } = await setup(t, 'fifo', 'ipv6');
  t.pass('keepalived (IPv6 VRRP) elected A; the FIFO made A MASTER and B BACKUP');
  t.equal((await lab.exec('c', 'ping', ['-6', '-c', '1', '-W', '2', VIP6])).code, 0, 'the client reaches the IPv6 VIP');
  t.equal((await neighbour6(lab, 'c', VIP6))?.mac, lab.mac('a'), "the client's IPv6 entry points at A");
  const naBefore = (await naCount(b)) ?? 0;
  const t0 = Date.now();
  a.keepalived?.kill('SIGTERM');
  const ms = await waitFor(async () => ((await neighbour6(lab, 'c', VIP6))?.mac === lab.mac('b') ? Date.now() - t0 : 0), {
    timeoutMs: ELECTION_TIMEOUT_MS,
    intervalMs: 10,
    what: "the client's IPv6 entry to move to B",
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n${dump()}`);
  });
  t.comment(`notify_fifo, IPv6: client's IPv6 neighbour entry moved to B ${ms} ms after A's keepalived got SIGTERM`);
  await waitExit(a.keepalived!);
  t.equal(await role(b), 'MASTER', 'B is MASTER');
  const sources = b.daemon
    .logs()
    .filter((l) => l.msg === 'role changed')
    .map((l) => `${String(l.to)}/${String(l.source)}`);
  t.ok(sources.includes('MASTER/keepalived'), `B's role came from keepalived's FIFO (${sources.join(', ')})`);
  t.ok(((await naCount(b)) ?? 0) > naBefore, "B's daemon sent unsolicited NAs for the takeover");
  if (t.passing() === false) t.comment(dump());
});

/** NA frames the director's daemon counted (status garp section). */
async function naCount(d: Director): Promise<number | undefined> {
  const s = JSON.parse((await run(process.execPath, [CTL, '--socket', d.sock, '--json', 'status'])).stdout) as {
    garp?: { interfaces: Array<{ na?: number }> };
  };
  return s.garp?.interfaces.reduce((n, i) => n + (i.na ?? 0), 0);
}
