/**
 * ConfigReloader: keeps the running VIP set equal to the files, and never
 * loses it to a bad edit.
 *
 * A reload (file watch, SIGHUP, or `vip-arpctl reload`) reads every file once,
 * validates the whole (loadSnapshot: config, environment, flags, every VIP
 * file, duplicates), and only then applies it with `daemon.apply` — a diff
 * whose VIP-table swap is one assignment, so a VIP in both the old and new
 * set is never unanswered. Anything invalid is not applied at all: the last
 * good snapshot stays, the error (with file:line:column) is logged and kept
 * for `status`. Content identical to what is applied is not applied again.
 */
import type { Daemon, DaemonFeature } from '../daemon/daemon.js';
import type { Logger } from '../log.js';
import { VipArpdError } from '../errors.js';
import { ConfigError, type ConfigProblem } from './load-config.js';
import { FileSet } from './file-set.js';
import { configPath, loadSnapshot, type ConfigSource } from './load-snapshot.js';
import { ConfigWatcher } from './watcher.js';
import { countVips } from '../vips/vip-table.js';


/**
 * A reload of this many VIPs leaves tens of MB of garbage (the old table, the
 * parsed file) that V8 would keep as heap for a long time: when the unit runs
 * node with --expose-gc, one full collection right after such a reload gives
 * it back (100k VIPs: RSS ~135 -> ~90 MB). Off the hot path: the receive ring
 * holds the requests that arrive during the ~50 ms pause.
 */
const LARGE_SNAPSHOT_VIPS = 10_000;

function collectGarbageSoon(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === 'function') setImmediate(gc);
}

/**
 * A VIP file that is empty or whose last line has no newline, and that was
 * written less than this long ago, is taken to be half-written (a writer that
 * truncated, or is between two write(2) calls) and re-read once it has been
 * quiet this long. Longer than a writer's
 * pause between two buffered writes, short enough that a hand-edited file
 * saved without a final newline is still picked up promptly.
 */
export const HALF_WRITE_SETTLE_MS = 1000;

export type ReloadTrigger = 'watch' | 'signal' | 'control' | 'start' | 'settle';

export type ReloadResult =
  | { status: 'applied'; generation: number; added: number; removed: number; vips: number; durationMs: number }
  | { status: 'unchanged'; generation: number }
  | { status: 'deferred'; generation: number; reason: string }
  | { status: 'invalid'; generation: number; error: string; problems: readonly ConfigProblem[] };

/** The `config` section of `status`. */
export interface ConfigStatus {
  file: string | null;
  /** config generation in force (1 = as started) */
  generation: number;
  /** when the snapshot in force was applied (ISO 8601) */
  loadedAt: string;
  /** the last reload's error while the files stay invalid; null once a reload succeeds */
  lastError: string | null;
  lastErrorAt: string | null;
  /** rejected reloads since start */
  reloadFailures: number;
  /** applied reloads since start */
  reloads: number;
  /** a half-written file being waited for, if any */
  pending: string | null;
  watching: string[];
}

export interface ConfigReloaderOptions extends ConfigSource {
  log: Logger;
  /** handle SIGHUP (default true; tests that run several daemons in one process turn it off) */
  sighup?: boolean;
}

export class ConfigReloader implements DaemonFeature {
  readonly name = 'config-reloader';
  private readonly opts: ConfigReloaderOptions;
  private readonly log: Logger;
  private daemon: Daemon | undefined;
  private watcher: ConfigWatcher | undefined;
  private watchSettings = '';
  private appliedHash: string | undefined;
  private appliedPaths: string[] = [];
  private loadedAt = Date.now();
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;
  private reloadFailures = 0;
  private reloads = 0;
  private pending: string | null = null;
  private settleTimer: NodeJS.Timeout | undefined;
  private readonly onSighup = (): void => void this.reload('signal');

  constructor(opts: ConfigReloaderOptions) {
    this.opts = opts;
    this.log = opts.log.child({ feature: 'config' });
  }

  start(daemon: Daemon): void {
    this.daemon = daemon;
    const source = daemon.snapshot.source;
    this.appliedHash = source?.hash;
    this.appliedPaths = source?.paths ?? [];
    daemon.commands.register('reload', {
      usage: 'reload',
      summary: 're-read the config and VIP files now; applied only if all of it is valid',
      handler: () => {
        const r = this.reload('control');
        if (r.status === 'invalid') {
          throw new VipArpdError('EINVALIDCONFIG', `${r.error}\nnot applied: generation ${r.generation} stays in force`);
        }
        return r;
      },
    });
    daemon.commands.addStatusSection('config', () => this.status());
    if (this.opts.sighup !== false) process.on('SIGHUP', this.onSighup);
    this.syncWatcher();
    // The files may have changed between the startup read and now.
    if (this.appliedHash !== undefined) this.reload('start');
  }

  stop(): void {
    process.off('SIGHUP', this.onSighup);
    this.watcher?.stop();
    this.watcher = undefined;
    clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    this.daemon = undefined;
  }

  /** The `config` status section. */
  status(): ConfigStatus {
    return {
      file: configPath(this.opts) ?? null,
      generation: this.daemon?.generation ?? 0,
      loadedAt: new Date(this.loadedAt).toISOString(),
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt === null ? null : new Date(this.lastErrorAt).toISOString(),
      reloadFailures: this.reloadFailures,
      reloads: this.reloads,
      pending: this.pending,
      watching: this.watcher === undefined ? [] : this.appliedPaths,
    };
  }

