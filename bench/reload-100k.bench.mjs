#!/usr/bin/env node
// @ts-check
// Reload benchmark (issue 4), as root, in network namespaces it makes and
// deletes itself. A client floods who-has for a stable VIP of a MASTER group
// while the VIP file of a second group is replaced:
//
//  1. 1 VIP → 100,000 VIPs (a rename, as config management does it);
//  2. a 1-VIP change to the 100,000-VIP file.
//
// Printed per step: the reload's own work (read + validate + diff-apply, from
// the daemon's "config applied" log), file write → applied (adds the watch
// debounce), the daemon's RSS (VmRSS now, VmHWM peak, /proc/PID/status), and
// replies lost to the flood over the whole run. Goals: apply <= 1 s, zero
// replies lost, RSS <= 80 MB.
//
// The 100,000 VIPs are 198.18.0.0/15 (RFC 2544, the benchmarking range) in a
// BACKUP group: they are looked up and diffed like any VIP, but never answered
// or announced, so no frame ever names them. The flood target is 198.51.100.10.
//
// With --ipv6 the bulk file also has as many IPv6 VIPs (2001:db8:0:1::/64,
// one per IPv4 line, the change too): the dual-stack config load and reload
// (issue 13's goal: peak RSS <= 96 MB). The stable group then has an IPv6
// VIP too (2001:db8::10), flooded with NS at the same rate beside the ARP
// flood (bench/lib/ns-frame.mjs), and lost NAs are counted like lost replies.
//
// Usage: sudo node bench/reload-100k.bench.mjs [--rate N] [--vips N] [--ipv6] [--max-groups N] [--node-flags '--max-semi-space-size=1']
// Needs: dist/ built (npm run build), cc (the flood sender), iproute2.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { enableIpv6, linkMac, nsExec, nsSpawn, stopChild } from './lib/netns.mjs';
import { nsFrameHex } from './lib/ns-frame.mjs';
import { clientDirectorLan } from './lib/lan.mjs';
import { followLogs } from './lib/daemon-logs.mjs';
import { runSender, warmUp } from './lib/sender.mjs';
import { formatTable, round } from './lib/table.mjs';
import { unitEnvironment, unitNodeOptions } from './lib/unit-node-options.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DAEMON = join(ROOT, 'dist', 'cli', 'vip-arpd.js');
const STABLE_VIP = '198.51.100.10';
const STABLE_VIP6 = '2001:db8::10';
const SOLICITOR6 = '2001:db8::2';
/** 198.18.0.0: first address of the RFC 2544 benchmarking range (a /15: 131,072 addresses). */
const BULK_BASE = ((198 << 24) >>> 0) + (18 << 16);
const { values: opt } = parseArgs({
  options: {
    rate: { type: 'string', default: '10000' },
    vips: { type: 'string', default: '100000' },
    ipv6: { type: 'boolean', default: false },
    // ndp.maxSolicitedNodeGroups for the daemon (default: the setting's default)
    'max-groups': { type: 'string' },
    // node flags for the daemon; default: the systemd unit's NODE_OPTIONS ("" for node's defaults)
    'node-flags': { type: 'string', default: unitNodeOptions() },
  },
});
/** Issue 4's goals; issue 13's RSS goal for 100k + 100k. */
const GOALS = { applyMs: 1000, lost: 0, rssMb: opt.ipv6 ? 96 : 80 };
/** Quiet time around each step, so the RSS sample and the log line belong to one step. */
const STEP_GAP_MS = 1500;

const RATE = Number(opt.rate);
const VIPS = Number(opt.vips);
if (process.getuid?.() !== 0) {
  console.error('reload-100k: needs root (network namespaces, packet sockets)');
  process.exit(77);
}
if (!(VIPS >= 2 && VIPS <= 131072)) throw new RangeError(`--vips must be 2-131072 (the 198.18.0.0/15 range), got ${opt.vips}`);

