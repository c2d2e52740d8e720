/**
 * MetricsFeature: owns the metrics registry, feeds the event-driven counters
 * (role transitions, reloads) and answers the `metrics` control command with
 * the Prometheus text exposition.
 */
import type { Registry } from 'prom-client';
import type { Daemon, DaemonFeature, ReloadFinished, RoleChange } from '../daemon/daemon.js';
import { VipArpdError } from '../errors.js';
import { createMetricsRegistry, type EventMetrics, type MetricSources } from './collectors.js';

export class MetricsFeature implements DaemonFeature {
  readonly name = 'metrics';
  readonly registry: Registry;
  private readonly events: EventMetrics;
  private daemon: Daemon | undefined;
  private readonly onRoleChanged = (c: RoleChange): void => {
    if (c.from !== c.to) this.events.roleTransitions.inc({ group: c.group, from: c.from, to: c.to });
  };
  private readonly onReloadFinished = (r: ReloadFinished): void => {
    this.events.reloads.inc({ result: r.ok ? 'ok' : 'failed' });
    this.events.lastReloadOk.set(r.ok ? 1 : 0);
  };

  constructor(sources: MetricSources = {}) {
    const { registry, events } = createMetricsRegistry(() => this.daemon, sources);
    this.registry = registry;
    this.events = events;
  }

  start(daemon: Daemon): void {
    this.daemon = daemon;
    daemon.on('role-changed', this.onRoleChanged);
    daemon.on('reload-finished', this.onReloadFinished);
    daemon.commands.register('metrics', {
      usage: 'metrics',
      summary: 'Prometheus text exposition of every vip-arpd metric',
      handler: async (args) => {
        if (args.length !== 0) throw new VipArpdError('EUSAGE', `usage: metrics (got ${args.length} argument(s))`);
        return await this.exposition();
      },
    });
  }

  /** The current metrics in Prometheus text format (version 0.0.4). */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  stop(): void {
    this.daemon?.off('role-changed', this.onRoleChanged);
    this.daemon?.off('reload-finished', this.onReloadFinished);
  }
}
