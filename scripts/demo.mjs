#!/usr/bin/env node
// @ts-check
// `npm run demo` (as root): a three-namespace LVS lab on this machine — a
// client and two directors on one bridge — shows the client resolving the VIP
// to director A's MAC through vip-arpd, then a failover to director B that
// flips the client's ARP cache by gratuitous ARP alone. Everything it makes
// is removed at the end, also on Ctrl-C or error.
import { mkdtempSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupOnSignals } from '../lab/processes.mjs';
import { buildLab as buildSwitchedLab } from '../lab/topology.mjs';

/** @typedef {import('../lab/topology.mjs').NetLab} NetLab */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const daemonEntry = join(root, 'dist', 'cli', 'vip-arpd.js');
const ctlEntry = join(root, 'dist', 'cli', 'vip-arpctl.js');
const VIP = '198.51.100.10';
const work = mkdtempSync(join(tmpdir(), 'vip-arpd-demo-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
/** @type {NetLab | undefined} */
let lab;

const say = (/** @type {string} */ text) => process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** The lab, once built. */
function theLab() {
  if (lab === undefined) throw new Error('the lab is not built');
  return lab;
}

/** `cmd args` in `host`'s namespace; its stdout. @param {string} host @param {string} cmd @param {string[]} args */
async function inNs(host, cmd, args) {
  return (await theLab().exec(host, cmd, args, { check: true })).stdout;
}

async function cleanup() {
  await lab?.destroy();
}

/** Client and directors A and B on one bridge (lab/topology.mjs), the LVS-DR director setup on A and B. */
async function buildLab() {
  lab = await buildSwitchedLab({
    hosts: [
      { name: 'client', ip: '192.0.2.2/24' },
      { name: 'a', ip: '192.0.2.11/24' },
      { name: 'b', ip: '192.0.2.12/24' },
    ],
  });
  // The LVS-DR director setup (HOWTO §6): VIP on lo, kernel silent on the wire.
  for (const host of ['a', 'b']) {
    await lab.addAddress(host, 'lo', `${VIP}/32`);
    for (const k of ['all', 'eth0']) {
      await lab.sysctl(host, `net.ipv4.conf.${k}.arp_ignore`, 1);
      await lab.sysctl(host, `net.ipv4.conf.${k}.arp_announce`, 2);
    }
  }
  await inNs('client', 'ip', ['route', 'add', `${VIP}/32`, 'dev', 'eth0']);
}

/** @param {string} host @param {'master' | 'backup'} role @returns {Promise<string>} the control socket */
async function startDaemon(host, role) {
  const dir = join(work, host);
  mkdirSync(dir, { recursive: true });
  const config = {
    stateFile: join(dir, 'state.json'),
    control: { socket: join(dir, 'control.sock') },
    watch: { enabled: false },
    log: { level: 'warn' },
    groups: [{ name: 'web', interface: 'eth0', vips: [VIP], initialRole: role, garp: { count: 3, intervalMs: 300, delayMs: 0 } }],
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const child = theLab().spawn(host, process.execPath, [daemonEntry, '--config', join(dir, 'config.json')]);
  child.stdout?.resume();
  child.stderr?.pipe(process.stderr);
  for (let i = 0; i < 100 && !existsSync(config.control.socket); i++) await sleep(50);
  return config.control.socket;
}

/** @param {string} host @param {string} socket @param {...string} args */
const ctl = async (host, socket, ...args) => (await inNs(host, process.execPath, [ctlEntry, '--socket', socket, ...args])).trim();
const neighbourOfVip = async () => {
  const e = JSON.parse(await inNs('client', 'ip', ['-j', 'neigh', 'show', VIP]))[0];
  return e === undefined ? '(none)' : `${e.lladdr ?? '-'} ${(e.state ?? []).join(',')}`;
};

async function main() {
  if (process.getuid?.() !== 0) throw new Error('the demo builds network namespaces: run it as root');
  if (!existsSync(daemonEntry)) throw new Error('not built: run `npm ci` (or scripts/setup-debian.sh) first');
  say('Building the lab: client, director A, director B on one bridge');
  await buildLab();
  const macA = theLab().mac('a');
  const macB = theLab().mac('b');
  console.log(`VIP ${VIP}   director A ${macA}   director B ${macB}`);

  say('Starting vip-arpd: A is MASTER for group "web", B is BACKUP');
  const sockA = await startDaemon('a', 'master');
  const sockB = await startDaemon('b', 'backup');
  console.log(`A: web is ${await ctl('a', sockA, 'role', 'web')}   B: web is ${await ctl('b', sockB, 'role', 'web')}`);

  say('The client ARPs for the VIP: only A answers');
  console.log((await inNs('client', 'arping', ['-I', 'eth0', '-c', '2', '-w', '3', VIP])).trim());
  await inNs('client', 'bash', ['-c', `echo hello > /dev/udp/${VIP}/9`]);
  await sleep(200);
  console.log(`client's kernel: ip neigh ${VIP} -> ${await neighbourOfVip()}`);

  say('Failover: keepalived would now run `vip-arpctl release web` on A and `vip-arpctl takeover web` on B');
  const t0 = process.hrtime.bigint();
  await ctl('a', sockA, 'release', 'web');
  await ctl('b', sockB, 'takeover', 'web');
  let entry = await neighbourOfVip();
  while (!entry.startsWith(macB) && process.hrtime.bigint() - t0 < 3_000_000_000n) {
    await sleep(5);
    entry = await neighbourOfVip();
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    `client's kernel: ip neigh ${VIP} -> ${entry}   (${ms.toFixed(1)} ms after starting the two vip-arpctl commands, node start-up included; moved by gratuitous ARP alone)`,
  );
  console.log((await inNs('client', 'arping', ['-I', 'eth0', '-c', '1', '-w', '2', VIP])).trim());
  if (!entry.startsWith(macB)) throw new Error('the client cache did not move to B');
  say('Done: tearing the lab down');
}

cleanupOnSignals('the demo lab');
main()
  .then(() => cleanup())
  .catch(async (err) => {
    console.error(`demo failed: ${err.message}`);
    await cleanup();
    process.exit(1);
  });
