#!/usr/bin/env node
// @ts-check
/**
 * NS flood benchmark (issue 13): vip-arpd answering Neighbor Solicitations for
 * an IPv6 VIP on its lo vs the Linux kernel answering NS for the same address
 * on its eth0, same run, same lab, same sender (the ARP flood's layout,
 * bench/arp-flood.bench.mjs).
 *
 *   client netns                            director netns
 *   arp-sender -6 VIP -F <NS> (CPU 0) ── eth0 ═veth═ eth0 ── responder (CPU 1)
 *   (sends, counts NAs for the VIP)                 + RPS: all director receive
 *                                                     softirq on CPU 1 too
 *
 * The NS is one fixed frame from 2001:db8::64 (bench/lib/ns-frame.mjs); each
 * responder answers it with a unicast solicited NA to the client's MAC. A
 * rate is loss-free when every NS got its NA.
 *
 * Usage: node bench/ndp-flood.bench.mjs [--duration-ms 3000]
 *          [--rates 20000,50000,100000,150000,0] [--only vip-arpd,kernel] [--batch 16]
 * (rate 0 = unlimited). Needs root and a built tree (npm run build).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cleanupAll, enableIpv6, linkMac, nsSpawnDaemon, sh, stopChild } from './lib/netns.mjs';
import { buildFloodLab, CLIENT_CPU, DIRECTOR_CPU, FLOOD_IFACE } from './lib/flood-lab.mjs';
import { cpuPercent, readCpuTimes, readProcessTicks, CLK_TCK } from './lib/cpu.mjs';
import { compileSender, runSender, warmUp } from './lib/sender.mjs';
import { nsFrameHex } from './lib/ns-frame.mjs';
import { formatTable, round } from './lib/table.mjs';
import { rateLabel, runResponders } from './lib/flood-runs.mjs';
import { unitNodeOptions } from './lib/unit-node-options.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const DAEMON = join(REPO, 'dist', 'cli', 'vip-arpd.js');
const VIP = '2001:db8::10';
const SOLICITOR = '2001:db8::64';
/** The director's own address: the solicitor is on-link through it, so the kernel can send its NA. */
const DIRECTOR_IP6 = '2001:db8::1/64';
const IFACE = FLOOD_IFACE;
const SETTLE_MS = 500;

const { values: argv } = parseArgs({
  options: {
    'duration-ms': { type: 'string', default: '3000' },
    rates: { type: 'string', default: '20000,50000,100000,150000,0' },
    only: { type: 'string', default: 'vip-arpd,kernel' },
    batch: { type: 'string', default: '16' },
  },
});
const durationMs = Number(argv['duration-ms']);
const rates = argv.rates.split(',').map(Number);
const responders = argv.only.split(',');
const batch = Number(argv.batch);

/** @param {string} cmd @param {string[]} args @returns {[string, string[]]} on the director's CPU, nice -20 */
function responderCommand(cmd, args) {
  return ['taskset', ['-c', String(DIRECTOR_CPU), 'nice', '-n', '-20', cmd, ...args]];
}

/**
 * A started responder.
 * @typedef {{ pid: number | undefined, stop: () => Promise<unknown> }} Responder
 */

/** @type {Record<string, (director: string) => Promise<Responder>>} */
const setups = {
  async kernel(director) {
    sh('ip', ['-n', director, 'addr', 'add', `${VIP}/128`, 'dev', IFACE, 'nodad']);
    return { pid: undefined, stop: async () => sh('ip', ['-n', director, 'addr', 'del', `${VIP}/128`, 'dev', IFACE]) };
  },
  /** The LVS way: the VIP /128 nodad on lo, vip-arpd MASTER for it on eth0. */
  async 'vip-arpd'(director) {
    sh('ip', ['-n', director, 'addr', 'add', `${VIP}/128`, 'dev', 'lo', 'nodad']);
    const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-bench-cfg-'));
    const config = join(dir, 'vip-arpd.json');
    writeFileSync(
      config,
      JSON.stringify({
        groups: [{ name: 'bench', interface: IFACE, vips: [VIP], initialRole: 'master', garp: { count: 1, delayMs: 0 } }],
        stateFile: join(dir, 'state.json'),
        control: { socket: '' },
        watch: { enabled: false },
        log: { level: 'warn' },
      }),
    );
    const nodeFlags = unitNodeOptions()
      .split(' ')
      .filter((f) => f !== '');
    const { child } = nsSpawnDaemon(director, ...responderCommand(process.execPath, [...nodeFlags, DAEMON, '--config', config]));
    return {
      pid: child.pid,
      stop: async () => {
        await stopChild(child);
        rmSync(dir, { recursive: true, force: true });
        sh('ip', ['-n', director, 'addr', 'del', `${VIP}/128`, 'dev', 'lo']);
      },
    };
  },
};

/**
 * One send window at `rate`.
 * @param {{ client: string, director: string }} lab
 * @param {string} binary
 * @param {string} frame
 * @param {number | undefined} pid
 * @param {number} rate
 */
