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
import { buildSnapshotSteps, type EmptyVipFile, type LoadedVipsFile, type SettingLocator, type Snapshot, type VipsFileReader } from './snapshot.js';
import { addVipsFileContent } from '../vips/vips-file-content.js';
import { releaseBuffers } from '../util/release-buffer.js';

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
 * What the VIP files of the snapshot in force gave, by absolute path: what a
 * 0-byte VIP file is replaced with on a reload (see {@link loadSnapshot}).
 */
export type LastGoodVipFiles = ReadonlyMap<string, LoadedVipsFile>;

/** The last good VIP files of `snapshot`, for its next reload. */
export function lastGoodVipFiles(snapshot: Snapshot): LastGoodVipFiles {
  const files = new Map<string, LoadedVipsFile>();
  for (const g of snapshot.groups) if (g.vipsFile !== undefined) files.set(g.vipsFile.path, g.vipsFile);
  return files;
}

/**
 * Reads every file once through `files` (which keeps what was read, even when
 * this throws, so a caller can watch files that are referenced but broken) and
 * validates the whole.
 *
 * A VIP file of 0 bytes is taken as not yet written (the first half of an
 * in-place write, a failed copy), never as "no VIPs": what it gave before, in
 * `lastGood`, is used instead, and with none (at startup, or a file new to the
 * config) it gives no VIPs. Either way the snapshot lists it in
 * `source.emptyVipFiles`. A file that says "no VIPs" has at least a line (a comment).
 *
 * A VIP file's bytes are freed once parsed (by the last group that names it):
 * nothing reads them again (file-set.ts hashed them as they were read).
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
  // Groups still to parse each VIP file: its bytes are freed after the last.
  const parsesLeft = new Map<string, number>();
  for (const g of config.groups) {
    if (g.vipsFile === undefined) continue;
    const vipsPath = vipsFilePath(source, g.vipsFile);
    parsesLeft.set(vipsPath, (parsesLeft.get(vipsPath) ?? 0) + 1);
  }
  const readVipsFile: VipsFileReader = function* (group, into) {
    const vipsPath = vipsFilePath(source, group.vipsFile!);
    const r = files.read(vipsPath);
    yield;
    if (!r.ok) throw new ConfigError(`cannot read the VIP file of group "${group.name}" (${r.reason})`, { file: vipsPath, ...(r.position ?? {}) });
    if (r.size === 0) {
      const standIn = lastGood.get(vipsPath);
      emptyVipFiles.push({ file: vipsPath, group: group.name, kept: standIn !== undefined });
      if (standIn === undefined) return undefined;
      addVipsFileContent(into, standIn, { file: vipsPath });
      return { path: vipsPath, standIn };
    }
    const left = parsesLeft.get(vipsPath)! - 1;
    parsesLeft.set(vipsPath, left);
    const parsed = yield* parseVipsFileSteps(r.bytes, vipsPath, into);
    if (left === 0) releaseBuffers(r.bytes);
    if (parsed.problems.length > 0) throw ConfigError.fromProblems(parsed.problems);
    return { path: vipsPath };
  };
  const snapshot = yield* buildSnapshotSteps(config, readVipsFile, locate);
  snapshot.source = { hash: files.hash(), paths: files.paths(), emptyVipFiles };
  return snapshot;
}