const ipText = (/** @type {number} */ n) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const bulkFile = (/** @type {number} */ count, changed = -1) => {
  const lines = ['# reload-100k bulk VIPs'];
  for (let i = 0; i < count; i++) {
    const k = i === changed ? count : i;
    lines.push(ipText(BULK_BASE + k));
    if (opt.ipv6) lines.push(`2001:db8:0:1::${(k >>> 16).toString(16)}:${(k & 0xffff).toString(16)}`);
  }
  return `${lines.join('\n')}\n`;
};
const memory = (/** @type {number | undefined} */ pid) => {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (/** @type {string} */ k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
};

const { tmp, sender, client, director } = await clientDirectorLan('vip-arpd-reload-bench-');
if (opt.ipv6) {
  enableIpv6(director, 'eth0');
  nsExec(director, 'ip', ['addr', 'add', `${STABLE_VIP6}/128`, 'dev', 'lo', 'nodad']);
}

const vipsPath = join(tmp, 'bulk.vips');
writeFileSync(vipsPath, bulkFile(1));
const configPath = join(tmp, 'config.json');
writeFileSync(
  configPath,
  JSON.stringify({
    stateFile: '',
    control: { socket: '' },
    log: { level: 'info' },
    ...(opt['max-groups'] === undefined ? {} : { ndp: { maxSolicitedNodeGroups: Number(opt['max-groups']) } }),
    groups: [
      // One GARP at start, no second burst: GARP replies name the stable VIP
      // and would be counted as replies to the flood.
      { name: 'web', interface: 'eth0', vips: opt.ipv6 ? [STABLE_VIP, STABLE_VIP6] : [STABLE_VIP], garp: { count: 1, delayMs: 0 } },
      { name: 'bulk', interface: 'eth0', vipsFile: vipsPath, initialRole: 'backup' },
    ],
  }),
);

const nodeFlags = opt['node-flags'].split(' ').filter((f) => f !== '');
// With the unit's environment too (MALLOC_MMAP_THRESHOLD_): the RSS figures are the deployed daemon's.
const daemon = nsSpawn(director, 'env', [...unitEnvironment(), process.execPath, ...nodeFlags, DAEMON, '--config', configPath]);
const { waitLog } = followLogs(daemon);

await waitLog((l) => l.msg === 'ready');
const base = memory(daemon.pid);
await warmUp({ binary: sender.path, ns: client, iface: 'eth0', vip: STABLE_VIP });
const ns = opt.ipv6 ? { ns: client, iface: 'eth0', vip: STABLE_VIP6, frame: await nsFrameHex(linkMac(client, 'eth0'), SOLICITOR6, STABLE_VIP6) } : undefined;
if (ns !== undefined) await warmUp({ binary: sender.path, ...ns });

/** Replaces the VIP file by rename and waits for the reload; returns its figures. */
/** @param {string} name @param {string} text @param {number} generation */
async function step(name, text, generation) {
  writeFileSync(`${vipsPath}.tmp`, text);
  const t0 = Date.now();
  renameSync(`${vipsPath}.tmp`, vipsPath);
  const l = await waitLog((x) => x.msg === 'config applied' && x.generation === generation);
  const m = memory(daemon.pid);
  return { name, workMs: l.ms, wallMs: l.time - t0, added: l.added, removed: l.removed, vips: l.vips, ...m };
}

const floodMs = 4 * STEP_GAP_MS + 4000;
const flood = runSender({ binary: sender.path, ns: client, iface: 'eth0', vip: STABLE_VIP, rate: RATE, durationMs: floodMs });
const flood6 = ns === undefined ? undefined : runSender({ binary: sender.path, ...ns, rate: RATE, durationMs: floodMs });
await new Promise((r) => setTimeout(r, STEP_GAP_MS));
const steps = [];
steps.push(await step(`1 → ${VIPS} VIPs`, bulkFile(VIPS), 2));
await new Promise((r) => setTimeout(r, STEP_GAP_MS));
steps.push(await step(`1-VIP change of ${VIPS}`, bulkFile(VIPS, Math.floor(VIPS / 2)), 3));
await new Promise((r) => setTimeout(r, STEP_GAP_MS));
const settled = memory(daemon.pid);
const f = await flood;
const f6 = await flood6;
await stopChild(daemon);

const lost4 = f.sent - f.replies;
const lost6 = f6 === undefined ? 0 : f6.sent - f6.replies;
const lost = lost4 + lost6;
const flood6Text = f6 === undefined ? '' : ` and ${round(f6.sentPerSecond)} NS/s for ${STABLE_VIP6}`;
console.log(
  `\nreload-100k: flood ${round(f.sentPerSecond)} who-has/s for ${STABLE_VIP}${flood6Text} during both reloads; daemon RSS at start ${round(base.rssMb, 1)} MB\n`,
);
console.log(
  formatTable(
    ['step', 'reload work ms', 'write→applied ms', 'added', 'removed', 'VIPs', 'RSS MB', 'peak RSS MB'],
    steps.map((s) => [s.name, round(s.workMs, 1), s.wallMs, s.added, s.removed, s.vips, round(s.rssMb, 1), round(s.hwmMb, 1)]),
  ),
);
console.log(`\nafter both: RSS ${round(settled.rssMb, 1)} MB, peak ${round(settled.hwmMb, 1)} MB`);
console.log(`flood: ${f.sent} requests, ${f.replies} replies, ${lost4} lost`);
if (f6 !== undefined) console.log(`NS flood: ${f6.sent} NS, ${f6.replies} NAs, ${lost6} lost`);
const worstApply = Math.max(...steps.map((s) => s.wallMs));
const verdict = [
  `apply ${worstApply <= GOALS.applyMs ? 'ok' : 'MISSED'} (worst write→applied ${worstApply} ms, goal <= ${GOALS.applyMs})`,
  `replies ${lost <= GOALS.lost ? 'ok' : 'MISSED'} (${lost} lost, goal ${GOALS.lost})`,
  `RSS ${settled.hwmMb <= GOALS.rssMb ? 'ok' : 'MISSED'} (peak ${round(settled.hwmMb, 1)} MB, goal <= ${GOALS.rssMb})`,
];
console.log(`goals: ${verdict.join('; ')}`);
