/**
 * Reads keepalived's notify_fifo (config `keepalived.notifyFifo`) and applies
 * each VRRP state change to the mapped groups, in the order keepalived wrote
 * them. Notify scripts may run concurrently and finish out of order
 * (keepalived issue #996); one FIFO read by one reader cannot reorder.
 */
import type { Daemon, DaemonFeature } from '../daemon/daemon.js';
import { errorMessage } from '../errors.js';
import { FifoReader } from './fifo-reader.js';
import { parseFifoLine } from './notify.js';
import { applyNotify } from './apply-notify.js';

export class NotifyFifoFeature implements DaemonFeature {
  readonly name = 'keepalived-fifo';
  private reader: FifoReader | undefined;

  start(daemon: Daemon): void {
    const path = daemon.config.keepalived.notifyFifo;
    if (path === '') return;
    this.reader = new FifoReader({ path, log: daemon.log, onLine: (line) => this.onLine(daemon, line) });
    this.reader.start();
  }

  private onLine(daemon: Daemon, line: string): void {
    const parsed = parseFifoLine(line);
    if (parsed.kind === 'ignored') {
      daemon.log.debug({ line, reason: parsed.reason }, 'keepalived FIFO line ignored');
      return;
    }
    if (parsed.kind === 'invalid') {
      daemon.log.warn({ line }, parsed.message);
      return;
    }
    try {
      applyNotify(daemon, parsed.event);
    } catch (err) {
      daemon.log.warn({ line }, errorMessage(err));
    }
  }

  stop(): void {
    this.reader?.stop();
    this.reader = undefined;
  }
}
