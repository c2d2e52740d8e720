/**
 * The client side of the control socket (vip-arpctl and the HA hooks): send
 * one request, wait for its response line.
 */
import { connect } from 'node:net';
import { VipArpdError } from '../util/errors.js';
import { LineSplitter } from './line-splitter.js';
import { decodeResponse, encodeRequest, NOT_RUN_CODES, type ControlResponse } from './protocol.js';

/** `vips` of a 100k-VIP daemon is a few MB; anything beyond this is not a vip-arpd reply. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** First pause before sending again a request the daemon did not run; doubled each time up to {@link RETRY_MAX_MS}. */
const RETRY_FIRST_MS = 5;
const RETRY_MAX_MS = 100;

/**
 * Sends `cmd args` to the daemon on `socketPath` and returns its response.
 * A refusal that says the request was not run (all clients slots taken, or
 * this connection closed for a newcomer before it was read: NOT_RUN_CODES)
 * is sent again on a new connection until `timeoutMs` is spent; the last
 * such refusal is returned then.
 * @throws {VipArpdError} EUNREACHABLE when the socket cannot be reached, the
 *   daemon does not answer within `timeoutMs`, or it answers garbage.
 */
export async function sendRequest(socketPath: string, cmd: string, args: string[], timeoutMs: number): Promise<ControlResponse> {
  const deadline = Date.now() + timeoutMs;
  for (let pauseMs = RETRY_FIRST_MS; ; pauseMs = Math.min(2 * pauseMs, RETRY_MAX_MS)) {
    const response = await sendRequestOnce(socketPath, cmd, args, Math.max(1, deadline - Date.now()));
    if (response.ok || !NOT_RUN_CODES.has(response.error.code) || Date.now() + pauseMs >= deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/**
 * One attempt of {@link sendRequest}: one connection, one request, its answer
 * whatever it is.
 * @throws {VipArpdError} EUNREACHABLE as sendRequest.
 */
export function sendRequestOnce(socketPath: string, cmd: string, args: string[], timeoutMs: number): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const splitter = new LineSplitter(MAX_RESPONSE_BYTES);
    let settled = false;
    const finish = (err: VipArpdError | undefined, response?: ControlResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err !== undefined) reject(err);
      else resolve(response!);
    };
    const timer = setTimeout(() => finish(new VipArpdError('EUNREACHABLE', `no answer from ${socketPath} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('connect', () => socket.write(encodeRequest({ id: 1, cmd, args })));
    socket.on('data', (chunk: Buffer) => {
      const { lines, overflow } = splitter.push(chunk);
      if (overflow) return finish(new VipArpdError('EUNREACHABLE', `answer from ${socketPath} is longer than ${MAX_RESPONSE_BYTES} bytes`));
      const line = lines[0];
      if (line === undefined) return;
      try {
        finish(undefined, decodeResponse(line));
      } catch (err) {
        finish(new VipArpdError('EUNREACHABLE', `${socketPath} did not answer like vip-arpd: ${(err as Error).message}`));
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const hint =
        err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
          ? ' (is vip-arpd running? is control.socket the same path?)'
          : err.code === 'EACCES'
            ? ' (run as root or as a member of control.group)'
            : '';
      finish(new VipArpdError('EUNREACHABLE', `cannot connect to ${socketPath}: ${err.code ?? err.message}${hint}`));
    });
    socket.on('close', () => finish(new VipArpdError('EUNREACHABLE', `${socketPath} closed the connection without answering`)));
  });
}
