/**
 * Loads and validates the daemon config: file, environment, flags (schema.ts).
 * Every failure is a ConfigError naming the file and, where known, the line
 * and column.
 */
import { VipArpdError } from '../errors.js';
import { FLAG_SETTINGS, newConfig, schema } from './schema.js';
import { groupProblemText, groupsProblems, normalizeGroup, type GroupConfig } from './group-config.js';
import { parseJsonWithPosition, type TextPosition } from './json-position.js';
import type { FastPathSetting } from './fast-path.js';
import { jsonLocator, parseSettingPath, type JsonPath } from './json-locate.js';
import { readTextFile, type FileReadFailure } from './read-text-file.js';

export interface DaemonConfig {
  groups: GroupConfig[];
  stateFile: string;
  control: { socket: string; mode: string; group: string; maxClients: number; maxLineBytes: number; idleTimeoutMs: number };
  announce: { maxFramesPerSecond: number };
  keepalived: { notifyFifo: string };
  watch: { enabled: boolean; debounceMs: number };
  metrics: { listen: string };
  diagnostics: { peers: string[]; defendIntervalMs: number; handoverGraceMs: number };
  fastPath: FastPathSetting;
  log: { level: string };
}

/** One thing wrong with the configuration, and where it is written. */
export interface ConfigProblem {
  message: string;
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
  const env = opts.env ?? process.env;
  const flags = opts.flags ?? {};
  const config = newConfig(env);
  const problems: ConfigProblem[] = [];
  let locate: (path: JsonPath) => TextPosition | undefined = () => undefined;
  let groups: unknown[] = [];
  if (opts.file !== undefined) {
    let text = opts.text;
    if (text === undefined) {
      const r = readTextFile(opts.file);
      if (!r.ok) throw unreadableConfig(opts.file, r);
      text = r.text;
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
    locate = jsonLocator(text);
    const at = (path: JsonPath): ConfigProblem => ({ message: '', file: opts.file, ...locate(path) });
    // Groups come only from the file and are checked here, with paths, so each
    // problem gets its line; convict sees none and checks the other sections
    // (it would validate and deep-copy 65,535 groups once more).
    const groupProblems = value.groups === undefined ? [] : groupsProblems(value.groups);
    for (const p of groupProblems) problems.push({ ...at(p.path), message: groupProblemText(p) });
    if (groupProblems.length === 0 && Array.isArray(value.groups)) groups = value.groups;
    try {
      config.load({ ...value, groups: [] });
    } catch (err) {
      problems.push({ file: opts.file, message: (err as Error).message });
    }
  }
  // Last, as flags override the file and the environment.
  for (const [flag, value] of Object.entries(flags)) config.set(flagSetting(flag), value);
  try {
    config.validate({ allowed: 'strict' });
  } catch (err) {
    for (const line of (err as Error).message.split('\n')) problems.push(schemaProblem(line, opts.file, locate, env, flags));
  }
  if (problems.length > 0) throw ConfigError.fromProblems(problems);
  const raw = config.getProperties() as unknown as Omit<DaemonConfig, 'groups'>;
  return { ...raw, groups: groups.map((g) => normalizeGroup(g as Record<string, unknown>)) };
}

/** The error for a config file that cannot be read as text: what is wrong, and where when it is in the content. */
export function unreadableConfig(file: string, r: FileReadFailure): ConfigError {
  return new ConfigError(`cannot read config file (${r.reason})`, { file, ...(r.position ?? {}) });
}

/**
 * Places one line of a convict validation error: in the file when the
 * setting is written there, otherwise at the environment variable or flag
 * that set it.
 */
function schemaProblem(
  line: string,
  file: string | undefined,
  locate: (path: JsonPath) => TextPosition | undefined,
  env: NodeJS.ProcessEnv,
  flags: SettingFlags,
): ConfigProblem {
  const unknown = /^configuration param '([^']+)' not declared in the schema$/.exec(line);
  const setting = unknown?.[1] ?? /^([A-Za-z0-9_.[\]]+): /.exec(line)?.[1];
  const message = unknown === null ? line : `unknown setting "${unknown[1]}"`;
  if (setting === undefined) return { file, message };
  const source = externalSource(setting, env, flags);
  if (source !== undefined) return { message: `${message} (from ${source})` };
  return { file, message, ...locate(parseSettingPath(setting)) };
}

/** `environment VIP_ARPD_X` / `flag --x` when that is where `setting` came from. */
function externalSource(setting: string, env: NodeJS.ProcessEnv, flags: SettingFlags): string | undefined {
  let node: unknown = schema;
  for (const key of setting.split('.')) node = (node as Record<string, unknown> | undefined)?.[key];
  const spec = node as { env?: string; arg?: string } | undefined;
  if (spec?.arg !== undefined && flags[spec.arg] !== undefined) return `flag --${spec.arg}`;
  if (spec?.env !== undefined && env[spec.env] !== undefined) return `environment ${spec.env}`;
  return undefined;
}

/** The setting a flag sets; the CLI offers only the schema's flags, so another name is a bug. */
function flagSetting(flag: string): string {
  const setting = FLAG_SETTINGS.get(flag);
  if (setting === undefined) throw new Error(`--${flag} sets no setting`);
  return setting;
}
