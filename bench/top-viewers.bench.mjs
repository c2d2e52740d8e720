#!/usr/bin/env node
// @ts-check
/**
 * What `vip-arpctl top` costs the daemon: vip-arpd's CPU during a 100k/s ARP
 * flood with 0, 1 and 10 viewers attached, same lab, same run, windows
 * interleaved (0, 1, 10, 10, 1, 0 by default) so drift in the machine's load
 * falls on every count alike.
 *
 *   client netns                       director netns
 *   arp-sender (CPU 0) ── eth0 ═veth═ eth0 ── vip-arpd (CPU 1, + RPS)
 *   top viewers (CPU 0, nice 10) ── unix socket ──┘
 *
 * The layout is the arp-flood bench's (bench/arp-flood.bench.mjs). Viewers
 * run on the client's CPU so their own rendering does not land on the
 * daemon's; what the daemon pays is one `status` request per viewer per
 * second.
 *
 * A flood window on a shared 2-vCPU machine varies by more than one status
 * request per second can cost, so the bench also measures that cost
 * directly: the daemon's CPU time for STATUS_REQUESTS back-to-back `status`
 * requests (no flood), from which 1 and 10 viewers' share of a CPU follows.
 *
 * Usage: node bench/top-viewers.bench.mjs [--duration-ms 10000] [--rate 100000]
 *          [--viewers 0,1,10,10,1,0]
 * Needs root and a built tree (npm run build).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupAll, nsSpawn, nsSysctl, sh, stopChild } from './lib/netns.mjs';
import { buildFloodLab, CLIENT_CPU, DIRECTOR_CPU, FLOOD_IFACE } from './lib/flood-lab.mjs';
import { readProcessTicks, CLK_TCK } from './lib/cpu.mjs';
import { compileSender, runSender, warmUp } from './lib/sender.mjs';
import { formatTable, round } from './lib/table.mjs';
import { unitNodeOptions } from './lib/unit-node-options.mjs';
import { sendRequest } from '../dist/control/client.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const DAEMON = join(REPO, 'dist', 'cli', 'vip-arpd.js');
const CTL = join(REPO, 'dist', 'cli', 'vip-arpctl.js');
const VIP = '198.51.100.10';
const IFACE = FLOOD_IFACE;
/** Viewers connect and take their first sample before the window opens. */
const VIEWER_SETTLE_MS = 2500;
/** Enough requests for the daemon's CPU time to be many clock ticks (10 ms each). */
const STATUS_REQUESTS = 3000;

const { values: argv } = parseArgs({
  options: {
    'duration-ms': { type: 'string', default: '10000' },
    rate: { type: 'string', default: '100000' },
    viewers: { type: 'string', default: '0,1,10,10,1,0' },
  },
});
const durationMs = Number(argv['duration-ms']);
const rate = Number(argv.rate);
const viewerCounts = argv.viewers.split(',').map(Number);

function preflight() {
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces, AF_PACKET)');
  if (cpus().length < 2) throw new Error('needs 2 CPUs: one for the client, one for the director');
  if (!existsSync(DAEMON)) throw new Error(`${DAEMON} missing: run npm run build`);
}

