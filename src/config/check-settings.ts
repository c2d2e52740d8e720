/**
 * Checks and merges the settings of schema.ts from their sources: defaults <
 * the config file's object < environment < flags. Pure: the file arrives
 * parsed, its places through `locate`; every problem is a value with a code,
 * the setting and where to fix it.
 */
import { isObject } from '../util/is-object.js';
import type { ConfigProblem } from './load-config.js';
import type { JsonPath } from './json-locate.js';
import type { TextPosition } from './json-position.js';
import { FLAG_SETTINGS, SETTING_ROWS, type Setting, type SettingPath, type Settings } from './schema.js';

export type SettingProblemCode =
  /** a key the schema does not have (a typo must not silently do nothing) */
  | 'EUNKNOWNSETTING'
  /** a section (`control`, …) that is not an object */
  | 'ENOTSECTION'
  /** a value the setting's type refuses */
  | 'EBADVALUE';

export interface SettingProblem extends ConfigProblem {
  code: SettingProblemCode;
  /** the setting as written, e.g. `control.sockt` */
  setting: string;
}

export interface SettingSources {
  /** the config file's parsed object (its `groups` are not looked at), and its name */
  file?: { name: string; value: Record<string, unknown>; locate: (path: JsonPath) => TextPosition | undefined };
  env: NodeJS.ProcessEnv;
  /** flag name (`log-level`) → value, as given on the command line */
  flags: Readonly<Record<string, string>>;
}

/** Keys of the file that are not schema.ts's. */
const FILE_ONLY = new Set(['groups']);

/** `control` → its settings' last keys; the sections of the table. */
const SECTIONS = new Map<string, Set<string>>();
for (const [path] of SETTING_ROWS) {
  const dot = path.indexOf('.');
  if (dot < 0) continue;
  const section = path.slice(0, dot);
  if (!SECTIONS.has(section)) SECTIONS.set(section, new Set());
  SECTIONS.get(section)!.add(path.slice(dot + 1));
}
const ROWS: ReadonlyMap<string, Setting<unknown>> = new Map(SETTING_ROWS);

/** Where a value came from, as the message says it. */
type Origin = { kind: 'default' } | { kind: 'file' } | { kind: 'env'; name: string } | { kind: 'flag'; name: string };

/**
 * The settings, or every problem with them. A value the file sets and the
 * environment or a flag overrides is not checked: only what would be used is.
 * @throws {Error} for a flag the table does not have (the CLI offers only the table's flags).
 */
export function checkSettings(sources: SettingSources): { settings: Settings; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const fileValues = new Map<string, unknown>();
  const file = sources.file;
  const inFile = (setting: string, path: JsonPath, code: SettingProblemCode, message: string): SettingProblem => ({
    code,
    setting,
    message,
    ...(file === undefined ? {} : { file: file.name, ...file.locate(path) }),
  });
  if (file !== undefined) {
    for (const [key, value] of Object.entries(file.value)) {
      if (FILE_ONLY.has(key)) continue;
      const section = SECTIONS.get(key);
      if (section === undefined) {
        // A key with a dot ("control.socket") is no setting: sections nest.
        if (!key.includes('.') && ROWS.has(key)) fileValues.set(key, value);
        else problems.push(inFile(key, [key], 'EUNKNOWNSETTING', `unknown setting "${key}"`));
      } else if (!isObject(value)) {
        problems.push(inFile(key, [key], 'ENOTSECTION', `${key}: must be an object of settings (${[...section].join(', ')}); got ${JSON.stringify(value)}`));
      } else {
        for (const [sub, v] of Object.entries(value)) {
          const setting = `${key}.${sub}`;
          if (section.has(sub)) fileValues.set(setting, v);
          else problems.push(inFile(setting, [key, sub], 'EUNKNOWNSETTING', `unknown setting "${setting}"`));
        }
      }
    }
  }
  const flagOf = new Map<string, string>();
  for (const [flag, value] of Object.entries(sources.flags)) {
    const setting = FLAG_SETTINGS.get(flag);
    if (setting === undefined) throw new Error(`--${flag} sets no setting`);
    flagOf.set(setting, value);
  }

  const settings: Record<string, unknown> = {};
  const badValues: SettingProblem[] = [];
  for (const [path, row] of SETTING_ROWS) {
    const { value, origin } = pick(path, row, fileValues, sources.env, flagOf);
    const read = typeof value === 'string' ? row.type.fromText(value) : value;
    const checked = row.type.check(read);
    if (!checked.ok) {
      const message = `${path}: ${checked.message}`;
      if (origin.kind === 'env') badValues.push({ code: 'EBADVALUE', setting: path, message: `${message} (from environment ${origin.name})` });
      else if (origin.kind === 'flag') badValues.push({ code: 'EBADVALUE', setting: path, message: `${message} (from flag --${origin.name})` });
      else badValues.push(inFile(path, path.split('.'), 'EBADVALUE', message));
    }
    setAt(settings, path, checked.ok ? checked.value : read);
  }
  // Bad values first, in table order, then what the file has that no setting is.
  return { settings: settings as unknown as Settings, problems: [...badValues, ...problems] };
}

function pick(
  path: SettingPath,
  row: Setting<unknown>,
  fileValues: ReadonlyMap<string, unknown>,
  env: NodeJS.ProcessEnv,
  flags: ReadonlyMap<string, string>,
): { value: unknown; origin: Origin } {
  const flag = flags.get(path);
  if (flag !== undefined) return { value: flag, origin: { kind: 'flag', name: row.flag! } };
  const fromEnv = row.env === undefined ? undefined : env[row.env];
  if (fromEnv !== undefined) return { value: fromEnv, origin: { kind: 'env', name: row.env! } };
  if (fileValues.has(path)) return { value: fileValues.get(path), origin: { kind: 'file' } };
  return { value: structuredClone(row.default), origin: { kind: 'default' } };
}

/** Sets `a.b` in `into`, making the section object as needed. */
function setAt(into: Record<string, unknown>, path: string, value: unknown): void {
  const dot = path.indexOf('.');
  if (dot < 0) {
    into[path] = value;
    return;
  }
  const section = path.slice(0, dot);
  into[section] ??= {};
  (into[section] as Record<string, unknown>)[path.slice(dot + 1)] = value;
}
