/**
 * Tells systemd what the daemon is doing (sd_notify(3)): READY=1 once every
 * socket is open and the config applied (this feature starts last), STATUS=
 * on every role change, reload and interface change, RELOADING=1 / READY=1
 * around reloads, STOPPING=1 on shutdown, and WATCHDOG=1 pings from an
 * event-loop timer, so a loop that stops turning stops the pings and systemd
 * restarts us.
 *
 * Without `$NOTIFY_SOCKET` (run by hand, the demo, tests) it does nothing.
 */
import type { DaemonFeature } from '../daemon/feature.js';
import type { LinkView } from '../daemon/link-view.js';
import type { ConfigView } from '../config/config-view.js';
import type { ReloadEvents, ReloadFinished } from '../config/reload-events.js';
import type { VipSource } from '../vips/vip-lookup.js';
import type { RoleSource } from '../roles/role-source.js';
import type { Logger } from '../log/log.js';
import { LogRateLimiter, logLimited } from '../log/log-rate-limit.js';
import { Notifier, monotonicUsec, parseNotifyEnv } from './notify.js';
import { statusLine } from './status-line.js';

/**
 * Ping at half the watchdog timeout, as sd_watchdog_enabled(3) recommends:
 * one late timer tick then still lands before systemd gives up.
 */
export const WATCHDOG_PINGS_PER_TIMEOUT = 2;

/** A failing notify socket (systemd gone) is reported at most this often. */
const SEND_FAILURE_LOG_MS = 60_000;

/** Environment variables of the notify protocol; unset once read so children do not inherit them (sd_notify(3) unset_environment). */
const NOTIFY_ENV_VARS = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

export interface SystemdNotifyOptions {
  log: Logger;
  /** for STATUS=: groups and roles, VIPs, interfaces; each change sends a new one */
  roles: RoleSource;
  config: ConfigView;
  vips: VipSource;
  links: LinkView;
  reloads: ReloadEvents;
  /** default process.env; the variables are deleted from it once read */
  env?: NodeJS.ProcessEnv;
  /** conflicts seen so far, for STATUS=; omitted when diagnostics keep no count */
  conflicts?: () => number | undefined;
}

export class SystemdNotifyFeature implements DaemonFeature {
  readonly name = 'systemd-notify';
  private readonly opts: SystemdNotifyOptions;
  private readonly log: Logger;
  private readonly limiter = new LogRateLimiter({ intervalMs: SEND_FAILURE_LOG_MS });
  private notifier: Notifier | undefined;
  private started = false;
  private watchdog: NodeJS.Timeout | undefined;
  private lastReloadError: string | undefined;
  private readonly onStatusChange = (): void => this.send({ STATUS: this.status() });
  private readonly onReloadStarted = (): void => this.send({ RELOADING: 1, MONOTONIC_USEC: monotonicUsec().toString(), STATUS: 'reloading configuration' });
  private readonly onReloadFinished = (r: ReloadFinished): void => {
    this.lastReloadError = r.ok ? undefined : (r.error ?? 'unknown error');
    this.send({ READY: 1, STATUS: this.status() });
  };

  constructor(opts: SystemdNotifyOptions) {
    this.opts = opts;
    this.log = opts.log.child({ feature: 'systemd-notify' });
  }

  start(): void {
    const env = this.opts.env ?? process.env;
    let parsed: ReturnType<typeof parseNotifyEnv>;
    try {
      parsed = parseNotifyEnv(env, process.pid);
    } catch (err) {
      // Not fatal: the daemon answers ARP without systemd knowing. Under
      // systemd the variables are always well-formed.
      this.log.error({ err }, 'ignoring systemd notify environment');
      return;
    } finally {
      for (const v of NOTIFY_ENV_VARS) delete env[v];
    }
    if (parsed.socket === undefined) return;
    this.notifier = new Notifier(parsed.socket);
    this.started = true;
    this.listen('on');
    this.send({ READY: 1, STATUS: this.status() });
    if (parsed.watchdogUsec !== undefined) {
      const everyMs = Math.max(1, Math.floor(parsed.watchdogUsec / 1000 / WATCHDOG_PINGS_PER_TIMEOUT));
      this.watchdog = setInterval(() => this.send({ WATCHDOG: 1 }), everyMs);
      // The daemon's sockets keep the process alive, not this timer.
      this.watchdog.unref();
      this.log.info({ socket: parsed.socket, watchdogMs: everyMs }, 'systemd notify and watchdog enabled');
    } else {
      this.log.info({ socket: parsed.socket }, 'systemd notify enabled');
    }
  }

  /** Says STOPPING=1: this feature starts last, so it stops first, before any socket closes. */
  stop(): void {
    if (this.started) this.send({ STOPPING: 1, STATUS: 'stopping' });
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    if (!this.started) return;
    this.started = false;
    this.listen('off');
  }

  /** Subscribes to (`on`) or unsubscribes from (`off`) every event that changes what systemd is told. */
  private listen(how: 'on' | 'off'): void {
    const { roles, config, links, reloads } = this.opts;
    roles[how]('role-changed', this.onStatusChange);
    config[how]('snapshot-applied', this.onStatusChange);
    links[how]('link-phase', this.onStatusChange);
    reloads[how]('reload-started', this.onReloadStarted);
    reloads[how]('reload-finished', this.onReloadFinished);
  }

  private status(): string {
    if (!this.started) return '';
    const { roles, vips, links } = this.opts;
    const line = statusLine({
      groups: [...roles.groups.values()],
      vips: vips.table.size + vips.ipv6Table.size,
      interfaces: links.size,
      missingInterfaces: [...links.values()].filter((l) => l.phase === 'missing').map((l) => l.iface),
      conflicts: this.opts.conflicts?.(),
    });
    return this.lastReloadError === undefined ? line : `${line}; last reload failed: ${this.lastReloadError.replace(/[\r\n]+/g, ' ')}`;
  }

  private send(fields: Record<string, string | number>): void {
    try {
      this.notifier?.send(fields);
    } catch (err) {
      logLimited(this.log, 'warn', this.limiter, 'send', { err, socket: this.notifier?.socket }, 'cannot notify systemd');
    }
  }
}
