/**
 * The Prometheus metrics of vip-arpd, on a registry of their own (never
 * prom-client's global one, so tests and embedders get a clean set). Values
 * that the hot paths already count as plain numbers (responder outcomes, GARP
 * frames, conflicts) are copied in at scrape time by `collect()`: nothing on
 * the packet path touches prom-client.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { LinkView } from '../daemon/link-view.js';
import type { ConfigView } from '../config/config-view.js';
import type { VipSource } from '../vips/vip-lookup.js';
import type { RoleSource } from '../roles/role-source.js';
import type { AnnounceCounters } from '../announcer/announce-counters.js';
import type { ControlCounters } from '../control/control-feature.js';
import { OUTCOMES } from '../responder/outcome.js';
import { ROLES } from '../roles/role.js';
import type { EventCounts } from './event-counts.js';
import type { FastPathReport } from '../fastpath/fast-path-report.js';
import { registerFastPathMetrics } from './fast-path-metrics.js';
import { registerNdpMetrics } from './ndp-metrics.js';

/** What the daemon's own metrics read at scrape time: per-interface counters, groups and roles, VIPs, the generation. */
export interface DaemonReadings {
  links: LinkView;
  roles: RoleSource;
  vips: VipSource;
  config: Pick<ConfigView, 'generation'>;
}

/** Plain counters other features keep; each optional, so metrics never depend on a feature being there. */
export interface MetricSources {
  /** the announcer's GARP frame counters */
  garps?: () => Pick<AnnounceCounters, 'byGroup' | 'roundsHeld'> | undefined;
  /** diagnostics' conflict counters */
  conflicts?: () => { frames: number; pairs: number; defencesSent: number; handovers: number; splitBrains: number } | undefined;
  /** the control socket's client counts */
  control?: () => ControlCounters | undefined;
  /** the XDP fast path, per interface */
  fastPath?: () => FastPathReport[];
}

/**
 * Builds the registry: every vip_arpd_* metric plus prom-client's default
 * process and Node.js metrics. `daemon` and `events` are read at scrape time.
 */
