/**
 * loadSnapshot: config file + environment + flags + every VIP file → a
 * validated Snapshot. The one path used at startup, by `--check-config` and by
 * every reload, so all three accept and reject exactly the same things.
 */
import { dirname, resolve } from 'node:path';
import { ConfigError, loadConfig } from './load-config.js';
import { FileSet } from './file-set.js';
import { jsonLocator } from './json-locate.js';
import { parseVipsFile } from './vips-file.js';
import { buildSnapshot, type InlineLocator, type Snapshot, type VipsFileReader } from './snapshot.js';

/** Where the config comes from: the file (if any), the process's flags and environment. */
export interface ConfigSource {
  file: string | undefined;
  args: string[];
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
 * Reads every file once through `files` (which keeps what was read, even when
 * this throws, so a caller can watch files that are referenced but broken) and
 * validates the whole.
 * @throws {ConfigError} with every problem found, each naming file, line and column.
 */
export function loadSnapshot(source: ConfigSource, files: FileSet = new FileSet()): Snapshot {
  const path = configPath(source);
  let text: string | undefined;
  if (path !== undefined) {
    const r = files.read(path);
    if (!r.ok) throw new ConfigError(`cannot read config file (${r.code})`, { file: source.file! });
    text = r.text;
  }
  const config = loadConfig({ file: source.file, args: source.args, env: source.env ?? process.env, ...(text === undefined ? {} : { text }) });

  let locateInline: InlineLocator | undefined;
  if (text !== undefined) {
    const locate = jsonLocator(text);
    locateInline = (gi, i) => ({ message: '', file: source.file, ...locate(['groups', gi, 'vips', i]) });
  }
  const readVipsFile: VipsFileReader = (group, into) => {
    const vipsPath = vipsFilePath(source, group.vipsFile!);
    const r = files.read(vipsPath);
    if (!r.ok) {
      const why = r.code === 'ENOENT' ? 'it does not exist' : `${r.code}`;
      throw new ConfigError(`cannot read the VIP file of group "${group.name}" (${why})`, { file: vipsPath });
    }
    const parsed = parseVipsFile(r.text, vipsPath, into);
    if (parsed.problems.length > 0) throw ConfigError.fromProblems(parsed.problems);
  };
  const snapshot = buildSnapshot(config, readVipsFile, locateInline);
  snapshot.source = { hash: files.hash(), paths: files.paths() };
  return snapshot;
}
