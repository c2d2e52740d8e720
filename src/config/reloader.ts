/**
 * ConfigReloader: keeps the running VIP set equal to the files, and never
 * loses it to a bad edit.
 *
 * A reload (file watch, SIGHUP, or `vip-arpctl reload`) reads every file once,
 * validates the whole (loadSnapshot: config, environment, flags, every VIP
 * file, duplicates) a few milliseconds at a time on the event loop
 * (load-on-loop.ts), or on a worker thread when the files are large
 * (load-in-worker.ts), so the responder keeps answering meanwhile, and only
 * then applies it (Daemon.apply) — a diff
 * whose VIP-table swap is one assignment, so a VIP in both the old and new
 * set is never unanswered. Anything invalid is not applied at all: the last
 * good snapshot stays, the error (with file:line:column) is logged and kept
 * for `status`. Content identical to what is applied is not applied again.
 * Reloads do not overlap: one asked for while another runs follows it.
 */
import { EventEmitter } from 'node:events';
import type { DaemonFeature } from '../daemon/feature.js';
import type { CommandRegistry } from '../control/command-registry.js';
import type { ConfigView, SnapshotApplied } from './config-view.js';
import type { ReloadEventMap } from './reload-events.js';
import type { Snapshot } from './snapshot.js';
import type { Logger } from '../log/log.js';
import { VipArpdError } from '../util/errors.js';
import { ConfigError, type ConfigProblem } from './load-config.js';
import { configPath, lastGoodVipFiles, type ConfigSource } from './load-snapshot.js';
import { loadOnLoop } from './load-on-loop.js';
import {
  loadInWorker,
  readApplied,
  type LoopBudget,
  type UnterminatedFile,
  type WorkerLoad,
  type WorkerLoadRequest,
  type WorkerLoadResult,
} from './load-in-worker.js';
import type { EmptyVipFile } from './snapshot.js';
import { ConfigWatcher } from './watcher.js';
import { countVips } from '../vips/vip-table.js';

/**
 * A VIP file whose last line has no newline, and that was written less than
 * this long ago, is taken to be half-written (a writer between two write(2)
 * calls) and re-read once it has been quiet this long. (An empty one is not
 * yet written at all: load-snapshot.ts keeps its last good content.) Longer than a writer's
 * pause between two buffered writes, short enough that a hand-edited file
 * saved without a final newline is still picked up promptly.
 */
export const HALF_WRITE_SETTLE_MS = 1000;

/**
 * A reload whose config file is at most `configBytes` and whose files total
 * at most `totalBytes` loads on the event loop, a slice at a time
 * (load-on-loop.ts): its JSON is parsed in one step, each file read and
 * hashed in one, each of those well under the responders' 50 ms. Anything
 * larger goes to a worker thread (docs/benchmarks.md).
 */
export const LOOP_RELOAD_BUDGET: LoopBudget = { configBytes: 64 * 1024, totalBytes: 4 * 1024 * 1024 };

/** Longest slice of a load on the event loop, as for a snapshot's preparation (daemon/apply-steps.ts). */
const LOAD_SLICE_MS = 4;

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
  /**
   * VIP files that were 0 bytes at the last load: taken as not yet written,
   * their last good content stays in force (`kept`), or, with none (empty
   * since start), they give no VIPs. A file meaning "no VIPs" has a line, e.g. a comment.
   */
  emptyVipFiles: EmptyVipFile[];
  watching: string[];
}

export interface ConfigReloaderOptions extends ConfigSource {
  log: Logger;
  /** the snapshot in force: its files, hash and `watch.*` */
  config: ConfigView;
  /**
   * makes a valid, changed snapshot ready to apply, a few milliseconds at a
   * time (Daemon.prepare); the function it gives applies it (Daemon.apply)
   */
  prepare: (snapshot: Snapshot) => Promise<() => SnapshotApplied>;
  /** `reload` and the `config` status section */
  commands: CommandRegistry;
  /** handle SIGHUP (default true; tests that run several daemons in one process turn it off) */
  sighup?: boolean;
  /** runs one load too big for the event loop (default: on a worker thread; tests may run it in-thread) */
  load?: (req: WorkerLoadRequest) => WorkerLoad;
}

/** Emits 'reload-started' and 'reload-finished' around every reload (ReloadEvents). */
export class ConfigReloader extends EventEmitter<ReloadEventMap> implements DaemonFeature {
  readonly name = 'config-reloader';
  private readonly opts: ConfigReloaderOptions;
  private readonly log: Logger;
  private started = false;
  private watcher: ConfigWatcher | undefined;
  private watchSettings = '';
  private appliedHash: string | undefined;
  private appliedPaths: string[] = [];
  /** hash of the files last rejected */
  private rejectedHash: string | undefined;
  private loadedAt = Date.now();
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;
  private reloadFailures = 0;
  private reloads = 0;
  private pending: string | null = null;
  private settleTimer: NodeJS.Timeout | undefined;
  /** the load running on a worker, if any */
  private inFlight: WorkerLoad | undefined;
  /** the loaded snapshot's preparation for the swap (Daemon.prepare), if one runs */
  private preparing: Promise<unknown> | undefined;
  /** the reload asked for while one runs: it starts when that one ends */
  private next: { trigger: ReloadTrigger; result: Promise<ReloadResult> } | undefined;
  private readonly onSighup = (): void => void this.reload('signal');

