/**
 * The daemon's features, in start order (stopped in reverse). Each lives in
 * its own module; this list is the one place that wires them in.
 */
import type { DaemonFeature } from './daemon.js';
import type { Logger } from '../log.js';

export interface FeatureContext {
  /** config file path, for reloads; undefined when running from flags alone */
  configFile: string | undefined;
  args: string[];
  log: Logger;
}

/** Returns the features to start for this run. */
export function buildFeatures(_ctx: FeatureContext): DaemonFeature[] {
  return [];
}