async function measure(lab, binary, frame, pid, rate) {
  const sample = () => ({ cpu: readCpuTimes(), proc: pid === undefined ? undefined : readProcessTicks(pid), at: process.hrtime.bigint() });
  /** @type {ReturnType<typeof sample> | undefined} */
  let before;
  /** @type {ReturnType<typeof sample> | undefined} */
  let after;
  const r = await runSender({
    binary,
    ns: lab.client,
    iface: IFACE,
    vip: VIP,
    frame,
    rate,
    durationMs,
    batch,
    cpu: CLIENT_CPU,
    onGo: () => (before = sample()),
    onEnd: () => (after = sample()),
  });
  if (before === undefined || after === undefined) throw new Error('sender did not report its window');
  const seconds = Number(after.at - before.at) / 1e9;
  return {
    offeredRate: rate,
    sentPerSecond: r.sentPerSecond,
    repliesPerSecond: r.repliesPerSecond,
    lossPercent: r.sent > 0 ? (100 * Math.max(0, r.sent - r.replies)) / r.sent : 0,
    processCpuPercent: pid === undefined ? undefined : (100 * ((after.proc ?? NaN) - (before.proc ?? NaN))) / CLK_TCK / seconds,
    directorCpu: cpuPercent(before.cpu.cpus[DIRECTOR_CPU] ?? {}, after.cpu.cpus[DIRECTOR_CPU] ?? {}),
    sender: r,
  };
}

/** @typedef {Awaited<ReturnType<typeof measure>>} Measurement */

/**
 * The highest paced rate every NS of which was answered, or undefined.
 * @param {Measurement[]} ms
 */
function lossFreeRate(ms) {
  const clean = ms.filter((m) => m.offeredRate > 0 && m.sender.sent > 0 && m.sender.replies >= m.sender.sent);
  return clean.length === 0 ? undefined : Math.max(...clean.map((m) => m.offeredRate));
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces, AF_PACKET)');
  if (cpus().length < 2) throw new Error('needs 2 CPUs: one for the client, one for the director');
  if (!existsSync(DAEMON)) throw new Error(`${DAEMON} missing: run npm run build`);
  const sender = compileSender();
  const lab = await buildFloodLab();
  const startedAt = new Date().toISOString();
  const load = loadavg();
  /** @type {Record<string, Measurement[]>} */
  let results;
  try {
    // The flood lab's namespaces start with IPv6 off; the director needs it, the client sends raw frames.
    enableIpv6(lab.director, IFACE);
    sh('ip', ['-n', lab.director, 'addr', 'add', DIRECTOR_IP6, 'dev', IFACE, 'nodad']);
    const frame = await nsFrameHex(linkMac(lab.client, IFACE), SOLICITOR, VIP);
    results = await runResponders({
      names: responders,
      rates,
      settleMs: SETTLE_MS,
      unit: 'NA/s',
      start: (name) => {
        const setup = setups[name];
        if (setup === undefined) throw new Error(`unknown responder ${name}`);
        return setup(lab.director);
      },
      warmUp: () => warmUp({ binary: sender.path, ns: lab.client, iface: IFACE, vip: VIP, frame, batch, cpu: CLIENT_CPU }),
      measure: (r, rate) => measure(lab, sender.path, frame, r.pid, rate),
    });
  } finally {
    sender.remove();
    cleanupAll();
  }
  report({ startedAt, load, results });
}

/** @param {{ startedAt: string, load: number[], results: Record<string, Measurement[]> }} run */
function report({ startedAt, load, results }) {
  const rows = Object.entries(results).flatMap(([name, ms]) =>
    ms.map((m) => [
      name,
      rateLabel(m.offeredRate),
      round(m.sentPerSecond),
      round(m.repliesPerSecond),
      round(m.lossPercent, 2),
      m.processCpuPercent === undefined ? '-' : round(m.processCpuPercent),
      round(m.directorCpu.busy),
      round(m.directorCpu.softirq),
    ]),
  );
  console.log(formatTable(['responder', 'offered', 'NS sent/s', 'NA/s', 'loss %', 'proc CPU %', 'dir CPU %', 'dir sirq %'], rows));
  const ratios = rates.map((rate, i) => {
    const v = results['vip-arpd']?.[i]?.repliesPerSecond;
    const k = results.kernel?.[i]?.repliesPerSecond;
    return [rateLabel(rate), v !== undefined && k ? round(v / k, 3) : '-'];
  });
  console.log(`\n${formatTable(['offered', 'vip-arpd/kernel (NA/s)'], ratios)}`);
  const lossFree = Object.entries(results).map(([name, ms]) => [name, round(lossFreeRate(ms))]);
  console.log(`\n${formatTable(['responder', 'loss-free rate (NS/s, of those offered)'], lossFree)}`);
  const out = join(REPO, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const file = join(out, `ndp-flood-${startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        bench: 'ndp-flood',
        startedAt,
        kernel: release(),
        node: process.version,
        cpus: cpus().length,
        loadavgBefore: load,
        durationMs,
        batch,
        layout: { clientCpu: CLIENT_CPU, directorCpu: DIRECTOR_CPU },
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nresults: ${file}`);
}

main().catch((err) => {
  cleanupAll();
  process.stderr.write(`ndp-flood: ${err.stack ?? err}\n`);
  process.exit(1);
});
