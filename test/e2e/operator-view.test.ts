// What an operator sees, on a real terminal (tmux) against a real daemon in a
// namespace lab: `vip-arpctl top` shows traffic rates, a role change within
// 2 s, a conflict row when a second host claims a VIP, and "daemon
// unreachable, retrying" while the daemon restarts, cleared once it is back;
// q quits and leaves the terminal as it was. `status` and `doctor` are
// coloured on the terminal, not with NO_COLOR, not through a pipe.
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { arping, createLab, REPO_ROOT, run, skipUnlessRoot, startDaemon, type DaemonProcess, type Lab, silenceKernelArp } from './lab.js';
import { openTmux } from './lab-tmux.js';

const CTL = join(REPO_ROOT, 'dist', 'cli', 'vip-arpctl.js');
const VIP = '198.51.100.10';
const RS_IP = '192.0.2.20';
/** Issue 15's bound for a role change to reach the screen of `top`. */
const ROLE_CHANGE_VISIBLE_MS = 2000;
const GREEN_MASTER = '\x1b[32mMASTER';

async function makeLab(t: Test): Promise<Lab> {
  const lab = await createLab(t, {
    hosts: [
      { name: 'client', ip: '192.0.2.1/24' },
      { name: 'dir1', ip: '192.0.2.10/24' },
      { name: 'rs', ip: `${RS_IP}/24` },
    ],
  });
  await silenceKernelArp(lab, 'dir1', ['all', 'eth0']);
  await lab.addAddress('dir1', 'lo', `${VIP}/32`);
  // The client reaches the VIPs on its LAN, as through the gateway of an LVS-DR setup.
  await lab.exec('client', 'ip', ['route', 'add', '198.51.100.0/24', 'dev', 'eth0'], { check: true });
  return lab;
}

function directorConfig(dir: string): object {
  return {
    stateFile: join(dir, 'state.json'),
    control: { socket: join(dir, 'control.sock') },
    log: { level: 'info' },
    groups: [
      { name: 'web', interface: 'eth0', vips: [VIP, '198.51.100.11'], initialRole: 'master', garp: { count: 1, delayMs: 0 } },
      { name: 'mail', interface: 'eth0', vips: ['203.0.113.5'], initialRole: 'backup' },
    ],
  };
}

/** The lab with vip-arpd running on dir1; `config` and `dir` restart it. */
async function labWithDirector(t: Test): Promise<{ lab: Lab; dir: string; socket: string; config: object; daemon: DaemonProcess }> {
  const lab = await makeLab(t);
  const dir = lab.tempDir('vip-arpd-view-');
  const config = directorConfig(dir);
  const daemon = await startDaemon(lab, 'dir1', config, { dir });
  return { lab, dir, socket: join(dir, 'control.sock'), config, daemon };
}

function ctlLine(socket: string, args: string): string {
  return `${process.execPath} ${CTL} --socket ${socket} ${args}`;
}

