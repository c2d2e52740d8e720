// Lab helpers for the XDP fast path (test/e2e/xdp.test.ts, bench/arp-flood).
//
// A veth delivers frames that XDP_TX sends back out of its peer only when the
// receiving peer runs NAPI, and (checked on this lab's kernel, 6.18) turning
// GRO on for the peer does not do it: an XDP program on the peer does. So the
// lab attaches one that passes everything (fixtures/xdp-pass.bpf.c) to every
// switch-side veth.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildPassProgram } from '../../lab/xdp.mjs';
import { REPO_ROOT, run, type Lab } from './lab.js';

export const XDP_OBJECT = join(REPO_ROOT, 'build', 'Release', 'arp_xdp.bpf.o');

/** Attaches the pass program `object` to `iface` of namespace `ns` in native mode. */
export async function attachPassProgram(ns: string, iface: string, object: string): Promise<void> {
  await run('ip', ['-n', ns, 'link', 'set', 'dev', iface, 'xdpdrv', 'obj', object, 'sec', 'xdp'], { check: true });
}
export const CTL = join(REPO_ROOT, 'dist', 'cli', 'vip-arpctl.js');

/** Why the XDP tests cannot run here, or undefined when they can. */
export function xdpUnavailable(): string | undefined {
  return existsSync(XDP_OBJECT) ? undefined : `no ${XDP_OBJECT}: the addon was built without clang/libbpf-dev`;
}

/** Makes every veth of the switch namespace receive XDP_TX frames from its peer (see above). */
export async function enableXdpReceive(lab: Lab): Promise<void> {
  const object = await buildPassProgram(lab.tempDir('vip-arpd-xdp-pass-'));
  const r = await run('ip', ['-n', lab.switchNs, '-j', 'link', 'show', 'type', 'veth'], { check: true });
  for (const l of JSON.parse(r.stdout) as Array<{ ifname: string }>) await attachPassProgram(lab.switchNs, l.ifname, object);
}

/** The XDP program attached to `host`'s `iface` ('ip -d link'), or undefined. */
export async function xdpProgramOn(lab: Lab, host: string, iface: string): Promise<{ id: number; mode: number } | undefined> {
  const r = await run('ip', ['-n', lab.ns(host), '-j', '-d', 'link', 'show', iface], { check: true });
  const [link] = JSON.parse(r.stdout) as Array<{ xdp?: { mode: number; prog?: { id: number } } }>;
  return link?.xdp?.prog === undefined ? undefined : { id: link.xdp.prog.id, mode: link.xdp.mode };
}

/** `vip-arpctl --json …` against `socket`; the parsed reply (exit code and data). */
export async function ctlJson(socket: string, ...args: string[]): Promise<{ code: number; data: Record<string, unknown> }> {
  const r = await run(process.execPath, [CTL, '--socket', socket, '--json', ...args], { timeoutMs: 20_000 });
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    data = { stdout: r.stdout, stderr: r.stderr };
  }
  return { code: r.code, data };
}

export interface PathCounts {
  /** the XDP program's verdicts ('answered', 'pass:<reason>') */
  xdp: Record<string, number>;
  mode: string;
  /** the AF_PACKET responder's outcomes */
  afPacket: Record<string, number>;
}

/** Both paths' counters of `iface`, from `status`. */
export async function pathCounts(socket: string, iface: string): Promise<PathCounts> {
  const { data } = await ctlJson(socket, 'status');
  const fp = (data['fastPath'] as Array<{ iface: string; mode: string; counts?: Record<string, number> }>).find((f) => f.iface === iface);
  const link = (data['interfaces'] as Array<{ name: string; counts: Record<string, number> }>).find((l) => l.name === iface);
  return { xdp: fp?.counts ?? {}, mode: fp?.mode ?? 'none', afPacket: link?.counts ?? {} };
}

/** `after - before` per key. */
export function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) !== 0) out[k] = v - (before[k] ?? 0);
  return out;
}

/**
 * {@link delta} of the ARP outcomes only: the lab's kernels send frames of
 * their own (IPv6 router solicitations, MLD reports) at any moment, which XDP
 * passes up as `pass:not-arp`; they say nothing about the ARP frame a test sent.
 */
export function arpDelta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const { 'pass:not-arp': _ignored, ...arp } = delta(after, before);
  return arp;
}

/** Sum of every counter. */
export function total(c: Record<string, number>): number {
  return Object.values(c).reduce((a, b) => a + b, 0);
}
