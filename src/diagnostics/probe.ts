/**
 * The `probe <vip|group>` control command: the HOWTO §6.10 test in one step.
 * Sends ARP requests for the VIPs from this director's own address on the
 * interface (never from the VIP: a request with the VIP as sender would
 * itself move every listener's cache, §6.10/§6.14), collects every reply
 * for a window, and names each MAC that answered.
 *
 * It uses a second packet socket of its own for the window: isolated from
 * the responder, and closed when the probe ends. The daemon's own socket
 * ignores outgoing frames (PACKET_IGNORE_OUTGOING), so it never answers the
 * probe: every reply listed came from another host.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Daemon, DaemonFeature } from '../daemon/daemon.js';
import type { VipBinding } from '../vips/vip-table.js';
import type { FrameBatch, FrameConn } from '../io/frame-conn.js';
import { PacketSocket } from '../native/packet-socket.js';
import { interfaceInfo } from '../native/interface-info.js';
import { TxBatch } from '../io/tx-batch.js';
import { ARPOP_REPLY, decodeArp, emptyArpFrame, encodeArpRequest } from '../wire/arp.js';
import { formatIpv4, parseIpv4 } from '../wire/ipv4.js';
import { VipArpdError, errorMessage } from '../errors.js';
import { NeighbourCache } from './neighbour-table.js';
import { parsePeerMacs } from './peers.js';
import { probeVerdicts, type ProbeTarget, type ProbeVipResult, type ReplyCounts } from './probe-result.js';

/** Default collection window: a LAN host answers ARP within milliseconds; 1 s covers busy ones. */
export const DEFAULT_PROBE_WINDOW_MS = 1000;
/** Longer windows would outlast the control client's patience. */
export const MAX_PROBE_WINDOW_MS = 10_000;
const MIN_PROBE_WINDOW_MS = 50;
/** VIPs per probe: a probe of a huge group is a burst on the LAN; probe single VIPs or smaller groups beyond this. */
export const MAX_PROBE_VIPS = 4096;
/** Requests sent per VIP (at the start and half-way through the window) so one lost frame does not hide a responder. */
const PROBE_ROUNDS = 2;
const TX_CHUNK = 64;

export interface ProbeResult {
  /** no VIP had a foreign responder */
  clean: boolean;
  /** same as clean, for clients that test `ok` */
  ok: boolean;
  windowMs: number;
  /** the sender address used per interface (0.0.0.0 when the interface has no IPv4 address) */
  sources: Record<string, string>;
  vips: ProbeVipResult[];
}

/** Parses `probe` arguments. @throws {VipArpdError} EUSAGE. */
export function parseProbeArgs(args: readonly string[]): { target: string; windowMs: number } {
  let target: string | undefined;
  let windowMs = DEFAULT_PROBE_WINDOW_MS;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--window') {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v < MIN_PROBE_WINDOW_MS || v > MAX_PROBE_WINDOW_MS) {
        throw new VipArpdError('EUSAGE', `probe: --window must be ${MIN_PROBE_WINDOW_MS}-${MAX_PROBE_WINDOW_MS} ms, got "${args[i] ?? ''}"`);
      }
      windowMs = v;
    } else if (target === undefined && !a.startsWith('--')) target = a;
    else throw new VipArpdError('EUSAGE', `probe: unexpected argument "${a}"; usage: probe <vip|group> [--window MS]`);
  }
  if (target === undefined) throw new VipArpdError('EUSAGE', 'probe: which VIP or group? usage: probe <vip|group> [--window MS]');
  return { target, windowMs };
}

/**
 * The director's own IPv4 address on `iface` (not a VIP), or 0.0.0.0 like an
 * RFC 5227 probe when it has none.
 */
function sourceAddress(iface: string, isVip: (ip: number) => boolean): number {
  for (const a of os.networkInterfaces()[iface] ?? []) {
    if (a.family !== 'IPv4') continue;
    const ip = parseIpv4(a.address);
    if (ip !== undefined && !isVip(ip)) return ip;
  }
  return 0;
}

/** One interface's part of a probe: its own socket, requests out, replies counted. */
class InterfaceProbe {
  readonly replies: ReplyCounts = new Map();
  private readonly conn: FrameConn;
  private readonly frame = emptyArpFrame();
  private readonly tx = new TxBatch(TX_CHUNK);

  constructor(readonly iface: string, readonly mac: number, readonly source: number, private readonly vips: readonly number[]) {
    for (const v of vips) this.replies.set(v, new Map());
    this.conn = new PacketSocket(iface, interfaceInfo(iface).index);
    this.conn.start((b) => this.onFrames(b), () => undefined);
  }

  private onFrames(batch: FrameBatch): void {
    const f = this.frame;
    for (let i = 0; i < batch.count; i++) {
      if (decodeArp(batch.buf, i * batch.slotSize, batch.lengths[i]!, f) !== undefined || f.op !== ARPOP_REPLY) continue;
      const macs = this.replies.get(f.senderIp);
      if (macs !== undefined) macs.set(f.senderMac, (macs.get(f.senderMac) ?? 0) + 1);
    }
  }

  /** Sends one request per VIP, `TX_CHUNK` at a time, paced at `framesPerSecond` (0 = unpaced). */
  async sendRound(framesPerSecond: number, signal: AbortSignal): Promise<void> {
    for (let i = 0; i < this.vips.length; i += TX_CHUNK) {
      for (const vip of this.vips.slice(i, i + TX_CHUNK)) {
        this.tx.commit(encodeArpRequest(this.tx.buf, this.tx.nextOffset(), this.mac, this.source, vip));
      }
      this.tx.flush(this.conn);
      if (framesPerSecond > 0 && i + TX_CHUNK < this.vips.length) await sleep((TX_CHUNK * 1000) / framesPerSecond, undefined, { signal });
    }
  }

