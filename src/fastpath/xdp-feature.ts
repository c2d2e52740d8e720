/**
 * XdpFeature: the opt-in XDP fast path (`fastPath`, docs/xdp.md). On each
 * interface that asks for it, it attaches native/xdp/arp_xdp.bpf.c and keeps
 * the program's VIP map in step with roles and the VIP table: a takeover is
 * written before its first GARP (this feature's listeners run first), a
 * release before setRole returns, a reload as its diff. The AF_PACKET path
 * stays open and authoritative: the program answers what it is sure of and
 * passes the rest up, and an interface whose program cannot be attached or
 * kept in step is simply left to AF_PACKET.
 */
import type { DaemonFeature } from '../daemon/feature.js';
import type { LinkView } from '../daemon/link-view.js';
import type { ConfigView } from '../config/config-view.js';
import type { VipSource } from '../vips/vip-lookup.js';
import type { RoleChange, RoleSource } from '../roles/role-source.js';
import type { CommandRegistry } from '../control/command-registry.js';
import type { InterfaceLink } from '../daemon/interface-link.js';
import type { Logger } from '../log/log.js';
import { xdpPolicyFor } from '../config/fast-path.js';
import { errorMessage } from '../util/errors.js';
import { XdpInterface } from './xdp-interface.js';
import { passedTotal } from './xdp-counters.js';
import type { FastPathReport } from './fast-path-report.js';

/** What an operator reads when the program could not be loaded or attached. */
function reasonFor(err: unknown): { code: string; reason: string } {
  const code = (err as { code?: unknown }).code;
  const c = typeof code === 'string' ? code : 'EIO';
  const msg = errorMessage(err);
  if (c === 'EPERM' || c === 'EACCES') {
    return {
      code: c,
      reason: `${msg}: the XDP fast path needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON (CAP_SYS_ADMIN before Linux 5.8), granted by the unit drop-in systemd/vip-arpd.service.d/xdp.conf.example`,
    };
  }
  if (c === 'EBUSY' || c === 'EEXIST') return { code: c, reason: `${msg}: another XDP program is attached to the interface (ip link show)` };
  return { code: c, reason: msg };
}

export interface XdpFeatureOptions {
  log: Logger;
  roles: RoleSource;
  /** `fastPath` and reloads */
  config: ConfigView;
  vips: VipSource;
  links: LinkView;
  /** the `fastPath` status section */
  commands: CommandRegistry;
}

export class XdpFeature implements DaemonFeature {
  readonly name = 'xdp';
  private readonly opts: XdpFeatureOptions;
  private readonly log: Logger;
  private started = false;
  private readonly attached = new Map<string, XdpInterface>();
  /** configured interfaces left on AF_PACKET, and why */
  private readonly fallback = new Map<string, { code: string; reason: string }>();
  private readonly onRoleChanged = (c: RoleChange): void => this.roleChanged(c);
  private readonly onSnapshotApplied = (): void => this.reconcile();
  private readonly onLinkUp = (l: InterfaceLink): void => this.linkUp(l);

  constructor(opts: XdpFeatureOptions) {
    this.opts = opts;
    this.log = opts.log.child({ feature: this.name });
  }

  start(): void {
    const { roles, config, links, commands } = this.opts;
    this.started = true;
    // Prepended: the map must change before the announcer's first GARP.
    roles.prependListener('role-changed', this.onRoleChanged);
    config.prependListener('snapshot-applied', this.onSnapshotApplied);
    links.prependListener('link-up', this.onLinkUp);
    commands.addStatusSection('fastPath', () => this.report());
    this.reconcile();
  }

  stop(): void {
    if (!this.started) return;
    const { roles, config, links } = this.opts;
    roles.off('role-changed', this.onRoleChanged);
    config.off('snapshot-applied', this.onSnapshotApplied);
    links.off('link-up', this.onLinkUp);
    for (const iface of [...this.attached.keys()]) this.detach(iface, 'daemon stopping');
    this.started = false;
  }

  /** Per group interface: the mode in use, why, and the program's counters. */
  report(): FastPathReport[] {
    if (!this.started) return [];
    const d = this.opts;
    return [...d.links.keys()].map((iface) => {
      const x = this.attached.get(iface);
      const configured = xdpPolicyFor(d.config.config.fastPath, iface) !== undefined;
      if (x !== undefined) return { iface, configured, mode: `xdp-${x.mode}` as const, vlanHint: x.vlanHint, vips: x.vipCount, counts: x.counts() };
      const why = this.fallback.get(iface);
      return { iface, configured, mode: 'af_packet' as const, vips: 0, ...(why === undefined ? {} : why) };
    });
  }

