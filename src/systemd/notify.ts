/**
 * sd_notify(3) without libsystemd and without a child process: one datagram
 * from the main PID to `$NOTIFY_SOCKET`, so the unit can say
 * `NotifyAccess=main`. The datagram is sent by the addon
 * (`native.sendUnixDatagram`), which also reaches abstract sockets (`@name`).
 */
import { native, check } from '../native/addon.js';
import { VipArpdError } from '../util/errors.js';

/** sockaddr_un.sun_path is 108 bytes on Linux (unix(7)); the name must fit with room for no NUL. */
const SUN_PATH_MAX = 108;

/** What systemd told us through the environment (sd_notify(3), sd_watchdog_enabled(3)). */
export interface NotifyEnv {
  /** `$NOTIFY_SOCKET`: a path or an abstract `@name`; undefined when not run by systemd with Type=notify. */
  socket: string | undefined;
  /** Watchdog timeout in µs, when the watchdog is enabled for this process. */
  watchdogUsec: number | undefined;
}

/**
 * Reads the notify socket and watchdog settings from `env`. The watchdog
 * applies to us only when `WATCHDOG_PID` is unset or equals `pid`
 * (sd_watchdog_enabled(3): a forked child must not ping for its parent).
 * @throws {VipArpdError} ENOTIFYENV for a socket that is not an absolute path
 *   or `@name`, or is too long for sockaddr_un, and for a WATCHDOG_USEC that
 *   is not a positive integer.
 */
export function parseNotifyEnv(env: NodeJS.ProcessEnv, pid: number): NotifyEnv {
  const socket = env.NOTIFY_SOCKET === '' ? undefined : env.NOTIFY_SOCKET;
  if (socket !== undefined) {
    if (!socket.startsWith('/') && !socket.startsWith('@')) {
      throw new VipArpdError(
        'ENOTIFYENV',
        `NOTIFY_SOCKET="${socket}" is not an absolute path or an abstract @name; vip-arpd supports only AF_UNIX notify sockets`,
      );
    }
    if (Buffer.byteLength(socket) >= SUN_PATH_MAX) {
      throw new VipArpdError('ENOTIFYENV', `NOTIFY_SOCKET is ${Buffer.byteLength(socket)} bytes; a unix socket name must be shorter than ${SUN_PATH_MAX}`);
    }
  }
  let watchdogUsec: number | undefined;
  const usec = env.WATCHDOG_USEC;
  const forPid = env.WATCHDOG_PID;
  if (usec !== undefined && usec !== '' && (forPid === undefined || forPid === '' || Number(forPid) === pid)) {
    if (!/^[1-9][0-9]*$/.test(usec)) {
      throw new VipArpdError('ENOTIFYENV', `WATCHDOG_USEC="${usec}" is not a positive number of microseconds`);
    }
    watchdogUsec = Number(usec);
  }
  return { socket, watchdogUsec };
}

/**
 * Formats notify fields as sd_notify's newline-separated `KEY=value` lines,
 * in the order given.
 * @throws {VipArpdError} ENOTIFYFIELD when a key is not [A-Z_]+ or a value
 *   holds a newline (it would be read as a second field).
 */
export function formatNotify(fields: Readonly<Record<string, string | number>>): string {
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    const v = String(value);
    if (!/^[A-Z_]+$/.test(key)) throw new VipArpdError('ENOTIFYFIELD', `notify key "${key}" must be upper-case letters and underscores`);
    if (v.includes('\n')) throw new VipArpdError('ENOTIFYFIELD', `notify value of ${key} must be one line`);
    out += `${key}=${v}\n`;
  }
  return out;
}

/** Microseconds of CLOCK_MONOTONIC, as `MONOTONIC_USEC=` wants (libuv's hrtime is CLOCK_MONOTONIC). */
export function monotonicUsec(): bigint {
  return process.hrtime.bigint() / 1000n;
}

/** Sends notify datagrams to one socket. */
export class Notifier {
  readonly socket: string;

  constructor(socket: string) {
    this.socket = socket;
  }

  /**
   * Sends `fields` as one datagram.
   * @throws {SystemError} when the datagram cannot be sent (ENOENT,
   *   ECONNREFUSED: systemd is gone or the socket is wrong).
   * @throws {VipArpdError} ENOTIFYFIELD for a malformed field.
   */
  send(fields: Readonly<Record<string, string | number>>): void {
    check(native.sendUnixDatagram(this.socket, Buffer.from(formatNotify(fields))), 'sendto');
  }
}