t.test('top: rates, a role change within 2 s, a conflict row, a daemon restart; q restores the terminal', async (t) => {
  if (skipUnlessRoot(t, ['tmux', 'arping', 'ping'])) return;
  const { lab, dir, socket, config, daemon: first } = await labWithDirector(t);
  let daemon = first;
  const pane = await openTmux(t, ctlLine(socket, 'top'), { NO_COLOR: undefined, TERM: 'tmux-256color' });

  await t.test('groups and roles, coloured', async (t) => {
    const screen = await pane.waitForScreen((s) => /^web\s+MASTER\s+eth0\s+2$/m.test(s) && /^mail\s+BACKUP\s+eth0\s+1$/m.test(s), { desc: 'the group table' });
    t.match(screen, /^vip-arpd pid \d+, up .*config generation 1 .*q to quit$/m);
    t.match(await pane.screen({ escapes: true }), GREEN_MASTER, 'MASTER in green');
  });

  await t.test('ARP requests and answers per second, per interface', async (t) => {
    const traffic = arping(lab, 'client', 'eth0', VIP, { count: 6, broadcast: true });
    const screen = await pane.waitForScreen((s) => /^eth0\s+(\d+(\.\d)?|\d\.\dk)\s+[1-9]/m.test(s), { desc: 'eth0 with answers/s > 0' });
    t.match(screen, /^INTERFACE\s+REQ\/S\s+ANSWERED\/S\s+NOT-MASTER\/S/m);
    t.ok((await traffic).replies.length > 0, 'the client got answers');
  });

  await t.test('a role change appears within 2 s', async (t) => {
    const asked = Date.now();
    const r = await run(process.execPath, [CTL, '--socket', socket, 'release', 'web']);
    t.equal(r.code, 0, r.stderr);
    const screen = await pane.waitForScreen((s) => /^web\s+BACKUP\s+eth0/m.test(s) && /web MASTER -> BACKUP \(control\)/.test(s), {
      timeoutMs: 5000,
      desc: 'web BACKUP',
    });
    const ms = Date.now() - asked;
    t.ok(ms <= ROLE_CHANGE_VISIBLE_MS, `on screen after ${ms} ms (bound ${ROLE_CHANGE_VISIBLE_MS} ms)`);
    t.match(screen, /^ {2}(just now|\d s ago)\s+web MASTER -> BACKUP \(control\)$/m, 'in the recent list');
  });

  await t.test('a conflict row appears when a second host claims a VIP', async (t) => {
    // The director learns the realserver's MAC (as IPVS-DR forwarding would), so the row can name its IP.
    await lab.exec('dir1', 'ping', ['-c', '1', '-W', '2', RS_IP], { check: true });
    await lab.addAddress('rs', 'eth0', `${VIP}/32`);
    // The realserver's misconfiguration: it announces the VIP as its own.
    const claim = await arping(lab, 'rs', 'eth0', VIP, { mode: 'unsolicited', count: 2 });
    t.comment(`arping -U: ${claim.code} ${claim.stdout} ${claim.stderr}`);
    const rsMac = lab.mac('rs');
    const screen = await pane.waitForScreen((s) => s.includes(rsMac), { desc: `a row with ${rsMac}` });
    t.match(screen, /^conflicts: 1 active$/m);
    t.match(
      screen,
      new RegExp(
        `^${VIP.replace(/\./g, '\\.')}\\s+${rsMac}\\s+${RS_IP.replace(/\./g, '\\.')}\\s+gratuitous\\s+\\d+ frames?\\s+(just now|\\d+ s ago)\\s+web \\(eth0\\)$`,
        'm',
      ),
    );
  });

  await t.test('a daemon restart: "daemon unreachable, retrying", then cleared', async (t) => {
    const oldPid = daemon.proc.pid;
    await daemon.stop();
    const down = await pane.waitForScreen((s) => /daemon unreachable, retrying \(\d+ s\): cannot connect to /.test(s), { desc: 'the unreachable message' });
    t.match(down, /\(last answer (just now|\d+ s ago); figures below are from then\)/);
    daemon = await startDaemon(lab, 'dir1', config, { dir });
    const back = await pane.waitForScreen((s) => s.includes(`vip-arpd pid ${daemon.proc.pid},`) && !s.includes('unreachable'), {
      desc: 'the new daemon, message gone',
    });
    t.not(daemon.proc.pid, oldPid);
    t.match(back, /^web\s+(MASTER|BACKUP)\s+eth0\s+2$/m);
  });

  await t.test('q quits and restores the terminal', async (t) => {
    await pane.sendKeys('q');
    t.equal(await pane.waitForExit(), 0, 'top exited 0');
    const screen = await pane.screen({ escapes: true });
    t.notMatch(screen, /REQ\/S|vip-arpd pid/, 'the alternate screen is gone');
  });
});

