/**
 * The daemon's features, in start order (stopped in reverse). Each lives in
 * its own module; this list is the one place that wires them in.
 */
import type { DaemonFeature } from './daemon.js';
import type { Logger } from '../log.js';
import { SystemdNotifyFeature } from '../systemd/notify-feature.js';
import { RolePersistenceFeature } from '../roles/role-persistence.js';
import { AnnouncerFeature } from '../announcer/announcer.js';
import { ControlFeature } from '../control/control-feature.js';
import { NotifyFifoFeature } from '../keepalived/notify-fifo-feature.js';

export interface FeatureContext {
  /** config file path, for reloads; undefined when running from flags alone */
  configFile: string | undefined;
  args: string[];
  log: Logger;
}

/** Returns the features to start for this run. */
export function buildFeatures(ctx: FeatureContext): DaemonFeature[] {
  return [
    // Roles are restored before anything announces or answers on them.
    new RolePersistenceFeature(),
    new AnnouncerFeature(),
    new ControlFeature(),
    new NotifyFifoFeature(),
    // Keep last: READY=1 must follow every other feature's start.
    new SystemdNotifyFeature({ log: ctx.log }),
  ];
}
