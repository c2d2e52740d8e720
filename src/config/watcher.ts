/**
 * ConfigWatcher: notices when the config file or a VIP file changes, however
 * the change is made, and reports each settled change once.
 *
 * Files are watched through their DIRECTORIES (fs.watch → inotify on the
 * directory), because the tools operators use replace files rather than
 * write them:
 *  - editors and Ansible/Puppet write a temp file and rename(2) it over the
 *    old one: an event for the target's name in the directory;
 *  - `sed -i` does the same with a `sedXXXXXX` temp file;
 *  - in-place writes (`>`, `cat >`): change events for the name;
 *  - delete and recreate: rename events for the name;
 *  - a Kubernetes ConfigMap volume (kubelet's AtomicWriter) never touches the
 *    visible name: `web.vips → ..data/web.vips`, and an update writes a new
 *    `..2024_…` directory, points `..data_tmp` at it and renames `..data_tmp`
 *    over `..data`. So any `..`-prefixed name in a watched directory counts.
 * A watch on the file itself would follow the old inode and go deaf after
 * the first rename.
 *
 * Events are debounced (`debounceMs` of quiet), then reported once. The
 * watcher reads no file: the reload it triggers reads and hashes them, in
 * slices or on a worker thread (load-on-loop.ts), and does nothing when the bytes are the
 * ones applied, so `touch`, a rewrite with the same bytes or a ConfigMap
 * resync changes nothing, and no file (a FIFO, a 50 MB config) can stall the
 * event loop here.
 */
import type { FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../log/log.js';
import { LogRateLimiter, logLimited } from '../log/log-rate-limit.js';
import { fs } from '../util/node-builtins.js';

const { watch, statSync } = fs;

/**
 * A missing directory is looked for again this often: a VIP file's directory
 * may be created after the daemon starts (config management), and a 1 s
 * delay is what an operator would not notice.
 */
export const DIRECTORY_RETRY_MS = 1000;
/** A directory that stays missing is retried every second but reported once a minute. */
const RETRY_WARNING_MS = 60_000;

/**
 * A file rewritten faster than the debounce, forever, is still reported every
 * debounceMs × this, so a chatty writer cannot hold back a change indefinitely.
 */
export const MAX_WAIT_DEBOUNCES = 10;

/** Prefix of the names kubelet's AtomicWriter swaps (`..data`, `..2024_01_01_…`). */
const ATOMIC_WRITER_PREFIX = '..';

export interface ConfigWatcherOptions {
  /** absolute paths of the files to watch */
  paths: readonly string[];
  debounceMs: number;
  /** called once per settled burst of events for the watched names */
  onChange: () => void;
  log?: Logger;
}

interface DirWatch {
  watcher: FSWatcher | undefined;
  /** inode when the watch was opened; a different one means the directory was replaced */
  ino: number;
  names: Set<string>;
}

export class ConfigWatcher {
  private readonly opts: ConfigWatcherOptions;
  private readonly dirs = new Map<string, DirWatch>();
  private readonly warnings = new LogRateLimiter({ intervalMs: RETRY_WARNING_MS });
  private paths: string[] = [];
  private debounce: NodeJS.Timeout | undefined;
  private maxWait: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private running = false;
  /** settled changes reported (for tests and status) */
  changes = 0;

  constructor(opts: ConfigWatcherOptions) {
    this.opts = opts;
  }

  /** Starts watching. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.setPaths(this.opts.paths);
  }

  /** Replaces the watched set (a reload may add or drop VIP files). */
  setPaths(paths: readonly string[]): void {
    this.paths = [...new Set(paths)];
    if (!this.running) return;
    const wanted = new Map<string, Set<string>>();
    for (const p of this.paths) {
      const dir = dirname(p);
      if (!wanted.has(dir)) wanted.set(dir, new Set());
      wanted.get(dir)!.add(basename(p));
    }
    for (const [dir, w] of this.dirs) {
      if (!wanted.has(dir)) {
        w.watcher?.close();
        this.dirs.delete(dir);
      }
    }
    for (const [dir, names] of wanted) {
      const w = this.dirs.get(dir);
      if (w !== undefined) w.names = names;
      else this.dirs.set(dir, this.open(dir, names));
    }
  }

  /** Stops every watch and timer; no onChange after this returns. Idempotent. */
  stop(): void {
    this.running = false;
    for (const w of this.dirs.values()) w.watcher?.close();
    this.dirs.clear();
    for (const t of [this.debounce, this.maxWait, this.retry]) clearTimeout(t);
    this.debounce = this.maxWait = this.retry = undefined;
  }

  private open(dir: string, names: Set<string>): DirWatch {
    const w: DirWatch = { watcher: undefined, ino: 0, names };
    try {
      w.ino = statSync(dir).ino;
      w.watcher = watch(dir, { persistent: false }, (_event, name) => this.onEvent(w, name));
      w.watcher.on('error', (err) => {
        if (this.opts.log) logLimited(this.opts.log, 'warn', this.warnings, dir, { err, dir }, 'watch of config directory failed; retrying');
        w.watcher?.close();
        w.watcher = undefined;
        this.scheduleRetry();
      });
    } catch (err) {
      if (this.opts.log) logLimited(this.opts.log, 'warn', this.warnings, dir, { dir, err }, 'cannot watch config directory yet; retrying');
      this.scheduleRetry();
    }
    return w;
  }

  private onEvent(w: DirWatch, name: string | Buffer | null): void {
    if (!this.running) return;
    const n = name === null ? null : name.toString();
    if (n !== null && !w.names.has(n) && !n.startsWith(ATOMIC_WRITER_PREFIX)) return;
    this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.settle(), this.opts.debounceMs);
    this.maxWait ??= setTimeout(() => this.settle(), this.opts.debounceMs * MAX_WAIT_DEBOUNCES);
  }

  private scheduleRetry(): void {
    if (!this.running || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      // A directory that came back may hold changed files; one still missing changes nothing.
      if (this.reopenStale()) this.schedule();
    }, DIRECTORY_RETRY_MS);
  }

  /** Reopens watches whose directory was missing, deleted or replaced; true when one is watched again. */
  private reopenStale(): boolean {
    if (!this.running) return false;
    let reopened = false;
    for (const [dir, w] of this.dirs) {
      let ino: number | undefined;
      try {
        ino = statSync(dir).ino;
      } catch {
        ino = undefined;
      }
      if (w.watcher !== undefined && ino === w.ino) continue;
      w.watcher?.close();
      const fresh = this.open(dir, w.names);
      this.dirs.set(dir, fresh);
      if (fresh.watcher !== undefined) reopened = true;
    }
    return reopened;
  }

  private settle(): void {
    clearTimeout(this.debounce);
    clearTimeout(this.maxWait);
    this.debounce = this.maxWait = undefined;
    if (!this.running) return;
    this.reopenStale();
    this.changes++;
    this.opts.onChange();
  }
}
