/**
 * Loads and validates the daemon config: file, environment, flags (schema.ts).
 * Every failure is a ConfigError naming the file and, where known, the line
 * and column.
 */
import { VipArpdError } from '../util/errors.js';
import type { Settings } from './schema.js';
import { checkSettings, type SettingSources } from './check-settings.js';
import { groupProblemText, groupsProblems, normalizeGroup, type GroupConfig } from './group-config.js';
import { parseJsonWithPosition } from './json-position.js';
import { jsonLocator } from './json-locate.js';
import { readTextFile, textOf, type FileReadFailure } from './read-text-file.js';

/** Everything the daemon reads: the settings of schema.ts and the groups. */
export interface DaemonConfig extends Settings {
  groups: GroupConfig[];
}

/** One thing wrong with the configuration, and where it is written. */
export interface ConfigProblem {
  message: string;
  /** what kind of problem, for code (e.g. EUNKNOWNSETTING, check-settings.ts); absent where only a person reads it */
  code?: string | undefined;
  /** the setting it is about, e.g. `control.socket`, when it is one of schema.ts's */
  setting?: string | undefined;
  file?: string | undefined;
  line?: number | undefined;
  column?: number | undefined;
}

/** `file:line:column: message`, leaving out what is not known (the form compilers and nginx -t use). */
export function formatProblem(p: ConfigProblem): string {
  if (p.file === undefined) return p.message;
  const line = p.line === undefined ? '' : `:${p.line}${p.column === undefined ? '' : `:${p.column}`}`;
  return `${p.file}${line}: ${p.message}`;
}

/**
 * An invalid configuration. `problems` holds every problem found (a load
 * reports them all, not just the first); `file`/`line`/`column` are the
 * first one's.
 */
export class ConfigError extends VipArpdError {
  override name = 'ConfigError';
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly problems: readonly ConfigProblem[];
  constructor(message: string, where: { file?: string; line?: number; column?: number } = {}) {
    super('EINVALIDCONFIG', formatProblem({ message, ...where }));
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.problems = [{ message, ...where }];
  }

  /** One error for several problems; the message has one `file:line:col: what` line each. */
  static fromProblems(problems: readonly ConfigProblem[]): ConfigError {
    const first = problems[0] ?? { message: 'invalid configuration' };
    const err = new ConfigError(first.message, withoutUndefined(first));
    Object.assign(err, { problems: [...problems], message: problems.map(formatProblem).join('\n') });
    return err;
  }
}

function withoutUndefined(p: ConfigProblem): { file?: string; line?: number; column?: number } {
  const out: { file?: string; line?: number; column?: number } = {};
  if (p.file !== undefined) out.file = p.file;
  if (p.line !== undefined) out.line = p.line;
  if (p.column !== undefined) out.column = p.column;
  return out;
}

/** Setting flags as parsed from the command line: flag name (`log-level`) → value. */
export type SettingFlags = Readonly<Record<string, string>>;

export interface LoadOptions {
  /** config file path; undefined = defaults, environment and flags only */
  file: string | undefined;
  flags?: SettingFlags;
  env?: NodeJS.ProcessEnv;
  /** file contents already read (so a watcher validates exactly what it read) */
  text?: string;
}

/**
 * Reads and validates the config, reporting every problem with its position
 * in the file (or the environment variable / flag it came from).
 * @throws {ConfigError} on unreadable files, JSON syntax errors and schema violations.
 */
export function loadConfig(opts: LoadOptions): DaemonConfig {
  const problems: ConfigProblem[] = [];
  let file: SettingSources['file'];
  let groups: unknown[] = [];
  if (opts.file !== undefined) {
    let text = opts.text;
    if (text === undefined) {
      const r = readTextFile(opts.file);
      if (!r.ok) throw unreadableConfig(opts.file, r);
      text = textOf(r.bytes);
    }
    // Editors on Windows save UTF-8 with a byte order mark; it is no content.
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const parsed = parseJsonWithPosition(text);
    if (!parsed.ok) {
      throw new ConfigError(`JSON syntax error: ${parsed.message}`, { file: opts.file, ...(parsed.position ?? {}) });
    }
    if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
      throw new ConfigError('the config must be a JSON object', { file: opts.file });
    }
    const value = parsed.value as Record<string, unknown>;
    file = { name: opts.file, value, locate: jsonLocator(text) };
    // Groups come only from the file; they are checked here, with their paths, so each problem gets its line.
    const groupProblems = value.groups === undefined ? [] : groupsProblems(value.groups);
    for (const p of groupProblems) problems.push({ message: groupProblemText(p), file: opts.file, ...file.locate(p.path) });
    if (groupProblems.length === 0 && Array.isArray(value.groups)) groups = value.groups;
  }
  const { settings, problems: settingProblems } = checkSettings({ file, env: opts.env ?? process.env, flags: opts.flags ?? {} });
  problems.push(...settingProblems);
  if (problems.length > 0) throw ConfigError.fromProblems(problems);
  return { ...settings, groups: groups.map((g) => normalizeGroup(g as Record<string, unknown>)) };
}

/** The error for a config file that cannot be read as text: what is wrong, and where when it is in the content. */
export function unreadableConfig(file: string, r: FileReadFailure): ConfigError {
  return new ConfigError(`cannot read config file (${r.reason})`, { file, ...(r.position ?? {}) });
}
