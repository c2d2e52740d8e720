/**
 * The control feature: registers the core commands and serves every
 * registered command on `control.socket` (empty = no socket). The socket's
 * settings are read at start; changing them needs a restart.
 */
import type { DaemonFeature } from '../daemon/feature.js';
import type { Logger } from '../log/log.js';
import { registerCoreCommands, type CoreCommandPorts } from './core-commands.js';
import { ControlServer } from './control-server.js';
import { resolveGroupId } from './group-id.js';

export interface ControlCounters {
  /** connections holding a slot now */
  clients: number;
  /** connections refused (ETOOMANYCLIENTS) since start */
  refusedClients: number;
  /** idle connections closed for a newcomer (EEVICTED) since start */
  evictedClients: number;
}

export interface ControlFeatureOptions extends CoreCommandPorts {
  log: Logger;
}

export class ControlFeature implements DaemonFeature {
  readonly name = 'control';
  private server: ControlServer | undefined;

  constructor(private readonly opts: ControlFeatureOptions) {}

  /**
   * @throws {VipArpdError} when the socket cannot be served (see ControlServer.start).
   */
  async start(): Promise<void> {
    const { log, commands } = this.opts;
    registerCoreCommands(this.opts);
    const c = this.opts.config.config.control;
    if (c.socket === '') {
      log.info('control socket disabled (control.socket is empty)');
      return;
    }
    const server = new ControlServer({
      path: c.socket,
      mode: parseInt(c.mode, 8),
      gid: c.group === '' ? undefined : resolveGroupId(c.group),
      maxClients: c.maxClients,
      maxLineBytes: c.maxLineBytes,
      idleTimeoutMs: c.idleTimeoutMs,
      run: (cmd, args) => commands.run(cmd, args),
      log,
    });
    await server.start();
    this.server = server;
    commands.addStatusSection('control', () => ({ socket: c.socket, ...this.counters() }));
  }

  /** Client counts for status and metrics; undefined while no socket is served. */
  counters(): ControlCounters | undefined {
    const s = this.server;
    return s === undefined ? undefined : { clients: s.clientCount, refusedClients: s.refusedClients, evictedClients: s.evictedClients };
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }
}
