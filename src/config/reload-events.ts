/**
 * What a reload tells the rest of the daemon (the config reloader emits it):
 * systemd hears RELOADING=1 / READY=1, metrics and `top` count reloads.
 */
import type { Subscribable } from '../daemon/subscribable.js';

/** How a reload ended; emitted after 'reload-started'. */
export interface ReloadFinished {
  ok: boolean;
  /** generation in force afterwards (unchanged when the reload failed) */
  generation: number;
  /** why it failed; the last good snapshot stays in force */
  error?: string;
}

export interface ReloadEventMap {
  /** a reload began (SIGHUP, control `reload`, file watch) */
  'reload-started': [];
  /** a reload ended, applied or rejected */
  'reload-finished': [ReloadFinished];
}

export type ReloadEvents = Subscribable<ReloadEventMap>;
