/**
 * ControlServer: the unix stream socket vip-arpctl talks to. Owns the socket
 * file (mode, group, stale-file cleanup) and the bound on concurrent clients;
 * each client is a ControlConnection. At the bound a newcomer takes the slot
 * of an idle client rather than being refused, so clients that connect and
 * say nothing can never keep an HA hook's takeover out.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/log.js';
import { VipArpdError } from '../util/errors.js';
import { LogRateLimiter, logLimited } from '../log/log-rate-limit.js';
import { prepareSocketPath } from './socket-path.js';
import { ControlConnection, closeWithError, type ConnectionLimits, type RunCommand } from './control-connection.js';
import { fs } from '../util/node-builtins.js';

const { chmodSync, chownSync, lstatSync, unlinkSync } = fs;

export interface ControlServerOptions extends ConnectionLimits {
  path: string;
  /** file mode of the socket, e.g. 0o660 */
  mode: number;
  /** group owning the socket; undefined = leave as created */
  gid: number | undefined;
  maxClients: number;
  run: RunCommand;
  log: Logger;
}

/** Evictions are logged at most this often (the line says how many were held back). */
const EVICTION_LOG_EVERY_MS = 10_000;

/**
 * The client to close for a newcomer when every slot is taken: of those that
 * lose nothing by it (see ControlConnection.evictable), one that never sent a
 * request before one that did, then the one idle longest. Undefined when
 * every client has a request in flight.
 */
function evictionCandidate(clients: Iterable<ControlConnection>): ControlConnection | undefined {
  let best: ControlConnection | undefined;
  for (const c of clients) {
    if (!c.evictable) continue;
    if (best === undefined || (best.hasRequested && !c.hasRequested) || (best.hasRequested === c.hasRequested && c.idleSinceMs < best.idleSinceMs)) best = c;
  }
  return best;
}

export class ControlServer {
  private readonly opts: ControlServerOptions;
  private readonly log: Logger;
  private server: Server | undefined;
  /** connections holding a slot (counted against maxClients) */
  private readonly clients = new Set<ControlConnection>();
  /** every connection until its socket closes, slot or not, for stop() */
  private readonly connections = new Set<ControlConnection>();
  /** inode of the socket file we made, so stop() never removes a successor's */
  private inode: number | undefined;
  private readonly evictionLog = new LogRateLimiter({ intervalMs: EVICTION_LOG_EVERY_MS });
  /** connections refused because maxClients were connected, each with a request in flight */
  refusedClients = 0;
  /** idle connections closed to make room for a new one */
  evictedClients = 0;

  constructor(opts: ControlServerOptions) {
    this.opts = opts;
    this.log = opts.log.child({ socket: opts.path });
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Listens on the socket path.
   * @throws {VipArpdError} EADDRINUSE when another process answers on the path,
   *   ESOCKETPATH when the path cannot be used, or the listen/chmod/chown error.
   */
  async start(): Promise<void> {
    const { path } = this.opts;
    await prepareSocketPath(path);
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    server.on('error', (err) => this.log.error({ err }, 'control socket error'));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void =>
        reject(new VipArpdError(err.code ?? 'ELISTEN', `cannot listen on control socket ${path} (${err.code ?? err.message})`, { cause: err }));
      server.once('error', onError);
      server.listen(path, () => {
        server.off('error', onError);
        resolve();
      });
    });
    this.server = server;
    // listen() creates the file with the umask's mode; set the configured one at once.
    chmodSync(path, this.opts.mode);
    if (this.opts.gid !== undefined) chownSync(path, -1, this.opts.gid);
    this.inode = lstatSync(path).ino;
    this.log.info({ mode: this.opts.mode.toString(8), gid: this.opts.gid }, 'control socket listening');
  }

  private accept(socket: Socket): void {
    if (this.clients.size >= this.opts.maxClients && !this.evictOne()) {
      this.refusedClients++;
      closeWithError(socket, 'ETOOMANYCLIENTS', `${this.opts.maxClients} clients are connected (control.maxClients), each with a request in flight; try again`);
      return;
    }
    const conn = new ControlConnection(socket, this.opts, this.opts.run, this.log, () => this.clients.delete(conn));
    this.clients.add(conn);
    this.connections.add(conn);
    socket.once('close', () => this.connections.delete(conn));
  }

  /** Frees a slot by closing the best {@link evictionCandidate}; false when there is none. */
  private evictOne(): boolean {
    const victim = evictionCandidate(this.clients);
    if (victim === undefined) return false;
    const idleMs = Math.round(performance.now() - victim.idleSinceMs);
    victim.evict(
      `closed to make room for a new client: ${this.opts.maxClients} clients were connected (control.maxClients) and this one had no request in flight (idle ${idleMs} ms); connect again to send one`,
    );
    this.evictedClients++;
    logLimited(
      this.log,
      'warn',
      this.evictionLog,
      'evicted',
      { evictedClients: this.evictedClients, maxClients: this.opts.maxClients, idleMs, hadRequested: victim.hasRequested },
      'control client evicted: control.maxClients were connected, an idle one was closed for a new client',
    );
    return true;
  }

  /** Stops listening, disconnects every client and removes the socket file. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      if (lstatSync(this.opts.path).ino === this.inode) unlinkSync(this.opts.path);
    } catch {
      // already gone
    }
  }
}
