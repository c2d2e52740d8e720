// @ts-check
/**
 * CPU accounting from /proc: per-CPU and system-wide busy time from
 * /proc/stat, a process's user+system time from /proc/PID/stat, the
 * per-CPU backlog drops from /proc/net/softnet_stat (proc(5)), and the
 * function-call IPIs each CPU received from /proc/interrupts.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Clock ticks per second for /proc times (sysconf(_SC_CLK_TCK)). */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'];

/** @typedef {Record<string, number>} CpuTimes `{user, nice, system, idle, iowait, irq, softirq, steal}` in ticks */

/**
 * Returns `{ all, cpus: [...] }`, each a {@link CpuTimes}.
 * @returns {{ all: CpuTimes | undefined, cpus: CpuTimes[] }}
 */
export function readCpuTimes() {
  /** @type {{ all: CpuTimes | undefined, cpus: CpuTimes[] }} */
  const out = { all: undefined, cpus: [] };
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d*) (.*)$/.exec(line);
    if (m === null) continue;
    const values = m[2].trim().split(/\s+/).map(Number);
    const t = Object.fromEntries(FIELDS.map((f, i) => [f, values[i] ?? 0]));
    if (m[1] === '') out.all = t;
    else out.cpus[Number(m[1])] = t;
  }
  return out;
}

/**
 * Busy percentages between two samples of one CPU line: total busy, softirq
 * and user+system, each as % of that line's elapsed time (100 % = all of it).
 * @param {CpuTimes} before
 * @param {CpuTimes} after
 * @returns {{ busy: number, softirq: number, userSystem: number }}
 */
export function cpuPercent(before, after) {
  const d = Object.fromEntries(FIELDS.map((f) => [f, after[f] - before[f]]));
  const total = FIELDS.reduce((s, f) => s + d[f], 0);
  if (total <= 0) return { busy: 0, softirq: 0, userSystem: 0 };
  const idle = d.idle + d.iowait;
  const pct = (/** @type {number} */ x) => Math.round((1000 * x) / total) / 10;
  return { busy: pct(total - idle), softirq: pct(d.softirq + d.irq), userSystem: pct(d.user + d.nice + d.system) };
}

/**
 * A process's user+system time in ticks, or undefined when it is gone.
 * @param {number | undefined} pid
 * @returns {number | undefined}
 */
export function readProcessTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return undefined;
  }
}

/** Per-CPU count of frames dropped because the backlog queue was full. */
export function readBacklogDrops() {
  return readFileSync('/proc/net/softnet_stat', 'utf8')
    .trim()
    .split('\n')
    .map((line) => parseInt(line.trim().split(/\s+/)[1], 16));
}

/**
 * Per-CPU count of function-call IPIs received (the `CAL` row of
 * /proc/interrupts, x86). RPS hands a frame to another CPU's backlog with
 * one of these whenever that backlog was idle; in a VM each is an exit to
 * the host, so how many a responder causes per reply is part of its cost.
 * Empty on machines without the row.
 */
export function readCallIpis() {
  const row = readFileSync('/proc/interrupts', 'utf8')
    .split('\n')
    .find((line) => /^\s*CAL:/.test(line));
  if (row === undefined) return [];
  return row
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number)
    .filter((n) => Number.isFinite(n));
}
