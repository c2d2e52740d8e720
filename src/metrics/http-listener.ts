/**
 * MetricsHttpFeature: the optional HTTP listener Prometheus scrapes
 * (`metrics.listen`, default off). GET/HEAD `/metrics` only; anything else
 * is 404 (or 405 for another method on /metrics). It follows reloads: a
 * changed `metrics.listen` closes the old listener and opens the new one.
 *
 * A listener that cannot open (port taken, address not local) is logged as an
 * error and the daemon keeps answering ARP: metrics are not worth an outage.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { DaemonFeature } from '../daemon/feature.js';
import type { ConfigView } from '../config/config-view.js';
import type { Logger } from '../log/log.js';
import { parseListenAddress } from './listen-address.js';
import type { MetricsFeature } from './metrics-feature.js';
import { http } from '../util/node-builtins.js';

/** A scrape that takes longer than this is a stuck client; Prometheus' own default timeout is 10 s. */
export const SCRAPE_REQUEST_TIMEOUT_MS = 10_000;

export class MetricsHttpFeature implements DaemonFeature {
  readonly name = 'metrics-http';
  private readonly metrics: MetricsFeature;
  private readonly log: Logger;
  private server: Server | undefined;
  private listening = '';
  private readonly config: ConfigView;
  private started = false;
  /** reconciles run one at a time: two quick reloads must not open two servers */
  private pending: Promise<void> = Promise.resolve();
  private readonly onSnapshot = (): void => {
    this.pending = this.pending.then(() => this.reconcile());
  };

  /** `config`: `metrics.listen`, followed on every reload */
  constructor(metrics: MetricsFeature, config: ConfigView, log: Logger) {
    this.metrics = metrics;
    this.config = config;
    this.log = log.child({ feature: 'metrics-http' });
  }

  /** The bound address, for tests and logs; undefined when not listening. */
  get address(): string | undefined {
    const a = this.server?.address();
    return a === null || a === undefined || typeof a === 'string' ? undefined : `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  async start(): Promise<void> {
    this.started = true;
    this.config.on('snapshot-applied', this.onSnapshot);
    this.onSnapshot();
    await this.pending;
  }

  async stop(): Promise<void> {
    this.config.off('snapshot-applied', this.onSnapshot);
    this.started = false;
    await this.pending;
    await this.close();
  }

  /** Opens, moves or closes the listener to match `metrics.listen`. */
  private async reconcile(): Promise<void> {
    const want = this.started ? this.config.config.metrics.listen : '';
    if (want === this.listening) return;
    await this.close();
    this.listening = want;
    if (want === '') return;
    let addr: ReturnType<typeof parseListenAddress>;
    try {
      addr = parseListenAddress(want);
    } catch (err) {
      this.log.error({ err }, 'metrics listener not started');
      return;
    }
    const server = http().createServer((req, res) => void this.handle(req, res));
    server.requestTimeout = SCRAPE_REQUEST_TIMEOUT_MS;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(addr.port, addr.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.log.error({ err, listen: want }, 'cannot open the metrics listener; ARP service continues without it');
      return;
    }
    this.server = server;
    this.log.info({ listen: this.address }, 'metrics listener open');
  }

  private async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.listening = '';
    if (s === undefined) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return this.reply(res, 404, 'not found: metrics are at /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.reply(res, 405, 'method not allowed\n');
    }
    try {
      const body = await this.metrics.exposition();
      res.writeHead(200, { 'Content-Type': await this.metrics.contentType(), 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      this.log.error({ err }, 'cannot collect metrics');
      this.reply(res, 500, 'cannot collect metrics\n');
    }
  }

  private reply(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(text);
  }
}