export function createMetricsRegistry(daemon: DaemonReadings, events: EventCounts, sources: MetricSources = {}): Registry {
  const registry = new Registry();
  const links = () => daemon.links.values();
  const fastPath = sources.fastPath;
  if (fastPath !== undefined) registerFastPathMetrics(registry, fastPath);
  registerNdpMetrics(registry, daemon);

  new Counter({
    name: 'vip_arpd_frames_total',
    help: 'ARP frames received, by interface and outcome (answered, not-master, malformed:<reason>, ...); requests received = sum over outcomes',
    labelNames: ['iface', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const link of links()) for (const o of OUTCOMES) this.inc({ iface: link.iface, outcome: o }, link.responder.counts[o]);
    },
  });
  new Counter({
    name: 'vip_arpd_replies_sent_total',
    help: 'ARP replies the kernel accepted, by interface',
    labelNames: ['iface'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of links()) this.inc({ iface: l.iface }, Math.max(0, l.responder.counts.answered - l.responder.txDropped));
    },
  });
  new Counter({
    name: 'vip_arpd_tx_dropped_total',
    help: 'ARP replies the kernel did not accept (socket buffer full, interface gone), by interface',
    labelNames: ['iface'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of links()) this.inc({ iface: l.iface }, l.responder.txDropped);
    },
  });
  new Counter({
    name: 'vip_arpd_socket_errors_total',
    help: 'packet socket errors (e.g. ENETDOWN while the link is down), by interface',
    labelNames: ['iface'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of links()) this.inc({ iface: l.iface }, l.socketErrors);
    },
  });
  new Counter({
    name: 'vip_arpd_send_errors_total',
    help: 'sends (replies and GARPs) the kernel refused, by interface and errno code (ENETDOWN while the link is down, ENOBUFS, ...)',
    labelNames: ['iface', 'code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of links()) for (const [code, n] of Object.entries(l.sendErrors)) this.inc({ iface: l.iface, code }, n);
    },
  });
  new Counter({
    name: 'vip_arpd_link_flaps_total',
    help: 'times the interface came back up after being down (each re-announces its MASTER groups), by interface',
    labelNames: ['iface'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of links()) this.inc({ iface: l.iface }, l.flaps);
    },
  });
  new Gauge({
    name: 'vip_arpd_interface_up',
    help: '1 when the interface exists and is up and running, else 0',
    labelNames: ['iface'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of links()) {
        const s = l.interfaceState;
        this.set({ iface: l.iface }, s.present && s.up ? 1 : 0);
      }
    },
  });

  new Counter({
    name: 'vip_arpd_garp_frames_total',
    help: 'announcement frames sent, by group, interface and form (request, reply: gratuitous ARP; na: unsolicited Neighbor Advertisement)',
    labelNames: ['group', 'iface', 'form'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [group, byIface] of sources.garps?.()?.byGroup ?? []) {
        for (const [iface, c] of byIface) {
          this.inc({ group, iface, form: 'request' }, c.request);
          this.inc({ group, iface, form: 'reply' }, c.reply);
          this.inc({ group, iface, form: 'na' }, c.na);
        }
      }
    },
  });
  new Counter({
    name: 'vip_arpd_garp_frames_dropped_total',
    help: 'announcement frames (gratuitous ARP, unsolicited NA) not sent, by group, interface and reason (error: socket error or interface missing; cancelled: the group left MASTER, or another director claimed it, first)',
    labelNames: ['group', 'iface', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [group, byIface] of sources.garps?.()?.byGroup ?? []) {
        for (const [iface, c] of byIface) {
          this.inc({ group, iface, reason: 'error' }, c.dropped);
          this.inc({ group, iface, reason: 'cancelled' }, c.cancelled);
        }
      }
    },
  });

  new Counter({
    name: 'vip_arpd_conflict_frames_total',
    help: 'frames from a foreign MAC claiming one of our VIPs (the LVS ARP problem happening live)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.conflicts?.()?.frames ?? 0);
    },
  });
  new Gauge({
    name: 'vip_arpd_conflict_pairs',
    help: '(VIP, foreign MAC) pairs seen since start',
    registers: [registry],
    collect() {
      this.set(sources.conflicts?.()?.pairs ?? 0);
    },
  });
  new Counter({
    name: 'vip_arpd_defences_sent_total',
    help: 'defending gratuitous ARPs sent after a conflict (RFC 5227 defence)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.conflicts?.()?.defencesSent ?? 0);
    },
  });
  new Counter({
    name: 'vip_arpd_handovers_total',
    help: "make-before-break handovers: another director claimed a MASTER group's VIPs and this one released the group within diagnostics.handoverGraceMs",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.conflicts?.()?.handovers ?? 0);
    },
  });
  new Counter({
    name: 'vip_arpd_split_brains_total',
    help: "handover graces that ran out with this director still MASTER while another claimed the group's VIPs (split brain; defended then)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.conflicts?.()?.splitBrains ?? 0);
    },
  });
  new Counter({
    name: 'vip_arpd_garp_rounds_held_total',
    help: "scheduled gratuitous ARP rounds skipped because another director claimed the group's VIPs (held for the handover grace)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.garps?.()?.roundsHeld ?? 0);
    },
  });

  new Gauge({
    name: 'vip_arpd_control_clients',
    help: 'control socket connections holding a slot (at most control.maxClients)',
    registers: [registry],
    collect() {
      this.set(sources.control?.()?.clients ?? 0);
    },
  });
  new Counter({
    name: 'vip_arpd_control_clients_closed_total',
    help: 'control socket connections closed by the bound on clients, by reason (evicted: idle, closed for a newcomer; refused: every slot had a request in flight)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      const c = sources.control?.();
      this.inc({ reason: 'evicted' }, c?.evictedClients ?? 0);
      this.inc({ reason: 'refused' }, c?.refusedClients ?? 0);
    },
  });

  new Gauge({
    name: 'vip_arpd_group_vips',
    help: 'IPv4 VIPs configured per group (vip_arpd_group_ipv6_vips: IPv6)',
    labelNames: ['group'],
    registers: [registry],
    collect() {
      this.reset();
      for (const name of daemon.roles.groups.keys()) this.set({ group: name }, daemon.vips.table.vipsOf(name)?.ips.length ?? 0);
    },
  });
  new Gauge({
    name: 'vip_arpd_group_role',
    help: '1 for the role each group is in, 0 for the others',
    labelNames: ['group', 'role'],
    registers: [registry],
    collect() {
      this.reset();
      for (const g of daemon.roles.groups.values()) for (const r of ROLES) this.set({ group: g.name, role: r }, g.role === r ? 1 : 0);
    },
  });
  new Gauge({
    name: 'vip_arpd_config_generation',
    help: 'config generation in force: 1 at start, +1 per applied reload',
    registers: [registry],
    collect() {
      this.set(daemon.config.generation);
    },
  });

  new Counter({
    name: 'vip_arpd_role_transitions_total',
    help: 'role changes, by group, old and new role',
    labelNames: ['group', 'from', 'to'],
    registers: [registry],
    collect() {
      this.reset();
      for (const t of events.roleTransitions.values()) this.inc({ group: t.group, from: t.from, to: t.to }, t.count);
    },
  });
  new Counter({
    name: 'vip_arpd_config_reloads_total',
    help: 'config reloads, by result (ok, failed); a failed reload keeps the last good config',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      // Both results always exist, so rate() and alerts see a 0, not "no data".
      this.reset();
      this.inc({ result: 'ok' }, events.reloads.ok);
      this.inc({ result: 'failed' }, events.reloads.failed);
    },
  });
  new Gauge({
    name: 'vip_arpd_config_last_reload_successful',
    help: '1 when the last reload was applied (or none happened yet), 0 when it failed',
    registers: [registry],
    collect() {
      this.set(events.lastReloadOk ? 1 : 0);
    },
  });

  collectDefaultMetrics({ register: registry });
  return registry;
}