  constructor(opts: ConfigReloaderOptions) {
    super();
    this.opts = opts;
    this.log = opts.log.child({ feature: 'config' });
  }

  start(): void {
    this.started = true;
    const { config, commands } = this.opts;
    const source = config.snapshot.source;
    this.appliedHash = source?.hash;
    this.appliedPaths = source?.paths ?? [];
    this.warnEmptyVipFiles(source?.emptyVipFiles ?? []);
    commands.register('reload', {
      usage: 'reload',
      summary: 're-read the config and VIP files now; applied only if all of it is valid',
      handler: async () => {
        const r = await this.reload('control');
        if (r.status === 'invalid') {
          throw new VipArpdError('EINVALIDCONFIG', `${r.error}\nnot applied: generation ${r.generation} stays in force`);
        }
        return r;
      },
    });
    commands.addStatusSection('config', () => this.status());
    if (this.opts.sighup !== false) process.on('SIGHUP', this.onSighup);
    this.syncWatcher();
    // The files may have changed between the startup read and now. Checked
    // here, in one read (never blocking: read-text-file.ts), so an unchanged
    // start costs no worker and no reload events.
    if (this.appliedHash !== undefined && !readApplied({ hash: this.appliedHash, paths: this.appliedPaths }).unchanged) void this.reload('start');
  }

  stop(): void {
    process.off('SIGHUP', this.onSighup);
    this.watcher?.stop();
    this.watcher = undefined;
    clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    this.started = false;
    this.inFlight?.cancel();
  }

  /** The `config` status section. */
  status(): ConfigStatus {
    return {
      file: configPath(this.opts) ?? null,
      generation: this.opts.config.generation ?? 0,
      loadedAt: new Date(this.loadedAt).toISOString(),
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt === null ? null : new Date(this.lastErrorAt).toISOString(),
      reloadFailures: this.reloadFailures,
      reloads: this.reloads,
      pending: this.pending,
      emptyVipFiles: this.opts.config.snapshot.source?.emptyVipFiles ?? [],
      watching: this.watcher === undefined ? [] : this.appliedPaths,
    };
  }