  /**
   * Reads, validates and (if valid and changed) applies the config. Never
   * throws for a bad config: the result says what happened.
   * @param prefetched the files as the watcher read and hashed them
   */
  reload(trigger: ReloadTrigger, prefetched?: FileSet): ReloadResult {
    const daemon = this.daemon;
    if (daemon === undefined) throw new Error('the config reloader is not started');
    const t0 = performance.now();
    daemon.emit('reload-started');
    const result = this.tryReload(daemon, trigger, prefetched);
    daemon.emit('reload-finished', result.status === 'invalid' ? { ok: false, generation: result.generation, error: result.error } : { ok: true, generation: result.generation });
    if (result.status === 'applied') {
      result.durationMs = Math.round((performance.now() - t0) * 10) / 10;
      this.log.info({ trigger, generation: result.generation, added: result.added, removed: result.removed, vips: result.vips, ms: result.durationMs }, 'config applied');
    }
    return result;
  }

  private tryReload(daemon: Daemon, trigger: ReloadTrigger, prefetched: FileSet | undefined): ReloadResult {
    const generation = daemon.generation;
    if (this.appliedHash !== undefined) {
      const known = prefetched ?? readAll(this.appliedPaths);
      if (known.hash() === this.appliedHash) {
        this.settled();
        this.log.debug({ trigger }, 'config files unchanged');
        return { status: 'unchanged', generation };
      }
      prefetched = known;
    }
    const files = new FileSet(prefetched);
    let snapshot;
    try {
      snapshot = loadSnapshot(this.opts, files);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const deferred = this.deferIfHalfWritten(files, generation);
      if (deferred !== undefined) return deferred;
      this.watchAlso(files.paths());
      return this.reject(err, trigger, generation);
    }
    const deferred = this.deferIfHalfWritten(files, generation);
    if (deferred !== undefined) return deferred;
    if (snapshot.source!.hash === this.appliedHash) {
      this.settled();
      return { status: 'unchanged', generation };
    }

    const applied = daemon.apply(snapshot);
    this.appliedHash = snapshot.source!.hash;
    this.appliedPaths = snapshot.source!.paths;
    this.loadedAt = Date.now();
    this.reloads++;
    this.settled();
    this.syncWatcher();
    const vips = snapshot.groups.reduce((n, g) => n + g.vips.length, 0);
    if (vips >= LARGE_SNAPSHOT_VIPS) collectGarbageSoon();
    return { status: 'applied', generation: applied.generation, added: countVips(applied.added), removed: countVips(applied.removed), vips, durationMs: 0 };
  }

  private reject(err: ConfigError, trigger: ReloadTrigger, generation: number): ReloadResult {
    this.reloadFailures++;
    this.lastError = err.message;
    this.lastErrorAt = Date.now();
    this.pending = null;
    const first = err.problems[0];
    this.log.error(
      { trigger, generation, file: first?.file, line: first?.line, column: first?.column, problems: err.problems.length, err: { message: err.message, code: err.code } },
      'config reload rejected; the last good config stays in force',
    );
    return { status: 'invalid', generation, error: err.message, problems: err.problems };
  }

  /** The files now match what is applied: no error, nothing pending. */
  private settled(): void {
    this.lastError = null;
    this.pending = null;
    clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
  }

  /**
   * A VIP file whose last line is unterminated and which was written moments
   * ago is most likely still being written: wait for it instead of applying
   * (or rejecting) half of it.
   */
  private deferIfHalfWritten(files: FileSet, generation: number): ReloadResult | undefined {
    const config = configPath(this.opts);
    const now = Date.now();
    for (const path of files.paths()) {
      if (path === config) continue;
      const r = files.read(path);
      // An empty file is also suspect: in-place writers truncate first.
      if (!r.ok || (r.text !== '' && r.text.endsWith('\n'))) continue;
      const quietMs = now - r.mtimeMs;
      if (quietMs >= HALF_WRITE_SETTLE_MS) continue;
      const what = r.text === '' ? 'is empty' : 'has no newline after its last line';
      this.pending = `${path}: ${what} and changed ${Math.round(quietMs)} ms ago; waiting for the writer to finish`;
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => {
        this.settleTimer = undefined;
        if (this.daemon !== undefined) this.reload('settle');
      }, HALF_WRITE_SETTLE_MS - quietMs + 10);
      this.log.info({ file: path }, 'VIP file looks half-written; waiting before reloading');
      return { status: 'deferred', generation, reason: this.pending };
    }
    return undefined;
  }

  /** Starts, restarts or stops the watcher to match `watch.*` of the config in force. */
  private syncWatcher(): void {
    const daemon = this.daemon!;
    const { enabled, debounceMs } = daemon.config.watch;
    const settings = `${enabled}/${debounceMs}`;
    if (this.watcher !== undefined && settings === this.watchSettings) {
      this.watcher.setPaths(this.appliedPaths, this.appliedHash);
      return;
    }
    this.watcher?.stop();
    this.watcher = undefined;
    this.watchSettings = settings;
    if (!enabled || this.appliedPaths.length === 0) return;
    this.watcher = new ConfigWatcher({
      paths: this.appliedPaths,
      debounceMs,
      ...(this.appliedHash === undefined ? {} : { baselineHash: this.appliedHash }),
      onChange: (files) => void this.reload('watch', files),
      log: this.log,
    });
    this.watcher.start();
  }

  /** Watches files a rejected config refers to as well, so fixing them is noticed. */
  private watchAlso(paths: string[]): void {
    this.watcher?.setPaths([...this.appliedPaths, ...paths]);
  }
}

function readAll(paths: readonly string[]): FileSet {
  const files = new FileSet();
  for (const p of paths) files.read(p);
  return files;
}
