#!/usr/bin/env node
// @ts-check
// VIP config load and reload, without the daemon or the network (issue 13:
// 100,000 IPv4 + 100,000 IPv6 VIPs in one config; issue 11: each entry parsed
// once). Each run is a fresh node process that:
//
//  1. loads a config whose VIP file has N IPv4 (198.18.0.0/15) and, for the
//     dual-stack case, N IPv6 (2001:db8:0:1::/64) VIPs, and builds the VIP
//     tables (loadSnapshot + VipTable [+ Ipv6VipTable]);
//  2. "reloads": a 1-VIP change per family to the file, loaded again, diffed
//     against the first snapshot (sortedDifference [+ sortedIpv6Difference])
//     and the tables built again.
//
// Printed per case: median load and reload ms, RSS after the load and peak
// RSS (VmHWM) over the run. With --base DIR (a checkout of the tree before a
// change, built) the IPv4-only case runs in both trees, alternating, and the
// ratios new/base are printed: the figure that says whether IPv4 got slower.
//
// Usage: node bench/vips-load.bench.mjs [--vips N] [--runs R] [--base DIR]
// Needs: dist/ built (npm run build).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatTable, round } from './lib/table.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);

const { values: opt } = parseArgs({
  options: {
    vips: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    base: { type: 'string' },
    child: { type: 'string' },
    root: { type: 'string' },
  },
});
const VIPS = Number(opt.vips);

