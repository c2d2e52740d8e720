// @ts-check
/**
 * The paced ARP sender (bench/sender/arp-sender.c): compiled at bench time
 * into a temporary directory (no committed binaries) and run inside the
 * client namespace. It reports "go"/"end" on stderr at the edges of its send
 * window so callers can sample CPU counters exactly there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sh, nsSpawn } from './netns.mjs';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'sender', 'arp-sender.c');

/** Compiles the sender with `cc -O2`; returns `{ path, remove() }`. */
export function compileSender() {
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-bench-'));
  const path = join(dir, 'arp-sender');
  sh('cc', ['-O2', '-Wall', '-pthread', '-o', path, SOURCE]);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * What the sender prints when its window ends (arp-sender.c's JSON line).
 * @typedef {object} SenderResult
 * @property {number} offeredRate
 * @property {number} durationS
 * @property {number} batch
 * @property {number} sent
 * @property {number} sendErrors
 * @property {number} sentPerSecond
 * @property {number} replies
 * @property {number} repliesPerSecond
 * @property {number} otherArp
 * @property {number} tagsSent
 * @property {number} tagReplies
 * @property {number} tagDuplicates
 * @property {{ samples: number, p50: number, p99: number, max: number }} latencyUs
 * @property {number} maxReplyGapUs
 * @property {number} maxReplyGapEndMs
 * @property {number} receiverDrops
 */

/**
 * One send window's settings.
 * @typedef {object} SenderOpts
 * @property {string} binary compiled sender
 * @property {string} ns client namespace
 * @property {string} iface client interface
 * @property {string} vip target IP; an IPv6 one counts NAs for it as replies (needs `frame`, an NS)
 * @property {number} rate frames/s, 0 = as fast as possible
 * @property {number} durationMs send window
 * @property {number} [batch] frames per sendmmsg tick
 * @property {number} [cpu] CPU for the sender and receiver threads
 * @property {string} [frame] a fixed Ethernet frame (hex) to send instead of ARP requests
 * @property {() => void} [onGo] called when the window starts
 * @property {() => void} [onEnd] called when the window ends
 */

/**
 * Runs one send window.
 * @param {SenderOpts} o
 * @returns {Promise<SenderResult>} the sender's JSON result
 * @throws {Error} when the sender fails
 */
export function runSender(o) {
  const args = ['-i', o.iface, o.vip.includes(':') ? '-6' : '-v', o.vip, '-r', String(o.rate), '-d', String(o.durationMs), '-b', String(o.batch ?? 16)];
  if (o.cpu !== undefined) args.push('-c', String(o.cpu), '-C', String(o.cpu));
  if (o.frame !== undefined) args.push('-F', o.frame);
  // nice -20: the sender must keep its pace on a machine shared with other work.
  const child = nsSpawn(o.ns, 'nice', ['-n', '-20', o.binary, ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => {
    for (const line of String(d).split('\n')) {
      if (line === 'go') o.onGo?.();
      else if (line === 'end') o.onEnd?.();
      else if (line !== '') stderr += `${line}\n`;
    }
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`arp-sender exited ${code}: ${stderr.trim()}`));
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new Error(`arp-sender printed no JSON: ${stdout} ${stderr}`));
      }
    });
  });
}

/**
 * Sends short low-rate windows until the responder answers (farpd probes
 * ~2 s before claiming an address; the daemon needs a moment to start).
 * @param {Omit<SenderOpts, 'rate' | 'durationMs'>} o
 * @param {number} [timeoutMs]
 * @throws {Error} when nothing answers within `timeoutMs`.
 */
export async function warmUp(o, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await runSender({ ...o, rate: 1000, durationMs: 300, onGo: undefined, onEnd: undefined });
    if (r.replies >= r.sent * 0.99 && r.replies > 0) return;
  }
  throw new Error(`no reply for ${o.vip} within ${timeoutMs} ms`);
}