  /** Attaches where configured and missing, detaches where no longer wanted, and syncs every map. */
  private reconcile(): void {
    if (!this.started) return;
    const d = this.opts;
    for (const iface of [...this.attached.keys()]) {
      const x = this.attached.get(iface)!;
      const policy = xdpPolicyFor(d.config.config.fastPath, iface);
      if (!d.links.has(iface) || policy === undefined) this.detach(iface, 'not configured any more');
      else if (policy === 'generic' && x.mode !== 'generic') this.detach(iface, 'configured for generic mode');
    }
    for (const iface of [...this.fallback.keys()])
      if (!d.links.has(iface) || xdpPolicyFor(d.config.config.fastPath, iface) === undefined) this.fallback.delete(iface);
    for (const link of d.links.values()) {
      if (xdpPolicyFor(d.config.config.fastPath, link.iface) === undefined) continue;
      const x = this.attached.get(link.iface);
      if (x === undefined) this.attach(link);
      else this.sync(x, link);
    }
  }

  private roleChanged(c: RoleChange): void {
    const set = this.started ? this.opts.vips.table.vipsOf(c.group) : undefined;
    const x = set === undefined ? undefined : this.attached.get(set.iface);
    if (set === undefined || x === undefined) return;
    try {
      x.syncGroup(set);
    } catch (err) {
      this.rebuild(x, err);
    }
  }

  /** A recreated interface (new index) gets a new program; a new MAC is written to the map. */
  private linkUp(link: InterfaceLink): void {
    const x = this.attached.get(link.iface);
    const state = link.interfaceState;
    if (!state.present) return;
    if (x === undefined) {
      if (this.fallback.has(link.iface)) this.attach(link);
      return;
    }
    if (x.ifindex !== state.info.index) {
      this.detach(link.iface, 'interface recreated');
      this.attach(link);
    } else {
      this.sync(x, link);
    }
  }

  private attach(link: InterfaceLink): void {
    const state = link.interfaceState;
    if (!state.present) {
      this.fallback.set(link.iface, { code: 'ENODEV', reason: `interface ${link.iface} is missing` });
      return;
    }
    const policy = xdpPolicyFor(this.opts.config.config.fastPath, link.iface) ?? 'auto';
    let x: XdpInterface | undefined;
    try {
      x = new XdpInterface(link.iface, state.info.index, this.opts.vips.table.forInterface(link.iface)?.size ?? 0, policy);
      this.write(x, link);
      this.attached.set(link.iface, x);
      this.fallback.delete(link.iface);
      this.log.info(
        { iface: link.iface, mode: `xdp-${x.mode}`, vlanHint: x.vlanHint, ifindex: x.ifindex, vips: x.vipCount, capacity: x.capacity },
        'XDP fast path attached',
      );
    } catch (err) {
      x?.close();
      const why = reasonFor(err);
      this.fallback.set(link.iface, why);
      this.log.warn({ iface: link.iface, mode: 'af_packet', ...why }, 'XDP fast path unavailable; answering on AF_PACKET');
    }
  }

  /** @throws {SystemError} when the map cannot be written */
  private write(x: XdpInterface, link: InterfaceLink): void {
    const table = this.opts.vips.table;
    x.sync(
      table.forInterface(x.iface),
      [...table.sets()].filter((s) => s.iface === x.iface),
      link.macAddress,
    );
  }

  private sync(x: XdpInterface, link: InterfaceLink): void {
    try {
      this.write(x, link);
    } catch (err) {
      this.rebuild(x, err);
    }
  }

  /**
   * The map could not be written (full after a reload grew the VIPs, or out
   * of memory): the program is reloaded sized for the VIPs now; while that
   * happens, and if it fails, AF_PACKET answers.
   */
  private rebuild(x: XdpInterface, err: unknown): void {
    const link = this.opts.links.get(x.iface);
    this.log.warn({ iface: x.iface, err: errorMessage(err), capacity: x.capacity }, 'XDP map update failed; reloading the program');
    this.detach(x.iface, 'map update failed');
    if (link === undefined) return;
    this.attach(link);
  }

  private detach(iface: string, why: string): void {
    const x = this.attached.get(iface);
    if (x === undefined) return;
    const counts = x.counts();
    x.close();
    this.attached.delete(iface);
    if (this.started && xdpPolicyFor(this.opts.config.config.fastPath, iface) !== undefined) this.fallback.set(iface, { code: 'EDETACHED', reason: why });
    this.log.info({ iface, why, answered: counts.answered, passed: passedTotal(counts), counts }, 'XDP fast path detached');
  }
}
