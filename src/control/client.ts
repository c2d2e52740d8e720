/**
 * The client side of the control socket (vip-arpctl and the HA hooks): send
 * one request, wait for its response line.
 */
import { connect } from 'node:net';
import { VipArpdError } from '../errors.js';
import { LineSplitter } from './line-splitter.js';
import { decodeResponse, encodeRequest, type ControlResponse } from './protocol.js';

/** `vips` of a 100k-VIP daemon is a few MB; anything beyond this is not a vip-arpd reply. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * Sends `cmd args` to the daemon on `socketPath` and returns its response.
 * @throws {VipArpdError} EUNREACHABLE when the socket cannot be reached, the
 *   daemon does not answer within `timeoutMs`, or it answers garbage.
 */
export function sendRequest(socketPath: string, cmd: string, args: string[], timeoutMs: number): Promise<ControlResponse> {
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
      const hint = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? ' (is vip-arpd running? is control.socket the same path?)' : err.code === 'EACCES' ? ' (run as root or as a member of control.group)' : '';
      finish(new VipArpdError('EUNREACHABLE', `cannot connect to ${socketPath}: ${err.code ?? err.message}${hint}`));
    });
    socket.on('close', () => finish(new VipArpdError('EUNREACHABLE', `${socketPath} closed the connection without answering`)));
  });
}
