/**
 * loadSnapshot: config file + environment + flags + every VIP file → a
 * validated Snapshot. The one path used at startup, by `--check-config` and by
 * every reload, so all three accept and reject exactly the same things.
 */
import { dirname, resolve } from 'node:path';
import { errorMessage } from '../util/errors.js';
import { ConfigError, loadConfig, unreadableConfig, type SettingFlags } from './load-config.js';
import { FileSet } from './file-set.js';
import { textOf } from './read-text-file.js';
import { jsonLocator } from './json-locate.js';
import { parseVipsFileSteps } from './vips-file.js';
import { runToEnd } from '../util/run-steps.js';
import { buildSnapshotSteps, type EmptyVipFile, type SettingLocator, type Snapshot, type VipsFileReader } from './snapshot.js';

/** Where the config comes from: the file (if any), the process's flags and environment. */
export interface ConfigSource {
  file: string | undefined;
  flags: SettingFlags;
  env?: NodeJS.ProcessEnv;
}

/** Absolute path of the config file, if any. */
export function configPath(source: ConfigSource): string | undefined {
  return source.file === undefined ? undefined : resolve(source.file);
}

/**
 * Absolute path of a group's VIP file: relative paths are relative to the
 * config file's directory (so a config and its VIP files move together, as in
 * a ConfigMap), or to the working directory when there is no config file.
 */
export function vipsFilePath(source: ConfigSource, vipsFile: string): string {
  const config = configPath(source);
  return resolve(config === undefined ? process.cwd() : dirname(config), vipsFile);
}

/**
 * VIP file contents of the snapshot in force, by absolute path: what a 0-byte
 * VIP file is replaced with on a reload (see {@link loadSnapshot}).
 */
export type LastGoodVipFiles = ReadonlyMap<string, Uint8Array>;

/**
 * Reads every file once through `files` (which keeps what was read, even when
 * this throws, so a caller can watch files that are referenced but broken) and
 * validates the whole.
 *
 * A VIP file of 0 bytes is taken as not yet written (the first half of an
 * in-place write, a failed copy), never as "no VIPs": its text in `lastGood`
 * is used instead, and with none (at startup, or a file new to the config) it
 * gives no VIPs. Either way the snapshot lists it in `source.emptyVipFiles`.
 * A file that says "no VIPs" has at least a line (a comment).
 *
 * @throws {ConfigError} with every problem found, each naming file, line and column;
 *   also for an unexpected failure (a bug), so no exception of a load can take the daemon down.
 */
export function loadSnapshot(source: ConfigSource, files: FileSet = new FileSet(), lastGood: LastGoodVipFiles = new Map()): Snapshot {
  return runToEnd(loadSnapshotSteps(source, files, lastGood));
}

/** {@link loadSnapshot}, pausing every few thousand VIP entries (util/run-steps.ts). */
export function* loadSnapshotSteps(source: ConfigSource, files: FileSet, lastGood: LastGoodVipFiles): Generator<void, Snapshot> {
  try {
    return yield* load(source, files, lastGood);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const file = configPath(source);
    throw new ConfigError(`internal error while loading the config (a bug; please report it): ${errorMessage(err)}`, file === undefined ? {} : { file });
  }
}

function* load(source: ConfigSource, files: FileSet, lastGood: LastGoodVipFiles): Generator<void, Snapshot> {
  const path = configPath(source);
  let text: string | undefined;
  if (path !== undefined) {
    const r = files.read(path);
    if (!r.ok) throw unreadableConfig(source.file!, r);
    text = textOf(r.bytes);
  }
  const config = loadConfig({ file: source.file, flags: source.flags, env: source.env ?? process.env, ...(text === undefined ? {} : { text }) });

  let locate: SettingLocator | undefined;
  if (text !== undefined) {
    const locateText = jsonLocator(text);
    locate = (setting) => ({ file: source.file!, ...locateText(setting) });
  }
  const emptyVipFiles: EmptyVipFile[] = [];
  const vipFileBytes = new Map<string, Uint8Array>();
  const readVipsFile: VipsFileReader = function* (group, into) {
    const vipsPath = vipsFilePath(source, group.vipsFile!);
    const r = files.read(vipsPath);
    yield;
    if (!r.ok) throw new ConfigError(`cannot read the VIP file of group "${group.name}" (${r.reason})`, { file: vipsPath, ...(r.position ?? {}) });
    let vipsBytes = r.bytes;
    if (r.size === 0) {
      const kept = lastGood.get(vipsPath);
      emptyVipFiles.push({ file: vipsPath, group: group.name, kept: kept !== undefined });
      vipsBytes = kept ?? vipsBytes;
    }
    if (vipsBytes.length > 0) vipFileBytes.set(vipsPath, vipsBytes);
    const parsed = yield* parseVipsFileSteps(vipsBytes, vipsPath, into);
    if (parsed.problems.length > 0) throw ConfigError.fromProblems(parsed.problems);
  };
  const snapshot = yield* buildSnapshotSteps(config, readVipsFile, locate);
  snapshot.source = { hash: files.hash(), paths: files.paths(), emptyVipFiles, vipFileBytes };
  return snapshot;
}
