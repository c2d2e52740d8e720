/**
 * The `probe <vip|group>` control command: the HOWTO §6.10 test in one step.
 * Sends ARP requests for the VIPs from this director's own address on the
 * interface (never from the VIP: a request with the VIP as sender would
 * itself move every listener's cache, §6.10/§6.14), collects every reply
 * for a window, and names each MAC that answered. IPv6 VIPs are solicited
 * by NS from the interface's link-local address instead (probe6.ts).
 *
 * It uses a second packet socket of its own for the window: isolated from
 * the responder, and closed when the probe ends. The daemon's own socket
 * ignores outgoing frames (PACKET_IGNORE_OUTGOING), so it never answers the
 * probe: every reply listed came from another host.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DaemonFeature } from '../daemon/feature.js';
import type { LinkView } from '../daemon/link-view.js';
import type { ConfigView } from '../config/config-view.js';
import type { VipSource } from '../vips/vip-lookup.js';
import type { RoleSource } from '../roles/role-source.js';
import type { CommandRegistry } from '../control/command-registry.js';
import type { VipBinding } from '../vips/vip-table.js';
import type { FrameBatch, FrameConn } from '../io/frame-conn.js';
import { PacketSocket } from '../native/packet-socket.js';
import { interfaceInfo } from '../native/interface-info.js';
import { TxBatch } from '../io/tx-batch.js';
import { ARPOP_REPLY, decodeArp, emptyArpFrame, encodeArpRequest } from '../wire/arp.js';
import { formatIpv4, parseIpv4 } from '../wire/ipv4.js';
import { parseIpv6 } from '../wire/ipv6.js';
import type { GroupState } from '../vips/group-state.js';
import type { Ipv6VipsOf } from './doctor.js';
import { Ipv6InterfaceProbe, ipv6VipsMatching, readLinkLocal } from './probe6.js';
import { ipv6VipTexts } from './doctor6-facts.js';
import { VipArpdError, errorMessage } from '../util/errors.js';
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
  /** the link-local address each NS for an IPv6 VIP came from, per interface; absent without IPv6 VIPs */
  sources6?: Record<string, string>;
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

/** An IPv6 VIP of a group, as the probe targets it. */
interface Ipv6Binding {
  vip: string;
  iface: string;
  group: GroupState;
}

/** One interface's part of a probe: its own socket, requests out, replies counted. */
class InterfaceProbe {
  readonly replies: ReplyCounts = new Map();
  private readonly conn: FrameConn;
  private readonly frame = emptyArpFrame();
  private readonly tx = new TxBatch(TX_CHUNK);

