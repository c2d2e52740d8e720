/**
 * The daemon's features, in start order (stopped in reverse). Each lives in
 * its own module; this list is the one place that wires them in.
 */
import type { DaemonFeature } from './daemon.js';
import type { Logger } from '../log.js';
import { SystemdNotifyFeature } from '../systemd/notify-feature.js';
import { MetricsFeature } from '../metrics/metrics-feature.js';
import { MetricsHttpFeature } from '../metrics/http-listener.js';
import { LogLevelFeature } from '../log-level-feature.js';
import { RolePersistenceFeature } from '../roles/role-persistence.js';
import { AnnouncerFeature } from '../announcer/announcer.js';
import { systemClock } from '../announcer/clock.js';
import { diagnosticsFeatures } from '../diagnostics/features.js';
import { ControlFeature } from '../control/control-feature.js';
import { NotifyFifoFeature } from '../keepalived/notify-fifo-feature.js';
import { ConfigReloader } from '../config/reloader.js';
import type { SettingFlags } from '../config/load-config.js';
import { XdpFeature } from '../fastpath/xdp-feature.js';
import { ActivityFeature } from './activity-feature.js';

export interface FeatureContext {
  /** config file path, for reloads; undefined when running from flags alone */
  configFile: string | undefined;
  /** the setting flags vip-arpd was started with, applied again on every reload */
  flags: SettingFlags;
  log: Logger;
}

/** Returns the features to start for this run. */
export function buildFeatures(ctx: FeatureContext): DaemonFeature[] {
  const announcer = new AnnouncerFeature();
  const xdp = new XdpFeature();
  const diagnostics = diagnosticsFeatures(systemClock, { fastPath: () => xdp.report() });
  const control = new ControlFeature();
  const metrics = new MetricsFeature({
    garps: () => announcer.counters, conflicts: () => diagnostics.conflicts.counters(), control: () => control.counters(), fastPath: () => xdp.report(),
  });
  return [
    // Roles are restored before anything announces or answers on them.
    new RolePersistenceFeature(),
    // Before the announcer: the XDP map holds a MASTER's VIPs before its first GARP.
    xdp,
    announcer,
    // Before the reloader: its first reload is an event too.
    new ActivityFeature({ garps: () => announcer.counters }),
    ...diagnostics.features,
    control,
    new NotifyFifoFeature(),
    new ConfigReloader({ file: ctx.configFile, flags: ctx.flags, log: ctx.log }),
    metrics,
    new MetricsHttpFeature(metrics, ctx.log),
    new LogLevelFeature(),
    // Keep last: READY=1 must follow every other feature's start.
    new SystemdNotifyFeature({ log: ctx.log, conflicts: () => diagnostics.conflicts.counters().pairs }),
  ];
}
