/**
 * Makes a unix socket path ready to listen on: creates its directory and
 * removes a socket file left by a daemon that died, but never one that a live
 * process still answers on, and never a file that is not a socket.
 */
import { dirname } from 'node:path';
import { connect } from 'node:net';
import { VipArpdError } from '../util/errors.js';
import { fs } from '../util/node-builtins.js';

const { mkdirSync, lstatSync, unlinkSync } = fs;

/** A live daemon accepts a local connection in microseconds; a second is generous even under load. */
export const STALE_PROBE_TIMEOUT_MS = 1000;

type Probe = 'answers' | 'refused' | 'timeout';

function probe(path: string, timeoutMs: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    const timer = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('answers');
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') resolve('refused');
      else reject(new VipArpdError('ESOCKETPATH', `cannot probe control socket ${path} (${err.code ?? err.message})`, { cause: err }));
    });
  });
}

/**
 * Prepares `path` for `listen`.
 * @throws {VipArpdError} EADDRINUSE when something answers on it, ESOCKETPATH
 *   when it is not a socket or its directory cannot be made.
 */
export async function prepareSocketPath(path: string, timeoutMs = STALE_PROBE_TIMEOUT_MS): Promise<void> {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new VipArpdError('ESOCKETPATH', `cannot create the directory of control socket ${path} (${(err as NodeJS.ErrnoException).code})`, { cause: err });
  }
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new VipArpdError('ESOCKETPATH', `${path} exists and is not a socket; remove it or set control.socket to another path`);
  const answer = await probe(path, timeoutMs);
  if (answer !== 'refused') {
    throw new VipArpdError(
      'EADDRINUSE',
      `a process already answers on control socket ${path} (another vip-arpd?); stop it or set control.socket to another path`,
    );
  }
  unlinkSync(path);
}
