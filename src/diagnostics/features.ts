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
import type { Ipv6VipsOf } from './doctor.js';

export interface DiagnosticsFeatures {
  /** the conflict monitor, whose `counters()` feed metrics */
  conflicts: ConflictMonitor;
  /** every diagnostics feature, in start order */
  features: DaemonFeature[];
}

/**
 * Creates the diagnostics features; `clock` times the handover grace,
 * `fastPath` tells doctor which interfaces XDP serves, `ipv6VipsOf` gives
 * doctor and probe each group's IPv6 VIPs (none until the IPv6 VIP table feeds it).
 */
export function diagnosticsFeatures(clock: GraceTimer, sources: { fastPath?: () => FastPathReport[]; ipv6VipsOf?: Ipv6VipsOf } = {}): DiagnosticsFeatures {
  const conflicts = new ConflictMonitor({ clock });
  return { conflicts, features: [conflicts, new DoctorFeature(sources.fastPath, sources.ipv6VipsOf), new ProbeFeature(sources.ipv6VipsOf)] };
}
