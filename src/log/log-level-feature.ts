/**
 * Runtime log level: the `log-level [<level>]` control command
 * (`vip-arpctl log-level debug`), and the config's `log.level` applied again
 * when a reload changes it. Child loggers made with `log.child(bindings)`
 * have no level of their own and follow the root's, so setting the root
 * changes every interface's and group's logger at once.
 */
import type { DaemonFeature } from '../daemon/feature.js';
import type { Logger } from './log.js';
import type { ConfigView } from '../config/config-view.js';
import type { CommandRegistry } from '../control/command-registry.js';
import { VipArpdError } from '../util/errors.js';
import { LOG_LEVELS } from '../config/schema.js';

export interface LogLevelFeatureOptions {
  /** the root logger: its level is every child's */
  log: Logger;
  /** `log.level`, applied again when a reload changes it */
  config: ConfigView;
  commands: CommandRegistry;
}

export class LogLevelFeature implements DaemonFeature {
  readonly name = 'log-level';
  private configured = '';
  private readonly onSnapshot = (): void => {
    const level = this.opts.config.config.log.level;
    if (level === this.configured) return;
    this.configured = level;
    this.set(level, 'config');
  };

  constructor(private readonly opts: LogLevelFeatureOptions) {}

  start(): void {
    const { log, config, commands } = this.opts;
    this.configured = config.config.log.level;
    config.on('snapshot-applied', this.onSnapshot);
    commands.register('log-level', {
      usage: 'log-level [<level>]',
      summary: `show or set the log level (${LOG_LEVELS.join('|')}) until restart or a reload that changes log.level`,
      handler: (args) => {
        if (args.length > 1) throw new VipArpdError('EUSAGE', `usage: log-level [<level>] (got ${args.length} arguments)`);
        const level = args[0];
        if (level === undefined) return { level: log.level };
        if (!LOG_LEVELS.includes(level)) {
          throw new VipArpdError('EBADLEVEL', `unknown log level "${level}"; use one of ${LOG_LEVELS.join(', ')}`);
        }
        const previous = this.set(level, 'control');
        return { level, previous };
      },
    });
  }

  stop(): void {
    this.opts.config.off('snapshot-applied', this.onSnapshot);
  }

  /** Sets the root level and logs the change at the level that survives both sides of it. */
  private set(level: string, source: string): string {
    const log = this.opts.log;
    const previous = log.level;
    if (previous === level) return previous;
    // Say it before lowering to warn/error would hide it, after raising to debug.
    const order = (l: string): number => log.levels.values[l] ?? Infinity;
    if (order(level) > order(previous)) log.info({ from: previous, to: level, source }, 'log level changed');
    log.level = level;
    if (order(level) <= order(previous)) log.info({ from: previous, to: level, source }, 'log level changed');
    return previous;
  }
}
