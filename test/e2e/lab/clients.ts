/**
 * The client side of a lab: iputils arping (parsed replies) and the kernel's
 * neighbour table as `ip -j neigh` shows it.
 */
import { run } from '../../../lab/run.mjs';
import type { Lab } from './namespaces.js';

/** Options for {@link arping}. */
export interface ArpingOpts {
  /** Requests to send (-c, default 3). */
  count?: number;
  /** Seconds to wait in total (-w, default count + 2). */
  timeoutSec?: number;
  /** Interval between requests in seconds (-i; iputils allows fractions only as root). */
  intervalSec?: number;
  /** Sender IP (-s). With mode 'dad' arping uses 0.0.0.0. */
  source?: string;
  /**
   * 'request' (default): who-has; iputils broadcasts the first request and
   * unicasts later ones to the MAC that replied, unless `broadcast` is set.
   * 'unsolicited' (-U) and 'answer' (-A): gratuitous request/reply announcing
   * `target` from this host. 'dad' (-D): RFC 5227 probe, sender IP 0.0.0.0;
   * exit code 0 means no one answered (address free).
   * iputils has no option to send the first request to a chosen unicast MAC;
   * use {@link scapySend} for that.
   */
  mode?: 'request' | 'unsolicited' | 'answer' | 'dad';
  /** -b: keep broadcasting, never switch to unicast. */
  broadcast?: boolean;
  /** -f: quit on first reply. */
  quitOnFirst?: boolean;
}

/** A reply line of arping. */
export interface ArpingReply {
  /** Lower-case MAC of the replier. */
  mac: string;
  ip: string;
  /** True for "Unicast reply", false for "Broadcast reply". */
  unicast: boolean;
}

/** Result of {@link arping}. */
export interface ArpingResult {
  replies: ArpingReply[];
  /** arping's exit code (0: got a reply; in 'dad' mode 0: no reply). */
  code: number;
  stdout: string;
  stderr: string;
}

/** parseArping extracts reply lines from iputils arping output. */
export function parseArping(stdout: string): ArpingReply[] {
  const replies: ArpingReply[] = [];
  const re = /^(Unicast|Broadcast) reply from (\d+\.\d+\.\d+\.\d+) \[([0-9A-Fa-f:]{17})\]/gm;
  for (const m of stdout.matchAll(re)) {
    replies.push({ unicast: m[1] === 'Unicast', ip: m[2] ?? '', mac: (m[3] ?? '').toLowerCase() });
  }
  return replies;
}

/**
 * arping runs iputils `arping -I iface -c N -w S [flags] target` in `host`
 * and parses the replies. Never throws on a non-zero exit.
 */
export async function arping(lab: Lab, host: string, iface: string, target: string, opts: ArpingOpts = {}): Promise<ArpingResult> {
  const count = opts.count ?? 3;
  const args = ['-I', iface, '-c', String(count), '-w', String(opts.timeoutSec ?? count + 2)];
  if (opts.intervalSec !== undefined) args.push('-i', String(opts.intervalSec));
  if (opts.source !== undefined) args.push('-s', opts.source);
  if (opts.broadcast) args.push('-b');
  if (opts.quitOnFirst) args.push('-f');
  switch (opts.mode ?? 'request') {
    case 'unsolicited':
      args.push('-U');
      break;
    case 'answer':
      args.push('-A');
      break;
    case 'dad':
      args.push('-D');
      break;
    case 'request':
      break;
  }
  args.push(target);
  const r = await lab.exec(host, 'arping', args, { timeoutMs: ((opts.timeoutSec ?? count + 2) + 10) * 1000 });
  return { replies: parseArping(r.stdout), code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** A neighbour table entry. */
export interface Neighbour {
  /** Lower-case MAC, absent for INCOMPLETE/FAILED entries. */
  mac?: string;
  /** NUD state(s), comma-joined, e.g. 'REACHABLE', 'STALE', 'FAILED'. */
  state: string;
  dev: string;
}

/**
 * neighbour returns `host`'s neighbour (ARP) entry for `ip`, optionally on
 * `iface`, from `ip -j neigh show`, or undefined when there is none.
 */
export async function neighbour(lab: Lab, host: string, ipAddr: string, iface?: string): Promise<Neighbour | undefined> {
  const args = ['-n', lab.ns(host), '-j', '-4', 'neigh', 'show', 'to', ipAddr];
  if (iface !== undefined) args.push('dev', iface);
  const r = await run('ip', args, { check: true });
  const arr = JSON.parse(r.stdout || '[]') as Array<{ dst: string; dev?: string; lladdr?: string; state?: string[] }>;
  const e = arr.find((x) => x.dst === ipAddr);
  if (e === undefined) return undefined;
  const out: Neighbour = { state: (e.state ?? []).join(','), dev: e.dev ?? iface ?? '' };
  if (e.lladdr !== undefined) out.mac = e.lladdr.toLowerCase();
  return out;
}

/** flushNeighbours empties `host`'s IPv4 neighbour table (all interfaces, or `iface`). */
export async function flushNeighbours(lab: Lab, host: string, iface?: string): Promise<void> {
  const args = ['-n', lab.ns(host), '-4', 'neigh', 'flush'];
  args.push(...(iface !== undefined ? ['dev', iface] : ['all']));
  await run('ip', args, { check: true });
}
