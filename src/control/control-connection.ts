/**
 * One control client: reads request lines, answers them in order, and closes
 * the connection with an error line when the client breaks a bound (line
 * length, queued requests, idle time). Nothing a client sends can throw out
 * of here.
 */
import type { Socket } from 'node:net';
import { wallClockMicros } from '../wall-clock.js';
import type { Logger } from '../log.js';
import { VipArpdError, errorMessage } from '../errors.js';
import { LineSplitter } from './line-splitter.js';
import { decodeRequest, encodeResponse, errorResponse, type ControlResponse, type RequestId } from './protocol.js';

/** Runs a command; the control server's only view of the registry. */
export type RunCommand = (cmd: string, args: string[]) => Promise<unknown>;

export interface ConnectionLimits {
  maxLineBytes: number;
  /** no complete request for this long closes the connection */
  idleTimeoutMs: number;
}

/**
 * Requests a client may pipeline before reading answers. Scripts send one at
 * a time; a bound keeps a client that writes but never reads from making us
 * queue answers without limit.
 */
export const MAX_PENDING_REQUESTS = 64;
/** After the error line is written, a client that neither reads nor closes is cut off after this. */
export const CLOSE_GRACE_MS = 1000;

export class ControlConnection {
  private readonly socket: Socket;
  private readonly splitter: LineSplitter;
  private readonly run: RunCommand;
  private readonly log: Logger;
  private readonly limits: ConnectionLimits;
  private readonly idleTimer: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private closing = false;

  constructor(socket: Socket, limits: ConnectionLimits, run: RunCommand, log: Logger) {
    this.socket = socket;
    this.limits = limits;
    this.run = run;
    this.log = log;
    this.splitter = new LineSplitter(limits.maxLineBytes);
    this.idleTimer = setTimeout(() => this.refuse('EIDLE', `no complete request for ${limits.idleTimeoutMs} ms; closing`), limits.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // The client may send its requests and half-close at once (`socat`, `nc -N`): answer, then close.
    socket.on('end', () => this.onEnd());
    socket.on('error', (err) => this.log.debug({ err }, 'control client error'));
    socket.on('close', () => clearTimeout(this.idleTimer));
  }

  /** Closes the connection now (daemon stopping). */
  destroy(): void {
    this.closing = true;
    clearTimeout(this.idleTimer);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    const receivedAtUs = wallClockMicros();
    const { lines, overflow } = this.splitter.push(chunk);
    for (const line of lines) this.enqueue(line, receivedAtUs);
    if (overflow) this.refuse('ELINETOOLONG', `request line longer than ${this.limits.maxLineBytes} bytes (control.maxLineBytes); closing`);
  }

  private onEnd(): void {
    if (this.closing) return;
    const rest = this.splitter.buffered > 0 ? this.splitter.push(Buffer.from('\n')).lines : [];
    const receivedAtUs = wallClockMicros();
    for (const line of rest) this.enqueue(line, receivedAtUs);
    this.closing = true;
    clearTimeout(this.idleTimer);
    void this.queue.then(() => this.socket.end());
  }

  /** `receivedAtUs`: when the line's bytes reached the daemon (wall clock, µs), logged at debug once answered. */
  private enqueue(line: string, receivedAtUs: number): void {
    if (this.closing) return;
    if (line.trim() === '') return;
    if (++this.pending > MAX_PENDING_REQUESTS) {
      this.refuse('ETOOMANYREQUESTS', `more than ${MAX_PENDING_REQUESTS} requests waiting for answers; read the answers before sending more`);
      return;
    }
    this.idleTimer.refresh();
    this.queue = this.queue.then(async () => {
      const response = await this.answer(line, receivedAtUs);
      this.pending--;
      if (this.socket.destroyed || this.socket.writableEnded) return;
      this.idleTimer.refresh();
      if (!this.socket.write(encodeResponse(response))) {
        // The client is not reading: stop reading from it until it does.
        this.socket.pause();
        await new Promise<void>((resolve) => this.socket.once('drain', resolve).once('close', resolve));
        this.socket.resume();
      }
    });
  }

  private async answer(line: string, receivedAtUs: number): Promise<ControlResponse> {
    const decoded = decodeRequest(line);
    if (!decoded.ok) return errorResponse(decoded.id, decoded.error.code, decoded.error.message);
    const { id, cmd, args } = decoded.request;
    try {
      return { id, ok: true, data: (await this.run(cmd, args)) ?? null };
    } catch (err) {
      return this.failure(id, cmd, err);
    } finally {
      // Logged after the command ran, so a takeover's first GARP never waits
      // for this line; the arrival time lets benchmarks compare with captures.
      this.log.debug({ op: cmd, id, receivedAtUs, answeredAtUs: wallClockMicros() }, 'control command answered');
    }
  }

  private failure(id: RequestId, cmd: string, err: unknown): ControlResponse {
    if (err instanceof VipArpdError) return errorResponse(id, err.code, err.message);
    this.log.warn({ err, op: cmd }, 'control command failed unexpectedly');
    return errorResponse(id, 'EINTERNAL', `${cmd} failed: ${errorMessage(err)}`);
  }

  /** Sends one error line, then closes; further input is ignored. */
  private refuse(code: string, message: string): void {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.idleTimer);
    this.log.debug({ code }, 'closing control client');
    closeWithError(this.socket, code, message);
  }

}

/**
 * Writes one error line and half-closes, discarding whatever the client still
 * sends until it closes too or {@link CLOSE_GRACE_MS} pass. Closing at once
 * would reset a client that is still writing (EPIPE/ECONNRESET) before it
 * reads why it was refused.
 */
export function closeWithError(socket: Socket, code: string, message: string): void {
  const cutoff = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  cutoff.unref();
  socket.once('close', () => clearTimeout(cutoff));
  socket.once('end', () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.resume();
  socket.end(encodeResponse(errorResponse(null, code, message)));
}
