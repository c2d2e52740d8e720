// @ts-check
/**
 * The XDP target's lab (bench/arp-flood.bench.mjs --only xdp): what a veth
 * pair needs so that XDP_TX replies arrive, and so that the XDP work is
 * charged to the director's CPU like every other responder's.
 *
 * - A veth delivers XDP_TX frames only to a peer that runs NAPI; on this
 *   kernel GRO on the peer does not enable it, an XDP program does. The
 *   client's eth0 gets one that passes everything (lab/xdp.mjs).
 * - With XDP attached a veth receives in NAPI, which runs in the softirq of
 *   the CPU that scheduled it: the sender's, for requests, and the director's
 *   for replies. Threaded NAPI puts each side's poll in a kernel thread,
 *   pinned here to that side's CPU, so the director's XDP work lands on the
 *   director's CPU and the client's receive on the client's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPassProgram } from '../../lab/xdp.mjs';
import { nsWrite, sh } from './netns.mjs';

/**
 * Compiles the pass-everything program (lab/xdp.mjs) into a temp dir.
 * @returns {Promise<{ path: string, remove: () => void }>}
 */
export async function compilePassProgram() {
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-bench-xdp-'));
  const path = await buildPassProgram(dir);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Attaches (or with `object` undefined, detaches) a native XDP program on `iface` in `ns`.
 * @param {string} ns
 * @param {string} iface
 * @param {string | undefined} object
 */
export function setXdp(ns, iface, object) {
  sh('ip', ['-n', ns, 'link', 'set', 'dev', iface, 'xdpdrv', ...(object === undefined ? ['off'] : ['obj', object, 'sec', 'xdp'])]);
}

/**
 * True when `iface` in `ns` has an XDP program attached.
 * @param {string} ns
 * @param {string} iface
 * @returns {boolean}
 */
export function hasXdp(ns, iface) {
  const [link] = JSON.parse(sh('ip', ['-n', ns, '-j', '-d', 'link', 'show', iface]));
  return link?.xdp?.prog !== undefined;
}

/** @param {string} iface @returns {number[]} pids of its NAPI threads */
function napiThreads(iface) {
  return sh('ps', ['-eo', 'pid=,comm='])
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, comm]) => comm?.startsWith(`napi/${iface}-`))
    .map(([pid]) => Number(pid));
}

/**
 * Switches `iface` in `ns` to threaded NAPI and pins the thread(s) it starts to `cpu`, at nice -20.
 * @param {string} ns
 * @param {string} iface
 * @param {number} cpu
 * @returns {number[]} the threads' pids
 * @throws {Error} when no thread appears (NAPI not enabled on the device).
 */
export function threadNapi(ns, iface, cpu) {
  const before = new Set(napiThreads(iface));
  nsWrite(ns, `/sys/class/net/${iface}/threaded`, 1);
  const started = napiThreads(iface).filter((pid) => !before.has(pid));
  if (started.length === 0) throw new Error(`no NAPI thread for ${iface} in ${ns}: is an XDP program attached?`);
  for (const pid of started) {
    sh('taskset', ['-pc', String(cpu), String(pid)]);
    // nice -20 like every responder and the sender: a kernel responder's softirq does not queue behind other work either.
    sh('renice', ['-n', '-20', '-p', String(pid)]);
  }
  return started;
}
