/**
 * The composition root: the one place that builds every piece of vip-arpd
 * and joins them. Each piece gets, in its constructor, the ports it uses and
 * nothing more (docs/architecture.md, "Composition root and ports"):
 *
 * - state: the snapshot and VIP table in force (SnapshotInForce: ConfigView
 *   and VipSource), the interface links (LinkSet: LinkView), the roles
 *   (RoleMachine: RoleSource, RoleControl), the command registry;
 * - the announcer (AnnouncePort) before the conflict monitor, which defends
 *   through it; the monitor before the daemon, whose responders tell it of
 *   foreign claims (ForeignClaimSink, handed to the link opener);
 * - the reloader (it emits the ReloadEvents activity, metrics and systemd
 *   hear, and calls the daemon's apply), the other features, and last the
 *   daemon, which applies snapshots to that state and runs the features.
 *
 * Construction order follows these needs; start order is the `features`
 * list below, stopped in reverse.
 */
import type { Logger } from '../log/log.js';
import type { SettingFlags } from '../config/load-config.js';
import type { FrameConn } from '../io/frame-conn.js';
import { CommandRegistry } from '../control/command-registry.js';
import { SnapshotInForce } from './snapshot-in-force.js';
import { LinkSet } from './link-set.js';
import type { InterfaceLink } from './interface-link.js';
import { Daemon } from './daemon.js';
import { InterfaceLinkOpener } from './interface-link-opener.js';
import type { DaemonFeature } from './feature.js';
import { RoleMachine } from '../roles/role-machine.js';
import { SystemdNotifyFeature } from '../systemd/notify-feature.js';
import { MetricsFeature } from '../metrics/metrics-feature.js';
import { MetricsHttpFeature } from '../metrics/http-listener.js';
import { LogLevelFeature } from '../log/log-level-feature.js';
import { AnnouncerFeature } from '../announcer/announcer.js';
import { systemClock, type Clock } from '../announcer/clock.js';
import { ConflictMonitor } from '../diagnostics/conflict-monitor.js';
import { DoctorFeature } from '../diagnostics/doctor.js';
import { ProbeFeature } from '../diagnostics/probe.js';
import { ControlFeature } from '../control/control-feature.js';
import { NotifyFifoFeature } from '../keepalived/notify-fifo-feature.js';
import { ConfigReloader } from '../config/reloader.js';
import { XdpFeature } from '../fastpath/xdp-feature.js';
import { ActivityFeature } from './activity-feature.js';
import { NdpLinksFeature } from './ndp-links-feature.js';

export interface CompositionContext {
  /** config file path, for reloads; undefined when running from flags alone */
  configFile: string | undefined;
  /** the setting flags vip-arpd was started with, applied again on every reload */
  flags: SettingFlags;
  log: Logger;
  /** default: the real clock */
  clock?: Clock;
  /** opens an interface's wire; tests inject a fake */
  openConn?: (iface: string, ifindex: number) => FrameConn;
}

/** The daemon and what `vip-arpd` logs once it is ready. */
export interface ComposedDaemon {
  daemon: Daemon<InterfaceLink>;
  roles: RoleMachine;
  inForce: SnapshotInForce;
  links: LinkSet<InterfaceLink>;
}

/** Builds the whole daemon for this run; nothing is opened until `daemon.start`. */
export function composeDaemon(ctx: CompositionContext): ComposedDaemon {
  const { log } = ctx;
  const clock = ctx.clock ?? systemClock;
  const commands = new CommandRegistry();
  const inForce = new SnapshotInForce();
  const links = new LinkSet<InterfaceLink>();
  const roles = new RoleMachine({ log, stateFile: () => inForce.config.stateFile });
  const config = inForce;
  const vips = inForce;

  const xdp = new XdpFeature({ log, roles, config, vips, links, commands });
  const fastPath = (): ReturnType<XdpFeature['report']> => xdp.report();
  // doctor and probe judge the IPv6 VIPs of the snapshot in force, read at each command.
  const ipv6VipsOf = (group: string): Uint32Array | undefined => inForce.snapshot.groups.find((g) => g.config.name === group)?.ipv6Vips;
  const announcer = new AnnouncerFeature({ log, roles, config, vips, links, clock });
  const conflicts = new ConflictMonitor({ log, roles, config, vips, announcer, commands, clock });
  const control = new ControlFeature({ log, roles, config, vips, links, announcer, commands, startedAt: Date.now() });

  // The daemon is built last, with the feature list; the reloader calls its prepare only once started.
  const reloader = new ConfigReloader({ file: ctx.configFile, flags: ctx.flags, log, config, prepare: (s) => daemon.prepare(s), commands });
  const metrics = new MetricsFeature({
    daemon: { links, roles, vips, config },
    reloads: reloader,
    commands,
    sources: { garps: () => announcer.counters, conflicts: () => conflicts.counters(), control: () => control.counters(), fastPath },
  });
  // In start order; the daemon stops them in reverse.
  const features: DaemonFeature[] = [
    // Roles are restored before anything announces or answers on them.
    roles,
    // The first apply's NDP sockets and solicited-node groups, before anything announces.
    new NdpLinksFeature({ config, links }),
    // Before the announcer: the XDP map holds a MASTER's VIPs before its first GARP.
    xdp,
    announcer,
    // Before the reloader: its first reload is an event too.
    new ActivityFeature({ roles, reloads: reloader, config, commands, garps: () => announcer.counters }),
    conflicts,
    new DoctorFeature({ config, roles, links, commands, fastPath, ipv6VipsOf }),
    new ProbeFeature({ config, vips, roles, links, commands, ipv6VipsOf }),
    control,
    new NotifyFifoFeature({ log, config, roles }),
    reloader,
    metrics,
    new MetricsHttpFeature(metrics, config, log),
    new LogLevelFeature({ log, config, commands }),
    // Keep last: READY=1 must follow every other feature's start.
    new SystemdNotifyFeature({ log, roles, config, vips, links, reloads: reloader, conflicts: () => conflicts.counters().pairs }),
  ];
  const opener = new InterfaceLinkOpener({
    log,
    vips,
    foreignClaims: conflicts.onForeignClaim,
    ndpForeignClaims: conflicts.onNdpClaim,
    maxSolicitedNodeGroups: () => config.config.ndp.maxSolicitedNodeGroups,
    ...(ctx.openConn === undefined ? {} : { openConn: ctx.openConn }),
  });
  const daemon = new Daemon({ log, roles, inForce, links, opener, features });
  return { daemon, roles, inForce, links };
}
