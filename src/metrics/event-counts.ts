/**
 * Counts of daemon events (role transitions, reloads) as plain numbers, kept
 * from the start so that the metrics registry — and prom-client with it — can
 * be built only when metrics are first asked for (it costs ~10 MB of RSS).
 */
import type { ReloadFinished } from '../config/reload-events.js';
import type { RoleChange } from '../roles/role-source.js';

export interface RoleTransitionCount {
  group: string;
  from: string;
  to: string;
  count: number;
}

export class EventCounts {
  readonly roleTransitions = new Map<string, RoleTransitionCount>();
  readonly reloads = { ok: 0, failed: 0 };
  /** false after a failed reload, true again after one that applied */
  lastReloadOk = true;

  /** Counts a role change; a change to the same role is no transition. */
  roleChanged(c: RoleChange): void {
    if (c.from === c.to) return;
    const key = `${c.group}\0${c.from}\0${c.to}`;
    const entry = this.roleTransitions.get(key);
    if (entry === undefined) this.roleTransitions.set(key, { group: c.group, from: c.from, to: c.to, count: 1 });
    else entry.count++;
  }

  reloadFinished(r: ReloadFinished): void {
    if (r.ok) this.reloads.ok++;
    else this.reloads.failed++;
    this.lastReloadOk = r.ok;
  }
}
