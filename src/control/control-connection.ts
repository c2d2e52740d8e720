/**
 * One control client: reads request lines and answers each, in order, with
 * its id. A client may pipeline any number of requests: past
 * {@link MAX_PENDING_REQUESTS} read ahead we stop reading until it takes its
 * answers, so the kernel's socket buffer, not our memory, holds the rest, and
 * no request is ever run without its answer. The connection is closed with
 * an error line when the client breaks a bound (line length, idle time) or
 * the server evicts it to make room. Nothing a client sends can throw out of
 * here.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { wallClockMicros } from '../util/wall-clock.js';
import type { Logger } from '../log/log.js';
import { VipArpdError, errorMessage } from '../util/errors.js';
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
 * Requests read ahead of their answers before we stop reading from the
 * client (one socket read may bring more; they wait too).
 */
export const MAX_PENDING_REQUESTS = 64;
/**
 * A connection that has not completed its first request line by then is
 * closed (EIDLE), however long control.idleTimeoutMs is: vip-arpctl and the
 * HA hooks write theirs on connect, so only an idle or slowloris client
 * waits this long, and it should not hold a slot for 30 s.
 */
export const FIRST_REQUEST_TIMEOUT_MS = 2000;
/** Requests run before the inbox drops them from its front (see nextRequest). */
const INBOX_COMPACT_AT = 1024;
/** After the error line is written, a client that neither reads nor closes is cut off after this. */
export const CLOSE_GRACE_MS = 1000;

interface PendingRequest {
  line: string;
  /** when the line's bytes reached the daemon (wall clock, µs), logged at debug once answered */
  receivedAtUs: number;
}

export class ControlConnection {
  private readonly socket: Socket;
  private readonly splitter: LineSplitter;
  private readonly run: RunCommand;
  private readonly log: Logger;
  private readonly limits: ConnectionLimits;
  private readonly onClosed: () => void;
  private idleTimer: NodeJS.Timeout;
  /** requests read and not yet run: inbox[inboxHead…] (an index, as shift() is O(n) on a long array) */
  private inbox: PendingRequest[] = [];
  private inboxHead = 0;
  /** one of this client's commands is running */
  private running = false;
  private pumping = false;
  /** the client is not reading what we wrote */
  private awaitingReader = false;
  private readingPaused = false;
  private inputEnded = false;
  /** no more requests are taken: error line sent, answers done after a half-close, or destroyed */
  private closed = false;
  /** the error to send once the requests read before it are answered */
  private refusal: { code: string; message: string } | undefined;
  private requested = false;
  private lastProgressMs = performance.now();

  /** `onClosed` is called once, when the connection stops taking requests. */
  constructor(socket: Socket, limits: ConnectionLimits, run: RunCommand, log: Logger, onClosed: () => void = () => undefined) {
    this.socket = socket;
    this.limits = limits;
    this.run = run;
    this.log = log;
    this.onClosed = onClosed;
    this.splitter = new LineSplitter(limits.maxLineBytes);
    this.idleTimer = setTimeout(() => this.onIdle(), Math.min(limits.idleTimeoutMs, FIRST_REQUEST_TIMEOUT_MS));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // The client may send its requests and half-close at once (`socat`, `nc -N`): answer, then close.
    socket.on('end', () => this.onEnd());
    socket.on('error', (err) => this.log.debug({ err }, 'control client error'));
    socket.on('close', () => this.markClosed());
  }

  /**
   * True when closing it loses nothing: no command of its own is running or
   * waiting, or the client does not read the answers it has.
   */
  get evictable(): boolean {
    return !this.closed && !this.running && (this.waiting === 0 || this.awaitingReader);
  }

  /** Whether a complete request line ever arrived. */
  get hasRequested(): boolean {
    return this.requested;
  }

  /** Last connect, request or answer (performance.now() ms). */
  get idleSinceMs(): number {
    return this.lastProgressMs;
  }

  /** Closes with an `EEVICTED` error line carrying `message`. */
  evict(message: string): void {
    this.closeNow('EEVICTED', message);
  }

