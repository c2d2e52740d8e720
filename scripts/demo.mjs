#!/usr/bin/env node
// `npm run demo` (as root): a three-namespace LVS lab on this machine — a
// client and two directors on one bridge — shows the client resolving the VIP
// to director A's MAC through vip-arpd, then a failover to director B that
// flips the client's ARP cache by gratuitous ARP alone. Everything it makes
// is removed at the end, also on Ctrl-C or error.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const daemonEntry = join(root, 'dist', 'cli', 'vip-arpd.js');
const ctlEntry = join(root, 'dist', 'cli', 'vip-arpctl.js');
const VIP = '198.51.100.10';
const tag = `vdemo${process.pid % 100000}`;
const ns = { sw: `${tag}-sw`, client: `${tag}-client`, a: `${tag}-a`, b: `${tag}-b` };
const lan = { client: '192.0.2.2/24', a: '192.0.2.11/24', b: '192.0.2.12/24' };
const work = mkdtempSync(join(tmpdir(), 'vip-arpd-demo-'));
const daemons = [];

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
const inNs = (n, cmd, args) => sh('ip', ['netns', 'exec', n, cmd, ...args]);
const say = (text) => process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cleanup() {
  for (const d of daemons) d.kill('SIGTERM');
  for (const n of Object.values(ns)) {
    try {
      sh('ip', ['netns', 'del', n]);
    } catch {
      // not created yet
    }
  }
  rmSync(work, { recursive: true, force: true });
}

function buildLab() {
  for (const n of Object.values(ns)) sh('ip', ['netns', 'add', n]);
  sh('ip', ['-n', ns.sw, 'link', 'add', 'br0', 'type', 'bridge']);
  sh('ip', ['-n', ns.sw, 'link', 'set', 'br0', 'up']);
  for (const host of ['client', 'a', 'b']) {
    const peer = `p-${host}`;
    sh('ip', ['-n', ns.sw, 'link', 'add', peer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns[host]]);
    sh('ip', ['-n', ns.sw, 'link', 'set', peer, 'master', 'br0', 'up']);
    sh('ip', ['-n', ns[host], 'addr', 'add', lan[host], 'dev', 'eth0']);
    sh('ip', ['-n', ns[host], 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', ns[host], 'link', 'set', 'lo', 'up']);
  }
  // The LVS-DR director setup (HOWTO §6): VIP on lo, kernel silent on the wire.
  for (const host of ['a', 'b']) {
    sh('ip', ['-n', ns[host], 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
    for (const k of ['all', 'eth0']) {
      inNs(ns[host], 'sysctl', ['-qw', `net.ipv4.conf.${k}.arp_ignore=1`, `net.ipv4.conf.${k}.arp_announce=2`]);
    }
  }
  sh('ip', ['-n', ns.client, 'route', 'add', `${VIP}/32`, 'dev', 'eth0']);
}

const macOf = (host) => JSON.parse(sh('ip', ['-n', ns[host], '-j', 'link', 'show', 'eth0']))[0].address;

async function startDaemon(host, role) {
  const dir = join(work, host);
  sh('mkdir', ['-p', dir]);
  const config = {
    stateFile: join(dir, 'state.json'),
    control: { socket: join(dir, 'control.sock') },
    watch: { enabled: false },
    log: { level: 'warn' },
    groups: [{ name: 'web', interface: 'eth0', vips: [VIP], initialRole: role, garp: { count: 3, intervalMs: 300, delayMs: 0 } }],
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const child = spawn('ip', ['netns', 'exec', ns[host], process.execPath, daemonEntry, '--config', join(dir, 'config.json')], { stdio: ['ignore', 'ignore', 'inherit'] });
  daemons.push(child);
  for (let i = 0; i < 100 && !existsSync(config.control.socket); i++) await sleep(50);
  return config.control.socket;
}

const ctl = (host, socket, ...args) => inNs(ns[host], process.execPath, [ctlEntry, '--socket', socket, ...args]).trim();
const neighbourOfVip = () => {
  const e = JSON.parse(sh('ip', ['-n', ns.client, '-j', 'neigh', 'show', VIP]))[0];
  return e === undefined ? '(none)' : `${e.lladdr ?? '-'} ${(e.state ?? []).join(',')}`;
};

async function main() {
  if (process.getuid?.() !== 0) throw new Error('the demo builds network namespaces: run it as root');
  if (!existsSync(daemonEntry)) throw new Error('not built: run `npm ci` (or scripts/setup-debian.sh) first');
  say('Building the lab: client, director A, director B on one bridge');
  buildLab();
  const macA = macOf('a');
  const macB = macOf('b');
  console.log(`VIP ${VIP}   director A ${macA}   director B ${macB}`);

  say('Starting vip-arpd: A is MASTER for group "web", B is BACKUP');
  const sockA = await startDaemon('a', 'master');
  const sockB = await startDaemon('b', 'backup');
  console.log(`A: web is ${ctl('a', sockA, 'role', 'web')}   B: web is ${ctl('b', sockB, 'role', 'web')}`);

  say('The client ARPs for the VIP: only A answers');
  console.log(inNs(ns.client, 'arping', ['-I', 'eth0', '-c', '2', '-w', '3', VIP]).trim());
  inNs(ns.client, 'bash', ['-c', `echo hello > /dev/udp/${VIP}/9`]);
  await sleep(200);
  console.log(`client's kernel: ip neigh ${VIP} -> ${neighbourOfVip()}`);

  say('Failover: keepalived would now run `vip-arpctl release web` on A and `vip-arpctl takeover web` on B');
  const t0 = process.hrtime.bigint();
  ctl('a', sockA, 'release', 'web');
  ctl('b', sockB, 'takeover', 'web');
  let entry = neighbourOfVip();
  while (!entry.startsWith(macB) && process.hrtime.bigint() - t0 < 3_000_000_000n) {
    await sleep(5);
    entry = neighbourOfVip();
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`client's kernel: ip neigh ${VIP} -> ${entry}   (${ms.toFixed(1)} ms after starting the two vip-arpctl commands, node start-up included; moved by gratuitous ARP alone)`);
  console.log(inNs(ns.client, 'arping', ['-I', 'eth0', '-c', '1', '-w', '2', VIP]).trim());
  if (!entry.startsWith(macB)) throw new Error('the client cache did not move to B');
  say('Done: tearing the lab down');
}

process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
main()
  .then(() => cleanup())
  .catch((err) => {
    console.error(`demo failed: ${err.message}`);
    cleanup();
    process.exit(1);
  });
