/**
 * ControlServer: the unix stream socket vip-arpctl talks to. Owns the socket
 * file (mode, group, stale-file cleanup) and the bound on concurrent clients;
 * each client is a ControlConnection.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, chownSync, lstatSync, unlinkSync } from 'node:fs';
import type { Logger } from '../log.js';
import { VipArpdError } from '../errors.js';
import { prepareSocketPath } from './socket-path.js';
import { ControlConnection, closeWithError, type ConnectionLimits, type RunCommand } from './control-connection.js';

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

export class ControlServer {
  private readonly opts: ControlServerOptions;
  private readonly log: Logger;
  private server: Server | undefined;
  private readonly clients = new Set<ControlConnection>();
  /** inode of the socket file we made, so stop() never removes a successor's */
  private inode: number | undefined;
  /** connections refused because maxClients were connected */
  refusedClients = 0;

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
    if (this.clients.size >= this.opts.maxClients) {
      this.refusedClients++;
      closeWithError(socket, 'ETOOMANYCLIENTS', `${this.opts.maxClients} clients are connected (control.maxClients); try again`);
      return;
    }
    const conn = new ControlConnection(socket, this.opts, this.opts.run, this.log);
    this.clients.add(conn);
    socket.once('close', () => this.clients.delete(conn));
  }

  /** Stops listening, disconnects every client and removes the socket file. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    for (const c of this.clients) c.destroy();
    this.clients.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      if (lstatSync(this.opts.path).ino === this.inode) unlinkSync(this.opts.path);
    } catch {
      // already gone
    }
  }
}