  /** Closes the connection now (daemon stopping). */
  destroy(): void {
    this.markClosed();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.refusal !== undefined) return;
    const { lines, overflow } = this.splitter.push(chunk);
    this.take(lines);
    if (overflow)
      this.refusal = { code: 'ELINETOOLONG', message: `request line longer than ${this.limits.maxLineBytes} bytes (control.maxLineBytes); closing` };
    void this.pump();
  }

  private onEnd(): void {
    this.inputEnded = true;
    if (this.closed || this.refusal !== undefined) return;
    this.take(this.splitter.buffered > 0 ? this.splitter.push(Buffer.from('\n')).lines : []);
    void this.pump();
  }

  private take(lines: string[]): void {
    const receivedAtUs = wallClockMicros();
    const before = this.waiting;
    for (const line of lines) if (line.trim() !== '') this.inbox.push({ line, receivedAtUs });
    if (this.waiting === before) return;
    if (!this.requested) {
      this.requested = true;
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => this.onIdle(), this.limits.idleTimeoutMs);
    }
    this.progress();
    this.updateReading();
  }

  /** Answers the inbox in order; one pump at a time. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    for (let next = this.nextRequest(); next !== undefined && !this.closed; next = this.nextRequest()) {
      this.updateReading();
      this.running = true;
      const answer = await this.answer(next);
      this.running = false;
      if (this.closed || this.socket.writableEnded) break;
      this.progress();
      if (!this.socket.write(answer)) await this.waitForReader();
    }
    this.pumping = false;
    if (this.closed || this.waiting > 0) return;
    if (this.refusal !== undefined) this.closeNow(this.refusal.code, this.refusal.message);
    else if (this.inputEnded) {
      this.markClosed();
      this.socket.end();
    }
  }

  private get waiting(): number {
    return this.inbox.length - this.inboxHead;
  }

  private nextRequest(): PendingRequest | undefined {
    const next = this.inbox[this.inboxHead];
    if (next === undefined) return undefined;
    this.inboxHead++;
    // Drop what was run once the inbox runs dry, and now and then for a client that keeps its pipeline full.
    if (this.inboxHead === this.inbox.length || this.inboxHead >= INBOX_COMPACT_AT) {
      this.inbox = this.inbox.slice(this.inboxHead);
      this.inboxHead = 0;
    }
    return next;
  }

  /** The response line for one request; never throws. */
  private async answer({ line, receivedAtUs }: PendingRequest): Promise<string> {
    const decoded = decodeRequest(line);
    if (!decoded.ok) return encodeResponse(errorResponse(decoded.id, decoded.error.code, decoded.error.message));
    const { id, cmd, args } = decoded.request;
    let response: ControlResponse;
    try {
      response = { id, ok: true, data: (await this.run(cmd, args)) ?? null };
    } catch (err) {
      response = this.failure(id, cmd, err);
    }
    // Logged after the command ran, so a takeover's first GARP never waits
    // for this line; the arrival time lets benchmarks compare with captures.
    this.log.debug({ op: cmd, id, receivedAtUs, answeredAtUs: wallClockMicros() }, 'control command answered');
    try {
      return encodeResponse(response);
    } catch (err) {
      // Data JSON cannot carry (a BigInt, a cycle): a handler bug, still answered under its id.
      return encodeResponse(this.failure(id, cmd, err));
    }
  }

  private failure(id: RequestId, cmd: string, err: unknown): ControlResponse {
    if (err instanceof VipArpdError) return errorResponse(id, err.code, err.message);
    this.log.warn({ err, op: cmd }, 'control command failed unexpectedly');
    return errorResponse(id, 'EINTERNAL', `${cmd} failed: ${errorMessage(err)}`);
  }

  /** Stops reading until the client reads what was written (or goes). */
  private async waitForReader(): Promise<void> {
    this.awaitingReader = true;
    this.updateReading();
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done).off('close', done);
        resolve();
      };
      this.socket.on('drain', done).on('close', done);
    });
    this.awaitingReader = false;
    this.updateReading();
  }

  /** Reads from the client only while it reads its answers and few requests wait. */
  private updateReading(): void {
    if (this.closed) return;
    const pause = this.awaitingReader || this.waiting >= MAX_PENDING_REQUESTS;
    if (pause === this.readingPaused) return;
    this.readingPaused = pause;
    if (pause) this.socket.pause();
    else this.socket.resume();
  }

  private progress(): void {
    this.lastProgressMs = performance.now();
    this.idleTimer.refresh();
  }

  private onIdle(): void {
    if (this.closed) return;
    // Our own slowness (a long command, a queue we are answering) is not the client's idling.
    if (this.running || (this.waiting > 0 && !this.awaitingReader)) {
      this.idleTimer.refresh();
      return;
    }
    const message = this.requested
      ? `no complete request for ${this.limits.idleTimeoutMs} ms (control.idleTimeoutMs); closing`
      : `no complete request within ${Math.min(this.limits.idleTimeoutMs, FIRST_REQUEST_TIMEOUT_MS)} ms of connecting; closing`;
    this.closeNow('EIDLE', message);
  }

  /** Sends one error line, then closes; requests not yet run are dropped unanswered, further input ignored. */
  private closeNow(code: string, message: string): void {
    if (this.closed) return;
    this.markClosed();
    this.log.debug({ code }, 'closing control client');
    closeWithError(this.socket, code, message);
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.inbox = [];
    this.inboxHead = 0;
    this.onClosed();
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