t.test('top through a pipe prints plain lines; Ctrl-C on a terminal quits', async (t) => {
  if (skipUnlessRoot(t, ['tmux'])) return;
  const { socket } = await labWithDirector(t);
  const piped = await run('timeout', ['-s', 'INT', '2.5', process.execPath, CTL, '--socket', socket, 'top']);
  t.ok((piped.stdout.match(/^vip-arpd pid \d+/gm) ?? []).length >= 2, 'a frame per second');
  t.notMatch(piped.stdout, /\x1b/, 'no escape sequences in a pipe');
  t.match(piped.stdout, /^web\s+MASTER\s+eth0\s+2$/m);

  const pane = await openTmux(t, ctlLine(socket, 'top'), { NO_COLOR: '1' });
  await pane.waitForScreen((s) => /^web\s+MASTER/m.test(s), { desc: 'the group table' });
  t.notMatch(await pane.screen({ escapes: true }), /\x1b\[3\dm/, 'NO_COLOR: no colour on the terminal either');
  await pane.sendKeys('C-c');
  t.equal(await pane.waitForExit(), 0, 'Ctrl-C ends top cleanly');
});

t.test('status and doctor on a terminal: every section readable, colour unless NO_COLOR', async (t) => {
  if (skipUnlessRoot(t, ['tmux'])) return;
  const { socket } = await labWithDirector(t);
  const shown = async (args: string, env: Record<string, string | undefined>): Promise<{ text: string; escapes: string }> => {
    const pane = await openTmux(t, ctlLine(socket, args), env);
    await pane.waitForScreen((s) => s.trim() !== '', { desc: 'output' });
    t.not(await pane.waitForExit(5000), undefined, `${args} ended`);
    return { text: await pane.screen(), escapes: await pane.screen({ escapes: true }) };
  };
  const status = await shown('status', { NO_COLOR: undefined });
  t.match(status.text, /^vip-arpd pid \d+, up \d+s, config generation 1$/m);
  t.match(status.text, /^web\s+MASTER\s+eth0\s+2\s+0\s+[0-9a-f:]{17}$/m, 'IPv4 and IPv6 VIP counts');
  t.match(status.text, /^conflicts: no conflicts in the last 5 min \(0 conflicting frames, 0 pairs since start\)$/m);
  t.match(status.text, /^config \S+config\.json: generation 1, loaded (just now|\d+ s ago), watching 1 file$/m);
  t.match(status.text, new RegExp(`^control: socket ${socket.replace(/[.]/g, '\\.')}, 1 client connected, 0 refused, 0 idle evicted since start$`, 'm'));
  t.match(status.text, /^gratuitous ARP: \d+ rounds?; eth0 \d+ frames? sent$/m);
  t.match(status.text, /^fast path off$/m, 'the fast path off, in one line');
  t.notMatch(status.text, /[{}]|":/, 'no JSON on the screen');
  t.match(status.escapes, GREEN_MASTER, 'MASTER in green on a terminal');
  t.notMatch((await shown('status', { NO_COLOR: '1' })).escapes, /\x1b\[3\dm/, 'NO_COLOR=1: no colour');

  // lo has the VIP, sysctls are right; the lab's eth0 MAC is shared by nothing: some checks pass, and the
  // director's rp_filter/other checks may warn. Whatever the verdicts, each label is coloured.
  const doctor = await shown('doctor', { NO_COLOR: undefined });
  t.match(doctor.text, /^PASS {2}/m);
  t.match(doctor.escapes, /\x1b\[32mPASS\x1b\[(0|39)m/, 'PASS in green');
  t.notMatch((await shown('doctor', { NO_COLOR: '1' })).escapes, /\x1b\[3\dm/, 'NO_COLOR=1: no colour');
  const piped = await run(process.execPath, [CTL, '--socket', socket, 'doctor']);
  t.match(piped.stdout, /^PASS {2}/m);
  t.notMatch(piped.stdout + (await run(process.execPath, [CTL, '--socket', socket, 'status'])).stdout, /\x1b/, 'no colour through a pipe');
});

t.test('top refuses bad arguments before drawing anything', async (t) => {
  const cases: Array<{ args: string[]; want: RegExp }> = [
    { args: ['--json', 'top'], want: /top is for a person; scripts use --json status/ },
    { args: ['top', '--interval', '5'], want: /usage: top \[--interval MS\] \(MS at least 100\), got "--interval 5"/ },
    { args: ['top', 'web'], want: /usage: top \[--interval MS\]/ },
  ];
  for (const c of cases) {
    const r = await run(process.execPath, [CTL, '--socket', '/nonexistent/control.sock', ...c.args]);
    t.equal(r.code, 2, `${c.args.join(' ')}: usage exit code`);
    t.match(r.stderr, c.want);
    t.equal(r.stdout, '', 'nothing drawn');
  }
});
