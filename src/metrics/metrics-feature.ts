/**
 * MetricsFeature: owns the metrics registry, feeds the event-driven counters
 * (role transitions, reloads) and answers the `metrics` control command with
 * the Prometheus text exposition.
 */
import type { Registry } from 'prom-client';
import type { DaemonFeature } from '../daemon/feature.js';
import type { ReloadEvents, ReloadFinished } from '../config/reload-events.js';
import type { RoleChange } from '../roles/role-source.js';
import type { CommandRegistry } from '../control/command-registry.js';
import { VipArpdError } from '../util/errors.js';
import type { DaemonReadings, MetricSources } from './collectors.js';
import { EventCounts } from './event-counts.js';

export interface MetricsFeatureOptions {
  /** what the collectors read at scrape time; its role source also feeds the transition counts */
  daemon: DaemonReadings;
  reloads: ReloadEvents;
  commands: CommandRegistry;
  sources?: MetricSources;
}

export class MetricsFeature implements DaemonFeature {
  readonly name = 'metrics';
  readonly events = new EventCounts();
  private registry: Promise<Registry> | undefined;
  private readonly opts: MetricsFeatureOptions;
  private readonly onRoleChanged = (c: RoleChange): void => this.events.roleChanged(c);
  private readonly onReloadFinished = (r: ReloadFinished): void => this.events.reloadFinished(r);

  constructor(opts: MetricsFeatureOptions) {
    this.opts = opts;
  }

  /**
   * The registry, built on first use: prom-client is loaded only on a
   * daemon whose metrics are asked for (~10 MB of RSS otherwise saved).
   */
  private registryNow(): Promise<Registry> {
    this.registry ??= import('./collectors.js').then((m) => m.createMetricsRegistry(this.opts.daemon, this.events, this.opts.sources ?? {}));
    return this.registry;
  }

  start(): void {
    this.opts.daemon.roles.on('role-changed', this.onRoleChanged);
    this.opts.reloads.on('reload-finished', this.onReloadFinished);
    this.opts.commands.register('metrics', {
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
    this.opts.daemon.roles.off('role-changed', this.onRoleChanged);
    this.opts.reloads.off('reload-finished', this.onReloadFinished);
  }
}