/** The flood lab with the LVS director setup vip-arpd expects: VIP on lo, the kernel silent for it. */
async function buildLab() {
  const lab = await buildFloodLab();
  sh('ip', ['-n', lab.director, 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
  nsSysctl(lab.director, 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2');
  return lab;
}

/**
 * vip-arpd with its control socket on (the arp-flood bench runs it without one).
 * @param {string} director namespace
 * @param {string} dir config and socket dir
 */
function startDaemon(director, dir) {
  const config = join(dir, 'vip-arpd.json');
  const socket = join(dir, 'control.sock');
  writeFileSync(
    config,
    JSON.stringify({
      groups: [{ name: 'bench', interface: IFACE, vips: [VIP], garp: { count: 1, delayMs: 0 } }],
      stateFile: join(dir, 'state.json'),
      control: { socket },
      watch: { enabled: false },
      log: { level: 'warn' },
    }),
  );
  const flags = unitNodeOptions()
    .split(' ')
    .filter((f) => f !== '');
  const child = nsSpawn(director, 'taskset', ['-c', String(DIRECTOR_CPU), 'nice', '-n', '-20', process.execPath, ...flags, DAEMON, '--config', config]);
  child.stdout?.resume();
  child.stderr?.resume();
  return { child, socket };
}

/** @param {string} director namespace @param {string} socket @param {number} n */
function startViewers(director, socket, n) {
  return Array.from({ length: n }, () => {
    const v = nsSpawn(director, 'taskset', ['-c', String(CLIENT_CPU), 'nice', '-n', '10', process.execPath, CTL, '--socket', socket, 'top']);
    // top writes a frame a second to its pipe; read it so it never blocks.
    v.stdout?.resume();
    v.stderr?.resume();
    return v;
  });
}

/**
 * @typedef {object} Measurement
 * @property {number} viewers
 * @property {number} daemonCpuPercent
 * @property {number} sentPerSecond
 * @property {number} repliesPerSecond
 * @property {number} lossPercent
 */

/**
 * One flood window with `viewers` top viewers running.
 * @param {{ client: string }} lab
 * @param {string} binary the sender
 * @param {number | undefined} pid the daemon
 * @param {number} viewers
 * @returns {Promise<Measurement>}
 */
async function measure(lab, binary, pid, viewers) {
  /** @typedef {{ ticks: number, at: bigint }} Sample */
  /** @type {Sample | undefined} */
  let before;
  /** @type {Sample | undefined} */
  let after;
  /** @returns {Sample} */
  const sample = () => ({ ticks: readProcessTicks(pid) ?? NaN, at: process.hrtime.bigint() });
  const r = await runSender({
    binary,
    ns: lab.client,
    iface: IFACE,
    vip: VIP,
    rate,
    durationMs,
    cpu: CLIENT_CPU,
    onGo: () => (before = sample()),
    onEnd: () => (after = sample()),
  });
  if (before === undefined || after === undefined) throw new Error('the sender reported no send window');
  const seconds = Number(after.at - before.at) / 1e9;
  return {
    viewers,
    daemonCpuPercent: (100 * (after.ticks - before.ticks)) / CLK_TCK / seconds,
    sentPerSecond: r.sentPerSecond,
    repliesPerSecond: r.repliesPerSecond,
    lossPercent: r.sent > 0 ? (100 * (r.sent - r.replies)) / r.sent : 0,
  };
}

/** The daemon's CPU ms per `status` request, asked one after another as top asks them. */
/** @param {number | undefined} pid @param {string} socket */
async function statusCost(pid, socket) {
  const t0 = readProcessTicks(pid) ?? NaN;
  for (let i = 0; i < STATUS_REQUESTS; i++) await sendRequest(socket, 'status', [], 5000);
  return (((readProcessTicks(pid) ?? NaN) - t0) * 1000) / CLK_TCK / STATUS_REQUESTS;
}

async function main() {
  preflight();
  const sender = compileSender();
  const lab = await buildLab();
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-bench-top-'));
  const startedAt = new Date().toISOString();
  const load = loadavg();
  /** @type {Measurement[]} */
  const results = [];
  /** @type {number | undefined} */
  let statusMs;
  try {
    const daemon = startDaemon(lab.director, dir);
    await warmUp({ binary: sender.path, ns: lab.client, iface: IFACE, vip: VIP, cpu: CLIENT_CPU });
    statusMs = await statusCost(daemon.child.pid, daemon.socket);
    process.stderr.write(`status: ${round(statusMs, 3)} ms of daemon CPU per request\n`);
    for (const n of viewerCounts) {
      const viewers = startViewers(lab.director, daemon.socket, n);
      try {
        await sleep(VIEWER_SETTLE_MS);
        const m = await measure(lab, sender.path, daemon.child.pid, n);
        process.stderr.write(
          `${n} viewer(s): daemon CPU ${round(m.daemonCpuPercent, 1)} %, ${round(m.repliesPerSecond)} replies/s, loss ${round(m.lossPercent, 3)} %\n`,
        );
        results.push(m);
      } finally {
        await Promise.all(viewers.map((v) => stopChild(v)));
      }
    }
    await stopChild(daemon.child);
  } finally {
    sender.remove();
    rmSync(dir, { recursive: true, force: true });
    cleanupAll();
  }
  report({ startedAt, load, results, statusMs });
}

/**
 * @param {{ startedAt: string, load: number[], results: Measurement[], statusMs: number | undefined }} run
 */
function report({ startedAt, load, results, statusMs }) {
  /** @type {Map<number, Measurement[]>} */
  const byCount = new Map();
  for (const m of results) byCount.set(m.viewers, [...(byCount.get(m.viewers) ?? []), m]);
  /** @type {(ms: Measurement[], f: 'daemonCpuPercent' | 'repliesPerSecond') => number} */
  const mean = (ms, f) => ms.reduce((s, m) => s + m[f], 0) / ms.length;
  const zero = byCount.get(0);
  const base = zero ? mean(zero, 'daemonCpuPercent') : undefined;
  console.log(
    formatTable(
      // CPU per reply: on a shared machine the flood's achieved rate varies, and the daemon's CPU with it.
      ['viewers', 'windows', 'daemon CPU % (each)', 'daemon CPU % (mean)', 'vs 0 viewers', 'replies/s (mean)', 'CPU us/reply', 'loss % (max)'],
      [...byCount]
        .sort(([a], [b]) => a - b)
        .map(([n, ms]) => [
          n,
          ms.length,
          ms.map((m) => round(m.daemonCpuPercent, 1)).join(' / '),
          round(mean(ms, 'daemonCpuPercent'), 1),
          base ? round(mean(ms, 'daemonCpuPercent') / base, 3) : '-',
          round(mean(ms, 'repliesPerSecond')),
          round((1e4 * mean(ms, 'daemonCpuPercent')) / mean(ms, 'repliesPerSecond'), 2),
          round(Math.max(...ms.map((m) => m.lossPercent)), 3),
        ]),
    ),
  );
  // One request per viewer per second: ms per request / 1000 ms = share of one CPU.
  console.log(
    `\nstatus request: ${round(statusMs, 3)} ms of daemon CPU each (${STATUS_REQUESTS} back to back, no flood)` +
      ` => 1 viewer ${round((statusMs ?? NaN) / 10, 3)} %, 10 viewers ${round(statusMs, 3)} % of one CPU`,
  );
  const out = join(REPO, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const file = join(out, `top-viewers-${startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ bench: 'top-viewers', startedAt, kernel: release(), node: process.version, cpuModel: cpus()[0]?.model, loadavgBefore: load, durationMs, rate, statusMsPerRequest: statusMs, results }, null, 2)}\n`,
  );
  console.log(`\nresults: ${file}`);
}

main().catch((err) => {
  cleanupAll();
  process.stderr.write(`top-viewers: ${err.stack ?? err}\n`);
  process.exit(1);
});
