/**
 * Parses `metrics.listen`: `host:port`, with IPv6 hosts in brackets
 * (`[::1]:9733`). Pure.
 */
import { isIP } from 'node:net';
import { VipArpdError } from '../util/errors.js';

export interface ListenAddress {
  host: string;
  port: number;
}

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Returns the host and port of `text`.
 * @throws {VipArpdError} EMETRICSLISTEN when the host is missing (say
 *   `0.0.0.0:9733` to listen everywhere, on purpose), malformed, or the port
 *   is not 0-65535 (0: any free port, for tests).
 */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):([0-9]+)$/.exec(text);
  const bad = (why: string): VipArpdError =>
    new VipArpdError('EMETRICSLISTEN', `metrics.listen "${text}": ${why}; expected host:port like 127.0.0.1:9733 or [::1]:9733`);
  if (m === null) throw bad('not host:port');
  const host = m[1] ?? m[2] ?? '';
  if (host === '') throw bad('no host (use 0.0.0.0 to listen on every address)');
  if (m[1] !== undefined && isIP(host) !== 6) throw bad(`"${host}" in brackets is not an IPv6 address`);
  if (m[1] === undefined && isIP(host) === 0 && !HOSTNAME.test(host)) throw bad(`"${host}" is not an IP address or host name`);
  const port = Number(m[3]);
  // Port 0 asks the kernel for a free port (tests); the bound address is logged.
  if (!Number.isInteger(port) || port > 65535) throw bad(`port ${m[3]} is not 0-65535`);
  return { host, port };
}
