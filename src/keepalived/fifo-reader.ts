/**
 * FifoReader reads lines from a named pipe that another program (keepalived)
 * creates, deletes and recreates, without ever blocking the event loop.
 *
 * The FIFO is opened O_RDWR | O_NONBLOCK: on Linux an O_RDWR open of a FIFO
 * never blocks waiting for a writer, and since we are a writer ourselves the
 * read side never sees end-of-file when keepalived exits (fifo(7)). keepalived
 * opens it the same way and, when it created the FIFO, unlinks it on exit;
 * the next keepalived makes a new one. So the path is checked every
 * {@link FIFO_RECHECK_MS}: a new inode is opened at once, and while the path
 * is missing the reader waits for it.
 */
import { Socket } from 'node:net';
import type { Logger } from '../log/log.js';
import { LineSplitter } from '../control/line-splitter.js';
import { fs } from '../util/node-builtins.js';

const { closeSync, constants, fstatSync, openSync, statSync } = fs;

/**
 * keepalived writes its first line (BACKUP, or MASTER at once for priority
 * 255) right after creating the FIFO; the pipe buffer holds it until we open
 * the new FIFO, so a quarter second only delays, never loses, that line.
 */
export const FIFO_RECHECK_MS = 250;
/** keepalived lines are ~60 bytes; a longer one is not keepalived's. */
export const MAX_FIFO_LINE_BYTES = 4096;

interface OpenFifo {
  ino: number;
  stream: Socket;
}

export interface FifoReaderOptions {
  path: string;
  onLine: (line: string) => void;
  log: Logger;
  recheckMs?: number;
}

export class FifoReader {
  private readonly opts: FifoReaderOptions;
  private readonly log: Logger;
  private current: OpenFifo | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** the last problem logged, so a missing FIFO is reported once, not every recheck */
  private lastProblem = '';
  /** FIFOs opened so far (1 + reopens) */
  opens = 0;

  constructor(opts: FifoReaderOptions) {
    this.opts = opts;
    this.log = opts.log.child({ fifo: opts.path });
  }

  /** Opens the FIFO if it exists and starts watching its path. */
  start(): void {
    if (this.timer !== undefined) return;
    this.check();
    this.timer = setInterval(() => this.check(), this.opts.recheckMs ?? FIFO_RECHECK_MS);
  }

  /** Stops watching and closes the FIFO. Idempotent. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.close();
  }

  /** True while a FIFO is open. */
  get isOpen(): boolean {
    return this.current !== undefined;
  }

  private check(): void {
    let ino: number;
    try {
      const st = statSync(this.opts.path);
      ino = st.ino;
      if (!st.isFIFO()) {
        this.problem(`${this.opts.path} is not a FIFO; keepalived.notifyFifo must name keepalived's notify_fifo`);
        return;
      }
    } catch (err) {
      if (this.current !== undefined) this.log.info('notify FIFO removed (keepalived stopped?); waiting for a new one');
      this.close();
      this.problem(`notify FIFO does not exist yet (${(err as NodeJS.ErrnoException).code}); waiting for keepalived to create it`);
      return;
    }
    if (this.current?.ino === ino) return;
    this.close();
    this.open();
  }

  private open(): void {
    let fd: number;
    try {
      fd = openSync(this.opts.path, constants.O_RDWR | constants.O_NONBLOCK);
    } catch (err) {
      this.problem(`cannot open notify FIFO (${(err as NodeJS.ErrnoException).code})`);
      return;
    }
    // The path may have been replaced between stat and open: trust the fd.
    const st = fstatSync(fd);
    if (!st.isFIFO()) {
      closeSync(fd);
      this.problem(`${this.opts.path} is not a FIFO`);
      return;
    }
    const splitter = new LineSplitter(MAX_FIFO_LINE_BYTES);
    // A FIFO fd becomes a libuv pipe handle: non-blocking reads on the event loop, no thread-pool thread parked in read(2).
    const stream = new Socket({ fd, readable: true, writable: false });
    stream.on('data', (chunk: Buffer) => {
      const { lines, overflow } = splitter.push(chunk);
      for (const line of lines) if (line !== '') this.opts.onLine(line);
      if (overflow) {
        this.log.warn(`a line longer than ${MAX_FIFO_LINE_BYTES} bytes: not keepalived's output; reopening`);
        this.close();
      }
    });
    stream.on('error', (err) => {
      this.log.warn({ err }, 'notify FIFO read error; reopening');
      this.close();
    });
    this.current = { ino: st.ino, stream };
    this.opens++;
    this.lastProblem = '';
    this.log.info({ opens: this.opens }, 'reading keepalived notify FIFO');
  }

  private close(): void {
    this.current?.stream.destroy();
    this.current = undefined;
  }

  private problem(message: string): void {
    if (message === this.lastProblem) return;
    this.lastProblem = message;
    this.log.warn(message);
  }
}
