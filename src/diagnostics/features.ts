/**
 * The diagnostics features, for src/daemon/features.ts: the live conflict
 * monitor (and defence), `doctor` and `probe`.
 */
import type { DaemonFeature } from '../daemon/daemon.js';
import { ConflictMonitor } from './conflict-monitor.js';
import type { GraceTimer } from './handover-grace.js';
import { DoctorFeature } from './doctor.js';
import { ProbeFeature } from './probe.js';
import type { FastPathReport } from '../fastpath/fast-path-report.js';

export interface DiagnosticsFeatures {
  /** the conflict monitor, whose `counters()` feed metrics */
  conflicts: ConflictMonitor;
  /** every diagnostics feature, in start order */
  features: DaemonFeature[];
}

/**
 * Creates the diagnostics features; `clock` times the handover grace,
 * `fastPath` tells doctor which interfaces XDP serves.
 */
export function diagnosticsFeatures(clock: GraceTimer, sources: { fastPath?: () => FastPathReport[] } = {}): DiagnosticsFeatures {
  const conflicts = new ConflictMonitor({ clock });
  return { conflicts, features: [conflicts, new DoctorFeature(sources.fastPath), new ProbeFeature()] };
}