  close(): void {
    this.conn.close();
  }
}

/** Registers `probe`. */
export class ProbeFeature implements DaemonFeature {
  readonly name = 'probe';
  private daemon: Daemon | undefined;
  private readonly running = new Set<AbortController>();
  private readonly neighbours = new NeighbourCache();

  start(daemon: Daemon): void {
    this.daemon = daemon;
    daemon.commands.register('probe', {
      usage: 'probe <vip|group> [--window MS]',
      summary: 'ask the LAN who answers ARP for a VIP (from this director\'s address) and flag every MAC that is not ours; clean:false when a foreign host answers',
      handler: (args) => {
        const { target, windowMs } = parseProbeArgs(args);
        return this.probe(target, windowMs);
      },
    });
  }

  /** Aborts running probes (their sockets close at once). */
  stop(): void {
    for (const c of this.running) c.abort();
    this.daemon = undefined;
  }

  private bindingsFor(target: string): readonly VipBinding[] {
    const d = this.daemon!;
    const ip = parseIpv4(target);
    if (ip !== undefined) {
      const found = d.table.bindingsOfVip(ip);
      if (found.length === 0) throw new VipArpdError('ENOTFOUND', `probe: ${target} is not a configured VIP (vip-arpctl vips lists them)`);
      return found;
    }
    const set = d.table.vipsOf(target);
    if (set === undefined) throw new VipArpdError('ENOTFOUND', `probe: no group "${target}" with VIPs; groups: ${[...d.groups.keys()].join(', ')}`);
    if (set.ips.length > MAX_PROBE_VIPS) {
      throw new VipArpdError('ETOOMANY', `probe: group "${target}" has ${set.ips.length} VIPs; probe at most ${MAX_PROBE_VIPS} at once (name single VIPs)`);
    }
    return Array.from(set.ips, (vip) => ({ ip: vip, iface: set.iface, group: set.group }));
  }

  /**
   * Probes `target` (a VIP or a group name) for `windowMs`.
   * @throws {VipArpdError} ENOTFOUND, ETOOMANY, ENOLINK (interface has no socket), EPROBE (socket failed).
   */
  async probe(target: string, windowMs: number): Promise<ProbeResult> {
    const d = this.daemon;
    if (d === undefined) throw new VipArpdError('ESTOPPING', 'probe: the daemon is stopping');
    const bindings = this.bindingsFor(target);
    const byIface = new Map<string, VipBinding[]>();
    for (const b of bindings) byIface.set(b.iface, [...(byIface.get(b.iface) ?? []), b]);

    const controller = new AbortController();
    this.running.add(controller);
    const probes: InterfaceProbe[] = [];
    try {
      for (const [iface, list] of byIface) {
        const link = d.links.get(iface);
        if (link?.wire === undefined) throw new VipArpdError('ENOLINK', `probe: vip-arpd has no socket on ${iface} (interface missing or down?)`);
        try {
          probes.push(new InterfaceProbe(iface, link.macAddress, sourceAddress(iface, (ip) => d.table.isVip(ip)), list.map((b) => b.ip)));
        } catch (err) {
          throw new VipArpdError('EPROBE', `probe: cannot open a probe socket on ${iface}: ${errorMessage(err)}`, { cause: err });
        }
      }
      const rate = d.config.announce.maxFramesPerSecond;
      const started = Date.now();
      for (let round = 0; round < PROBE_ROUNDS; round++) {
        if (round > 0) await sleep(windowMs / PROBE_ROUNDS, undefined, { signal: controller.signal });
        for (const p of probes) await p.sendRound(rate, controller.signal);
      }
      await sleep(Math.max(0, windowMs - (Date.now() - started)), undefined, { signal: controller.signal });
    } catch (err) {
      if (controller.signal.aborted) throw new VipArpdError('ESTOPPING', 'probe: the daemon is stopping');
      throw err;
    } finally {
      for (const p of probes) p.close();
      this.running.delete(controller);
    }
    return this.verdict(d, bindings, probes, windowMs);
  }

  private async verdict(d: Daemon, bindings: readonly VipBinding[], probes: InterfaceProbe[], windowMs: number): Promise<ProbeResult> {
    const replies: ReplyCounts = new Map();
    for (const p of probes) for (const [vip, macs] of p.replies) replies.set(vip, macs);
    const ips = new Map<number, string | null>();
    for (const macs of replies.values()) {
      for (const mac of macs.keys()) if (!ips.has(mac)) ips.set(mac, await this.neighbours.ipOf(mac, (ip) => d.table.isVip(ip)));
    }
    const targets: ProbeTarget[] = bindings.map((b) => {
      const interfaceMac = d.links.get(b.iface)?.macAddress ?? 0;
      return { vip: b.ip, iface: b.iface, group: b.group.name, role: b.group.role, interfaceMac, groupMac: b.group.mac ?? interfaceMac };
    });
    const vips = probeVerdicts(targets, replies, parsePeerMacs(d.config.diagnostics.peers).macs, (mac) => ips.get(mac) ?? null);
    const clean = vips.every((v) => v.clean);
    return { clean, ok: clean, windowMs, sources: Object.fromEntries(probes.map((p) => [p.iface, formatIpv4(p.source)])), vips };
  }
}
