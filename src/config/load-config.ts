/**
 * Loads and validates the daemon config: file, environment, flags (schema.ts).
 * Every failure is a ConfigError naming the file and, where known, the line.
 */
import { readFileSync } from 'node:fs';
import { VipArpdError } from '../errors.js';
import { newConfig } from './schema.js';
import { normalizeGroup, type GroupConfig } from './group-config.js';
import { parseJsonWithPosition } from './json-position.js';

export interface DaemonConfig {
  groups: GroupConfig[];
  stateFile: string;
  control: { socket: string; mode: string; group: string; maxClients: number; maxLineBytes: number; idleTimeoutMs: number };
  announce: { maxFramesPerSecond: number };
  keepalived: { notifyFifo: string };
  watch: { enabled: boolean; debounceMs: number };
  metrics: { listen: string };
  diagnostics: { peers: string[]; defendIntervalMs: number };
  log: { level: string };
}

/** An invalid configuration; `file` and `line` say where when known. */
export class ConfigError extends VipArpdError {
  override name = 'ConfigError';
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(message: string, where: { file?: string; line?: number; column?: number } = {}) {
    const at = where.file === undefined ? '' : `${where.file}${where.line === undefined ? '' : `:${where.line}${where.column === undefined ? '' : `:${where.column}`}`}: `;
    super('EINVALIDCONFIG', `${at}${message}`);
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }
}

export interface LoadOptions {
  /** config file path; undefined = defaults, environment and flags only */
  file: string | undefined;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** file contents already read (so a watcher validates exactly what it read) */
  text?: string;
}

/**
 * Reads and validates the config.
 * @throws {ConfigError} on unreadable files, JSON syntax errors and schema violations.
 */
export function loadConfig(opts: LoadOptions): DaemonConfig {
  const config = newConfig(opts.args ?? [], opts.env ?? process.env);
  if (opts.file !== undefined) {
    let text = opts.text;
    if (text === undefined) {
      try {
        text = readFileSync(opts.file, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
        throw new ConfigError(`cannot read config file (${code})`, { file: opts.file });
      }
    }
    const parsed = parseJsonWithPosition(text);
    if (!parsed.ok) {
      throw new ConfigError(`JSON syntax error: ${parsed.message}`, { file: opts.file, ...(parsed.position ?? {}) });
    }
    if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
      throw new ConfigError('the config must be a JSON object', { file: opts.file });
    }
    try {
      config.load(parsed.value);
    } catch (err) {
      throw new ConfigError((err as Error).message, { file: opts.file });
    }
  }
  try {
    config.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError((err as Error).message, opts.file === undefined ? {} : { file: opts.file });
  }
  const raw = config.getProperties() as unknown as Omit<DaemonConfig, 'groups'> & { groups: Record<string, unknown>[] };
  return { ...raw, groups: raw.groups.map(normalizeGroup) };
}