  constructor(
    readonly iface: string,
    readonly mac: number,
    readonly source: number,
    private readonly vips: readonly number[],
  ) {
    for (const v of vips) this.replies.set(v, new Map());
    this.conn = new PacketSocket(iface, interfaceInfo(iface).index);
    this.conn.start(
      (b) => this.onFrames(b),
      () => undefined,
    );
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
export interface ProbeFeatureOptions {
  /** peers, the pacing rate, the groups and their interfaces */
  config: ConfigView;
  vips: VipSource;
  /** each group's state, and group names for an error naming them */
  roles: RoleSource;
  /** each interface's socket (must be open) and MAC */
  links: LinkView;
  commands: CommandRegistry;
  /** each group's IPv6 VIPs, which `probe` then solicits as NDP */
  ipv6VipsOf?: Ipv6VipsOf;
}

export class ProbeFeature implements DaemonFeature {
  readonly name = 'probe';
  private started = false;
  private readonly running = new Set<AbortController>();
  private readonly neighbours = new NeighbourCache();
  constructor(private readonly opts: ProbeFeatureOptions) {}

  start(): void {
    this.started = true;
    this.opts.commands.register('probe', {
      usage: 'probe <vip|group> [--window MS]',
      summary:
        "ask the LAN who answers ARP (or NDP, for an IPv6 VIP) for a VIP (from this director's address, or its link-local address) and flag every MAC that is not ours; clean:false when a foreign host answers",
      handler: (args) => {
        const { target, windowMs } = parseProbeArgs(args);
        return this.probe(target, windowMs);
      },
    });
  }

  /** Aborts running probes (their sockets close at once). */
  stop(): void {
    for (const c of this.running) c.abort();
    this.started = false;
  }

  /** The IPv6 VIPs among `groups` (all groups when undefined) that `select` picks. */
  private ipv6Bindings(select: (vips: Uint32Array) => string[], group?: string): Ipv6Binding[] {
    const d = this.opts;
    const out: Ipv6Binding[] = [];
    for (const g of d.config.snapshot.groups) {
      const state = d.roles.groups.get(g.config.name);
      const vips = this.opts.ipv6VipsOf?.(g.config.name);
      if (state === undefined || vips === undefined || (group !== undefined && g.config.name !== group)) continue;
      for (const vip of select(vips)) out.push({ vip, iface: g.config.interface, group: state });
    }
    return out;
  }

  private bindingsFor(target: string): { v4: readonly VipBinding[]; v6: Ipv6Binding[] } {
    const d = this.opts;
    const ip = parseIpv4(target);
    const address6 = new Uint32Array(4);
    const notVip = () => new VipArpdError('ENOTFOUND', `probe: ${target} is not a configured VIP (vip-arpctl vips lists them)`);
    if (ip !== undefined) {
      const found = d.vips.table.bindingsOfVip(ip);
      if (found.length === 0) throw notVip();
      return { v4: found, v6: [] };
    }
    if (parseIpv6(target, address6) === undefined) {
      const v6 = this.ipv6Bindings((vips) => ipv6VipsMatching(vips, address6));
      if (v6.length === 0) throw notVip();
      return { v4: [], v6 };
    }
    const set = d.vips.table.vipsOf(target);
    const v6 = this.ipv6Bindings(ipv6VipTexts, target);
    if (set === undefined && v6.length === 0)
      throw new VipArpdError('ENOTFOUND', `probe: no group "${target}" with VIPs; groups: ${[...d.roles.groups.keys()].join(', ')}`);
    const total = (set?.ips.length ?? 0) + v6.length;
    if (total > MAX_PROBE_VIPS) {
      throw new VipArpdError('ETOOMANY', `probe: group "${target}" has ${total} VIPs; probe at most ${MAX_PROBE_VIPS} at once (name single VIPs)`);
    }
    return { v4: set === undefined ? [] : Array.from(set.ips, (vip) => ({ ip: vip, iface: set.iface, group: set.group })), v6 };
  }

  /**
   * Probes `target` (a VIP or a group name) for `windowMs`.
   * @throws {VipArpdError} ENOTFOUND, ETOOMANY, ENOLINK (interface has no socket), EPROBE (socket failed),
   *   ENOLINKLOCAL (an IPv6 VIP's interface has no link-local address to solicit from).
   */
  async probe(target: string, windowMs: number): Promise<ProbeResult> {
    if (!this.started) throw new VipArpdError('ESTOPPING', 'probe: the daemon is stopping');
    const d = this.opts;
    const bindings = this.bindingsFor(target);
    const controller = new AbortController();
    this.running.add(controller);
    const probes: InterfaceProbe[] = [];
    const probes6: Ipv6InterfaceProbe[] = [];
    try {
      const macOf = (iface: string): number => {
        const link = d.links.get(iface);
        if (link?.wire === undefined) throw new VipArpdError('ENOLINK', `probe: vip-arpd has no socket on ${iface} (interface missing or down?)`);
        return link.macAddress;
      };
      const open = <P>(iface: string, make: () => P): P => {
        try {
          return make();
        } catch (err) {
          throw new VipArpdError('EPROBE', `probe: cannot open a probe socket on ${iface}: ${errorMessage(err)}`, { cause: err });
        }
      };
      for (const [iface, list] of groupByIface(bindings.v4)) {
        const mac = macOf(iface);
        probes.push(
          open(
            iface,
            () =>
              new InterfaceProbe(
                iface,
                mac,
                sourceAddress(iface, (ip) => d.vips.table.isVip(ip)),
                list.map((b) => b.ip),
              ),
          ),
        );
      }
      for (const [iface, list] of groupByIface(bindings.v6)) {
        const mac = macOf(iface);
        const source = await readLinkLocal(iface);
        probes6.push(
          open(
            iface,
            () =>
              new Ipv6InterfaceProbe(
                iface,
                mac,
                source,
                list.map((b) => b.vip),
              ),
          ),
        );
      }
      const rate = d.config.config.announce.maxFramesPerSecond;
      const started = Date.now();
      for (let round = 0; round < PROBE_ROUNDS; round++) {
        if (round > 0) await sleep(windowMs / PROBE_ROUNDS, undefined, { signal: controller.signal });
        for (const p of [...probes, ...probes6]) await p.sendRound(rate, controller.signal);
      }
      await sleep(Math.max(0, windowMs - (Date.now() - started)), undefined, { signal: controller.signal });
    } catch (err) {
      if (controller.signal.aborted) throw new VipArpdError('ESTOPPING', 'probe: the daemon is stopping');
      throw err;
    } finally {
      for (const p of [...probes, ...probes6]) p.close();
      this.running.delete(controller);
    }
    return this.verdict(d, bindings, probes, probes6, windowMs);
  }

  private async verdict(
    d: ProbeFeatureOptions,
    bindings: { v4: readonly VipBinding[]; v6: Ipv6Binding[] },
    probes: InterfaceProbe[],
    probes6: Ipv6InterfaceProbe[],
    windowMs: number,
  ): Promise<ProbeResult> {
    const replies: ReplyCounts = new Map();
    for (const p of [...probes, ...probes6]) for (const [vip, macs] of p.replies) replies.set(vip, macs);
    const ips = new Map<number, string | null>();
    for (const macs of replies.values()) {
      for (const mac of macs.keys()) if (!ips.has(mac)) ips.set(mac, await this.neighbours.ipOf(mac, (ip) => d.vips.table.isVip(ip)));
    }
    const targets: ProbeTarget[] = [...bindings.v4.map((b) => ({ ...b, vip: b.ip as number | string })), ...bindings.v6].map((b) => {
      const interfaceMac = d.links.get(b.iface)?.macAddress ?? 0;
      return { vip: b.vip, iface: b.iface, group: b.group.name, role: b.group.role, interfaceMac, groupMac: b.group.mac ?? interfaceMac };
    });
    const vips = probeVerdicts(targets, replies, parsePeerMacs(d.config.config.diagnostics.peers).macs, (mac) => ips.get(mac) ?? null);
    const clean = vips.every((v) => v.clean);
    const result: ProbeResult = { clean, ok: clean, windowMs, sources: Object.fromEntries(probes.map((p) => [p.iface, formatIpv4(p.source)])), vips };
    if (probes6.length > 0) result.sources6 = Object.fromEntries(probes6.map((p) => [p.iface, p.sourceText]));
    return result;
  }
}

/** Bindings by interface, in first-seen order. */
function groupByIface<B extends { iface: string }>(bindings: readonly B[]): Map<string, B[]> {
  const out = new Map<string, B[]>();
  for (const b of bindings) out.set(b.iface, [...(out.get(b.iface) ?? []), b]);
  return out;
}
