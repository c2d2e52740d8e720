/**
 * The config in force, as features read it: the snapshot (config, groups
 * with their VIPs, source files), its generation, and the event each applied
 * snapshot raises. Implemented by src/daemon/snapshot-in-force.ts.
 */
import type { Subscribable } from '../daemon/subscribable.js';
import type { DaemonConfig } from './load-config.js';
import type { Snapshot } from './snapshot.js';
import type { AnyGroupVips } from '../vips/vip-lookup.js';

export interface SnapshotApplied {
  generation: number;
  /** per group and family, the VIPs it answers now and did not before */
  added: AnyGroupVips[];
  /** per group and family (of the old tables), the VIPs it no longer answers */
  removed: AnyGroupVips[];
}

export interface SnapshotEvents {
  'snapshot-applied': [SnapshotApplied];
}

export interface ConfigView extends Subscribable<SnapshotEvents> {
  /** @throws {Error} before the first snapshot is applied */
  readonly snapshot: Snapshot;
  readonly config: DaemonConfig;
  /** 1 after the first apply, +1 per applied reload */
  readonly generation: number;
}
