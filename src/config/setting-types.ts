/**
 * The value types of the settings table (schema.ts): what a value must be,
 * and how a value written as text (an environment variable, a flag, a string
 * in the file) reads. Pure.
 */

/** `v` as a T, or what is wrong with it, worded to follow the setting's name ("must be …; got …"). */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** One setting's type: checks a value and reads text. */
export interface SettingType<T> {
  check(v: unknown): Checked<T>;
  /** A value written as text, as this type reads it; what does not read stays text, for `check` to name. */
  fromText(text: string): unknown;
}

/** Longest value shown after "got", so a 50 MB mistake does not fill the terminal. */
const MAX_SHOWN = 80;

/** The value as written, for "got …". */
export function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/** `v` as a T when `isT`, else "must be `what`; got `v`". */
function checked<T>(v: unknown, isT: boolean, what: string): Checked<T> {
  return isT ? { ok: true, value: v as T } : { ok: false, message: `must be ${what}; got ${shown(v)}` };
}
const asIs = (text: string): unknown => text;

/** Any string ("" included: for paths it means "none"). */
export const text: SettingType<string> = {
  check: (v) => checked(v, typeof v === 'string', 'a string'),
  fromText: asIs,
};

/**
 * A whole number `min`-`max`, in `unit` when given. Text of digits reads as
 * its number ("12abc" and "1.5" do not).
 */
export function wholeNumber(opts: { min: number; max: number; unit?: string }): SettingType<number> {
  const range = opts.max === Number.MAX_SAFE_INTEGER ? `${opts.min} or more` : `${opts.min}-${opts.max}`;
  const what = `a whole number${opts.unit === undefined ? '' : ` of ${opts.unit}`}, ${range}`;
  return {
    check: (v) => checked(v, Number.isSafeInteger(v) && (v as number) >= opts.min && (v as number) <= opts.max, what),
    fromText: (t) => (/^\d{1,15}$/.test(t) ? Number(t) : t),
  };
}

/** Boolean words as systemd reads them (systemd.syntax(7)), so a unit's `VIP_ARPD_WATCH=0` means off. */
const BOOLEAN_WORDS = new Map<string, boolean>([
  ['true', true],
  ['yes', true],
  ['on', true],
  ['1', true],
  ['false', false],
  ['no', false],
  ['off', false],
  ['0', false],
]);

export const yesNo: SettingType<boolean> = {
  check: (v) => checked(v, typeof v === 'boolean', 'true or false'),
  fromText: (t) => BOOLEAN_WORDS.get(t.toLowerCase()) ?? t,
};

/** One of `values`, exactly. */
export function oneOf<const V extends string>(values: readonly V[]): SettingType<V> {
  const what = `one of ${values.map((x) => `"${x}"`).join(', ')}`;
  return {
    check: (v) => checked(v, values.includes(v as V), what),
    fromText: asIs,
  };
}

/** A list of strings; text is a comma-separated list. */
export const stringList: SettingType<string[]> = {
  check: (v) => checked(v, Array.isArray(v) && v.every((x) => typeof x === 'string'), 'a list of strings'),
  fromText: (t) => (t === '' ? [] : t.split(',')),
};

/** A type of its own: `problem` says everything wrong with a value, including what was got; undefined means `v` is a T. */
export function custom<T>(problem: (v: unknown) => string | undefined): SettingType<T> {
  return {
    check: (v) => {
      const message = problem(v);
      return message === undefined ? { ok: true, value: v as T } : { ok: false, message };
    },
    fromText: asIs,
  };
}
