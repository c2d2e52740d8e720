/**
 * MetricsFeature: owns the metrics registry, feeds the event-driven counters
 * (role transitions, reloads) and answers the `metrics` control command with
 * the Prometheus text exposition.
 */
import type { Registry } from 'prom-client';
import type { Daemon, DaemonFeature, ReloadFinished, RoleChange } from '../daemon/daemon.js';
import { VipArpdError } from '../errors.js';
import type { MetricSources } from './collectors.js';
import { EventCounts } from './event-counts.js';

export class MetricsFeature implements DaemonFeature {
  readonly name = 'metrics';
  readonly events = new EventCounts();
  private registry: Promise<Registry> | undefined;
  private daemon: Daemon | undefined;
  private readonly sources: MetricSources;
  private readonly onRoleChanged = (c: RoleChange): void => this.events.roleChanged(c);
  private readonly onReloadFinished = (r: ReloadFinished): void => this.events.reloadFinished(r);

  constructor(sources: MetricSources = {}) {
    this.sources = sources;
  }

  /**
   * The registry, built on first use: prom-client is loaded only on a
   * daemon whose metrics are asked for (~10 MB of RSS otherwise saved).
   */
  private registryNow(): Promise<Registry> {
    this.registry ??= import('./collectors.js').then((m) => m.createMetricsRegistry(() => this.daemon, this.events, this.sources));
    return this.registry;
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
  async exposition(): Promise<string> {
    return (await this.registryNow()).metrics();
  }

  /** The exposition's HTTP Content-Type. */
  async contentType(): Promise<string> {
    return (await this.registryNow()).contentType;
  }

  stop(): void {
    this.daemon?.off('role-changed', this.onRoleChanged);
    this.daemon?.off('reload-finished', this.onReloadFinished);
  }
}
