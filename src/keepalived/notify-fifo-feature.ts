/**
 * Reads keepalived's notify_fifo (config `keepalived.notifyFifo`) and applies
 * each VRRP state change to the mapped groups, in the order keepalived wrote
 * them. Notify scripts may run concurrently and finish out of order
 * (keepalived issue #996); one FIFO read by one reader cannot reorder.
 */
import type { DaemonFeature } from '../daemon/feature.js';
import type { Logger } from '../log/log.js';
import type { ConfigView } from '../config/config-view.js';
import type { RoleControl } from '../roles/role-source.js';
import { errorMessage } from '../util/errors.js';
import { FifoReader } from './fifo-reader.js';
import { parseFifoLine } from './notify.js';
import { applyNotify } from './apply-notify.js';

export interface NotifyFifoOptions {
  log: Logger;
  /** `keepalived.notifyFifo` (read at start), and the group mapping in force */
  config: ConfigView;
  roles: RoleControl;
}

export class NotifyFifoFeature implements DaemonFeature {
  readonly name = 'keepalived-fifo';
  private reader: FifoReader | undefined;

  constructor(private readonly opts: NotifyFifoOptions) {}

  start(): void {
    const path = this.opts.config.config.keepalived.notifyFifo;
    if (path === '') return;
    this.reader = new FifoReader({ path, log: this.opts.log, onLine: (line) => this.onLine(line) });
    this.reader.start();
  }

  private onLine(line: string): void {
    const { log, config, roles } = this.opts;
    const parsed = parseFifoLine(line);
    if (parsed.kind === 'ignored') {
      log.debug({ line, reason: parsed.reason }, 'keepalived FIFO line ignored');
      return;
    }
    if (parsed.kind === 'invalid') {
      log.warn({ line }, parsed.message);
      return;
    }
    try {
      applyNotify(roles, config.config, parsed.event);
    } catch (err) {
      log.warn({ line }, errorMessage(err));
    }
  }

  stop(): void {
    this.reader?.stop();
    this.reader = undefined;
  }
}