  /**
   * Reads and validates the config off the event loop and, if valid and
   * changed, applies it. Never rejects for a bad config: the result says
   * what happened. A reload asked for while one runs starts when it ends
   * (several such requests share that one).
   */
  reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    if (!this.started) return Promise.reject(new Error('the config reloader is not started'));
    if (this.inFlight === undefined && this.preparing === undefined) return this.run(trigger);
    this.next ??= { trigger, result: this.afterCurrent().then(() => this.run(trigger)) };
    return this.next.result;
  }

  private async afterCurrent(): Promise<void> {
    await this.inFlight?.result;
    // then its preparation (run() starts it as soon as the load is in)
    await this.preparing?.catch(() => undefined);
    this.next = undefined;
  }

  private async run(trigger: ReloadTrigger): Promise<ReloadResult> {
    if (!this.started) throw new Error('the config reloader is not started');
    const config = this.opts.config;
    const t0 = performance.now();
    this.emit('reload-started');
    const req: WorkerLoadRequest = {
      source: { file: this.opts.file, flags: this.opts.flags, ...(this.opts.env === undefined ? {} : { env: this.opts.env }) },
      ...(this.appliedHash === undefined ? {} : { applied: { hash: this.appliedHash, paths: this.appliedPaths } }),
      lastGood: lastGoodVipFiles(config.snapshot),
    };
    const load = loadOnLoop(req, LOOP_RELOAD_BUDGET, LOAD_SLICE_MS, this.opts.load ?? loadInWorker);
    this.inFlight = load;
    let loaded: WorkerLoadResult;
    try {
      loaded = await load.result;
    } finally {
      this.inFlight = undefined;
    }
    // A snapshot to apply is made ready for the swap a few milliseconds at a
    // time (daemon/apply-steps.ts): at 65,535 groups it is too long for one turn.
    let apply: (() => SnapshotApplied) | undefined;
    if (loaded.kind === 'loaded' && loaded.snapshot.source?.hash !== this.appliedHash && this.started) {
      const preparing = this.opts.prepare(loaded.snapshot);
      this.preparing = preparing;
      try {
        apply = await preparing;
      } finally {
        this.preparing = undefined;
      }
    }
    if (!this.started) return { status: 'deferred', generation: config.generation, reason: 'the daemon is stopping' };
    const result = this.finish(trigger, loaded, apply);
    this.emit(
      'reload-finished',
      result.status === 'invalid' ? { ok: false, generation: result.generation, error: result.error } : { ok: true, generation: result.generation },
    );
    if (result.status === 'applied') {
      result.durationMs = Math.round((performance.now() - t0) * 10) / 10;
      this.log.info(
        { trigger, generation: result.generation, added: result.added, removed: result.removed, vips: result.vips, ms: result.durationMs },
        'config applied',
      );
    }
    return result;
  }

  /** @param apply the loaded snapshot's, prepared, when it is to be applied */
  private finish(trigger: ReloadTrigger, loaded: WorkerLoadResult, apply: (() => SnapshotApplied) | undefined): ReloadResult {
    const generation = this.opts.config.generation;
    if (loaded.kind === 'unchanged') {
      this.settled();
      this.log.debug({ trigger }, 'config files unchanged');
      return { status: 'unchanged', generation };
    }
    const deferred = this.deferIfHalfWritten(loaded.unterminated, generation);
    if (deferred !== undefined) return deferred;
    if (loaded.kind === 'invalid') {
      this.watchAlso(loaded.paths);
      const err = ConfigError.fromProblems(loaded.problems);
      // The watcher seeing the bytes already rejected (its own event for an edit
      // a SIGHUP or vip-arpctl reload just tried) is no second failure.
      if (trigger === 'watch' && loaded.hash !== undefined && loaded.hash === this.rejectedHash) {
        return { status: 'invalid', generation, error: err.message, problems: err.problems };
      }
      this.rejectedHash = loaded.hash;
      return this.reject(err, trigger, generation);
    }
    const snapshot = loaded.snapshot;
    if (snapshot.source!.hash === this.appliedHash) {
      this.settled();
      return { status: 'unchanged', generation };
    }
    this.warnEmptyVipFiles(snapshot.source!.emptyVipFiles);
    const applied = apply!();
    this.appliedHash = snapshot.source!.hash;
    this.appliedPaths = snapshot.source!.paths;
    this.loadedAt = Date.now();
    this.reloads++;
    this.settled();
    this.syncWatcher();
    const vips = snapshot.groups.reduce((n, g) => n + g.vips.length, 0);
    return { status: 'applied', generation: applied.generation, added: countVips(applied.added), removed: countVips(applied.removed), vips, durationMs: 0 };
  }

  private warnEmptyVipFiles(files: readonly EmptyVipFile[]): void {
    for (const e of files) {
      this.log.warn(
        { file: e.file, group: e.group, kept: e.kept },
        e.kept
          ? 'VIP file is empty (0 bytes): taken as not yet written, its last good content stays in force; write a comment line to mean "no VIPs"'
          : 'VIP file is empty (0 bytes), taken as not yet written: its group has no VIPs from it until it is',
      );
    }
  }

  private reject(err: ConfigError, trigger: ReloadTrigger, generation: number): ReloadResult {
    this.reloadFailures++;
    this.lastError = err.message;
    this.lastErrorAt = Date.now();
    this.pending = null;
    const first = err.problems[0];
    this.log.error(
      {
        trigger,
        generation,
        file: first?.file,
        line: first?.line,
        column: first?.column,
        problems: err.problems.length,
        err: { message: err.message, code: err.code },
      },
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
  private deferIfHalfWritten(unterminated: readonly UnterminatedFile[], generation: number): ReloadResult | undefined {
    const now = Date.now();
    for (const { path, mtimeMs } of unterminated) {
      const quietMs = now - mtimeMs;
      if (quietMs >= HALF_WRITE_SETTLE_MS) continue;
      this.pending = `${path}: has no newline after its last line and changed ${Math.round(quietMs)} ms ago; waiting for the writer to finish`;
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(
        () => {
          this.settleTimer = undefined;
          if (this.started) void this.reload('settle');
        },
        HALF_WRITE_SETTLE_MS - quietMs + 10,
      );
      this.log.info({ file: path }, 'VIP file looks half-written; waiting before reloading');
      return { status: 'deferred', generation, reason: this.pending };
    }
    return undefined;
  }

  /** Starts, restarts or stops the watcher to match `watch.*` of the config in force. */
  private syncWatcher(): void {
    const { enabled, debounceMs } = this.opts.config.config.watch;
    const settings = `${enabled}/${debounceMs}`;
    if (this.watcher !== undefined && settings === this.watchSettings) {
      this.watcher.setPaths(this.appliedPaths);
      return;
    }
    this.watcher?.stop();
    this.watcher = undefined;
    this.watchSettings = settings;
    if (!enabled || this.appliedPaths.length === 0) return;
    this.watcher = new ConfigWatcher({
      paths: this.appliedPaths,
      debounceMs,
      onChange: () => void this.reload('watch'),
      log: this.log,
    });
    this.watcher.start();
  }

  /** Watches files a rejected config refers to as well, so fixing them is noticed. */
  private watchAlso(paths: string[]): void {
    this.watcher?.setPaths([...this.appliedPaths, ...paths]);
  }
}