/** @param {number} n */
const ipv4Text = (n) => `${198}.${18 + (n >>> 16)}.${(n >>> 8) & 255}.${n & 255}`;
/** @param {number} n */
const ipv6Text = (n) => `2001:db8:0:1::${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
/** @param {number} count @param {boolean} dual */
function bulkFile(count, dual, changed = -1) {
  const lines = ['# vips-load bench'];
  for (let i = 0; i < count; i++) {
    const k = i === changed ? count : i;
    lines.push(ipv4Text(k));
    if (dual) lines.push(ipv6Text(k));
  }
  return `${lines.join('\n')}\n`;
}
const memory = () => {
  const s = readFileSync('/proc/self/status', 'utf8');
  /** @param {string} k */
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
};

/** One run, in this (fresh) process, against the tree at `root`; prints its figures as JSON. */
/**
 * @param {string} root
 * @param {boolean} dual
 */
async function child(root, dual) {
  /** @param {string} m */
  const dist = (m) => import(join(root, 'dist', m));
  const { loadSnapshot } = await dist('config/load-snapshot.js');
  const { VipTable } = await dist('vips/vip-table.js');
  const { sortedDifference } = await dist('vips/sorted-set.js');
  const v6 = dual ? { ...(await dist('vips/ipv6-vip-table.js')), ...(await dist('vips/sorted-set.js')) } : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-vips-load-'));
  try {
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        groups: [
          { name: 'web', interface: 'eth0', vips: ['198.51.100.10'] },
          { name: 'bulk', interface: 'eth0', vipsFile: 'bulk.vips' },
        ],
      }),
    );
    writeFileSync(join(dir, 'bulk.vips'), bulkFile(VIPS, dual));
    const states = [
      { name: 'web', role: 'MASTER', mac: undefined },
      { name: 'bulk', role: 'BACKUP', mac: undefined },
    ];
    /** @typedef {{ config: { interface: string }, vips: Uint32Array, ipv6Vips: Uint32Array }} Group */
    /** @param {{ groups: Group[] }} s */
    const tables = (s) => {
      const t4 = new VipTable(
        s.groups.map((/** @type {Group} */ g, /** @type {number} */ i) => ({ family: 'ipv4', group: states[i], iface: g.config.interface, ips: g.vips })),
      );
      const t6 =
        v6 &&
        new v6.Ipv6VipTable(
          s.groups.map((/** @type {Group} */ g, /** @type {number} */ i) => ({ family: 'ipv6', group: states[i], iface: g.config.interface, ips: g.ipv6Vips })),
        );
      return t4.size + (t6?.size ?? 0);
    };
    const source = { file: config, flags: {}, env: {} };
    /** @param {NodeJS.CpuUsage} since */
    const cpuMs = (since) => {
      const u = process.cpuUsage(since);
      return (u.user + u.system) / 1000;
    };
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const first = loadSnapshot(source);
    const size = tables(first);
    const loadMs = performance.now() - t0;
    const loadCpuMs = cpuMs(c0);
    const afterLoad = memory();
    writeFileSync(join(dir, 'bulk.vips'), bulkFile(VIPS, dual, VIPS >> 1));
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const second = loadSnapshot(source);
    let changed = 0;
    second.groups.forEach((/** @type {Group} */ g, /** @type {number} */ i) => {
      changed += sortedDifference(g.vips, first.groups[i].vips).length + sortedDifference(first.groups[i].vips, g.vips).length;
      if (v6)
        changed +=
          (v6.sortedIpv6Difference(g.ipv6Vips, first.groups[i].ipv6Vips).length + v6.sortedIpv6Difference(first.groups[i].ipv6Vips, g.ipv6Vips).length) / 4;
    });
    tables(second);
    const reloadMs = performance.now() - t1;
    const reloadCpuMs = cpuMs(c1);
    process.stdout.write(`${JSON.stringify({ loadMs, reloadMs, loadCpuMs, reloadCpuMs, size, changed, rssMb: afterLoad.rssMb, hwmMb: memory().hwmMb })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * @param {string} root
 * @param {boolean} dual
 * @returns {Record<string, number>}
 */
function runOnce(root, dual) {
  const r = spawnSync(process.execPath, [SELF, '--child', dual ? 'dual' : 'ipv4', '--root', root, '--vips', String(VIPS)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vips-load child (${root}) failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (opt.child !== undefined) {
  await child(opt.root ?? ROOT, opt.child === 'dual');
} else {
  const runs = Number(opt.runs);
  const cases = [
    { name: `${VIPS} IPv4`, root: ROOT, dual: false },
    ...(opt.base === undefined ? [] : [{ name: `${VIPS} IPv4 (base)`, root: resolve(opt.base), dual: false }]),
    { name: `${VIPS} IPv4 + ${VIPS} IPv6`, root: ROOT, dual: true },
  ];
  /** @type {Array<Array<Record<string, number>>>} */
  const results = cases.map(() => []);
  // Alternating, so load on the machine falls on every case alike.
  for (let r = 0; r < runs; r++)
    cases.forEach((c, i) => {
      results[i]?.push(runOnce(c.root, c.dual));
    });
  const rows = cases.map((c, i) => {
    const rs = results[i] ?? [];
    /** @param {string} k */
    const m = (k) => median(rs.map((x) => x[k]));
    return {
      name: c.name,
      loadMs: m('loadMs'),
      reloadMs: m('reloadMs'),
      loadCpuMs: m('loadCpuMs'),
      reloadCpuMs: m('reloadCpuMs'),
      rssMb: m('rssMb'),
      hwmMb: m('hwmMb'),
      size: rs[0].size,
      changed: rs[0].changed,
    };
  });
  console.log(
    `\nvips-load: median of ${runs} fresh processes per case (load = loadSnapshot + tables; reload = 1-VIP change per family, load + diff + tables; CPU = user + system, steadier than wall time on a shared machine)\n`,
  );
  console.log(
    formatTable(
      ['case', 'VIPs', 'load ms', 'load CPU ms', 'reload ms', 'reload CPU ms', 'RSS after load MB', 'peak RSS MB', 'changed'],
      rows.map((r) => [
        r.name,
        r.size,
        round(r.loadMs),
        round(r.loadCpuMs),
        round(r.reloadMs),
        round(r.reloadCpuMs),
        round(r.rssMb, 1),
        round(r.hwmMb, 1),
        r.changed,
      ]),
    ),
  );
  if (opt.base !== undefined) {
    const [now, base] = rows;
    /** @param {'loadMs' | 'reloadMs' | 'loadCpuMs' | 'reloadCpuMs' | 'hwmMb'} k */
    const x = (k) => round(now[k] / base[k], 2);
    console.log(
      `\nIPv4-only, this tree / base: load CPU ${x('loadCpuMs')}x (wall ${x('loadMs')}x), reload CPU ${x('reloadCpuMs')}x (wall ${x('reloadMs')}x), peak RSS ${x('hwmMb')}x`,
    );
  }
}
