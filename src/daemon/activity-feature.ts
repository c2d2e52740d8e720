/**
 * The activity feature: what `vip-arpctl top` shows beside the core status,
 * as two status sections. `events`: the last role changes and config
 * reloads (bounded rings; the daemon keeps no other history). `garp`:
 * gratuitous ARP frames per interface, summed over groups, so a viewer can
 * derive frames/s from two samples.
 */
import type { DaemonFeature } from './feature.js';
import type { ConfigView } from '../config/config-view.js';
import type { ReloadEvents, ReloadFinished } from '../config/reload-events.js';
import type { RoleChange, RoleSource } from '../roles/role-source.js';
import type { CommandRegistry } from '../control/command-registry.js';
import { addAnnounceFrameCounts, zeroAnnounceFrameCounts, type AnnounceCounters, type AnnounceFrameCounts } from '../announcer/announce-counters.js';
import { RecentEvents } from './recent-events.js';

/** Enough to see a flapping group or a run of failed reloads; a few KB at most. */
const KEPT_PER_KIND = 10;

export interface RoleChangeEvent extends RoleChange {
  at: string;
}
export interface ReloadEvent {
  at: string;
  ok: boolean;
  generation: number;
  error: string | null;
}
/** One interface's announcement frames: ARP request and reply forms, unsolicited NA (IPv6), and those not sent. */
export interface GarpInterfaceCounts extends AnnounceFrameCounts {
  name: string;
}

export interface ActivityFeatureOptions {
  roles: RoleSource;
  reloads: ReloadEvents;
  /** the generation at start: a reload that leaves it is no event */
  config: Pick<ConfigView, 'generation'>;
  /** the `events` and `garp` status sections */
  commands: CommandRegistry;
  /** the announcer's counters, read on every `status` */
  garps: () => AnnounceCounters;
  now?: () => number;
}

export class ActivityFeature implements DaemonFeature {
  readonly name = 'activity';
  private readonly roleChanges = new RecentEvents<RoleChangeEvent>(KEPT_PER_KIND);
  private readonly reloads = new RecentEvents<ReloadEvent>(KEPT_PER_KIND);
  private lastGeneration = 0;
  private readonly now: () => number;

  constructor(private readonly opts: ActivityFeatureOptions) {
    this.now = opts.now ?? Date.now;
  }

  private readonly onRoleChanged = (c: RoleChange): void => this.roleChanges.push({ at: this.stamp(), ...c });

  /** Failed reloads and applied ones; a reload that found nothing changed is not an event. */
  private readonly onReloadFinished = (r: ReloadFinished): void => {
    if (r.ok && r.generation === this.lastGeneration) return;
    this.lastGeneration = r.generation;
    this.reloads.push({ at: this.stamp(), ok: r.ok, generation: r.generation, error: r.error ?? null });
  };

  private stamp(): string {
    return new Date(this.now()).toISOString();
  }

  start(): void {
    const { roles, reloads, config, commands } = this.opts;
    this.lastGeneration = config.generation;
    roles.on('role-changed', this.onRoleChanged);
    reloads.on('reload-finished', this.onReloadFinished);
    commands.addStatusSection('events', () => ({ roleChanges: this.roleChanges.newestFirst(), reloads: this.reloads.newestFirst() }));
    commands.addStatusSection('garp', () => this.garpStatus());
  }

  stop(): void {
    this.opts.roles.off('role-changed', this.onRoleChanged);
    this.opts.reloads.off('reload-finished', this.onReloadFinished);
  }

  private garpStatus(): { rounds: number; interfaces: GarpInterfaceCounts[] } {
    const counters = this.opts.garps();
    const byIface = new Map<string, GarpInterfaceCounts>();
    for (const perIface of counters.byGroup.values()) {
      for (const [name, c] of perIface) {
        const sum = byIface.get(name) ?? { name, ...zeroAnnounceFrameCounts() };
        addAnnounceFrameCounts(sum, c);
        byIface.set(name, sum);
      }
    }
    return { rounds: counters.rounds, interfaces: [...byIface.values()] };
  }
}
