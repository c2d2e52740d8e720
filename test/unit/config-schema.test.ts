// The settings table (src/config/schema.ts) and its checker (check-settings.ts):
// problems as values with a code, the setting and its place; text from the
// environment, flags or a string in the file read strictly; docs/config.md in
// step with the table.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { checkSettings, type SettingSources } from '../../src/config/check-settings.js';
import { SETTINGS, SETTING_ROWS, FLAG_SETTINGS } from '../../src/config/schema.js';
import { jsonLocator } from '../../src/config/json-locate.js';

/** checkSettings on `text` as the file config.json, with `env` and `flags`. */
function check(text: string, env: NodeJS.ProcessEnv = {}, flags: Record<string, string> = {}) {
  const file: SettingSources['file'] = { name: 'config.json', value: JSON.parse(text) as Record<string, unknown>, locate: jsonLocator(text) };
  return checkSettings({ file, env, flags });
}
const pretty = (v: unknown): string => JSON.stringify(v, null, 2);

t.test("defaults alone are valid and are the table's defaults", async (t) => {
  const { settings, problems } = checkSettings({ env: {}, flags: {} });
  t.same(problems, []);
  for (const [path, row] of SETTING_ROWS) {
    const [a, b] = path.split('.') as [string, string | undefined];
    const value =
      b === undefined ? (settings as unknown as Record<string, unknown>)[a] : (settings as unknown as Record<string, Record<string, unknown>>)[a]![b];
    t.same(value, row.default, `${path} defaults to ${JSON.stringify(row.default)}`);
  }
});

t.test('problems are values: code, setting, file, line and column', async (t) => {
  const { problems } = check(pretty({ control: { sockt: '/x', maxClients: -1 }, log: 'debug', colour: 1 }));
  t.same(problems, [
    {
      code: 'EBADVALUE',
      setting: 'control.maxClients',
      message: 'control.maxClients: must be a whole number, 0 or more; got -1',
      file: 'config.json',
      line: 4,
      column: 5,
    },
    { code: 'EUNKNOWNSETTING', setting: 'control.sockt', message: 'unknown setting "control.sockt"', file: 'config.json', line: 3, column: 5 },
    { code: 'ENOTSECTION', setting: 'log', message: 'log: must be an object of settings (level); got "debug"', file: 'config.json', line: 6, column: 3 },
    { code: 'EUNKNOWNSETTING', setting: 'colour', message: 'unknown setting "colour"', file: 'config.json', line: 7, column: 3 },
  ]);
});

t.test('a section given as a value is one problem at its key, not one per setting in it', async (t) => {
  for (const v of ['x', null, 5, ['a']]) {
    const { problems } = check(pretty({ control: v }));
    t.same(
      problems.map((p) => [p.code, p.setting, p.line, p.column]),
      [['ENOTSECTION', 'control', 2, 3]],
      JSON.stringify(v),
    );
  }
});

t.test('keys that only look like settings are unknown settings', async (t) => {
  for (const key of ['__proto__', 'constructor', 'toString', 'control.socket', 'hasOwnProperty']) {
    const { problems, settings } = check(`{"${key}": {"x": 1}}`);
    t.same(
      problems.map((p) => [p.code, p.setting]),
      [['EUNKNOWNSETTING', key]],
      key,
    );
    t.equal(settings.control.socket, SETTINGS['control.socket'].default, `${key} changes nothing`);
  }
  const inSection = check('{"control": {"__proto__": {"socket": "/evil"}}}');
  t.same(
    inSection.problems.map((p) => p.setting),
    ['control.__proto__'],
  );
});

t.test('text (environment, flags, strings in the file) is read strictly for its type', async (t) => {
  const rate = (v: string) => check('{}', { VIP_ARPD_GARP_RATE: v });
  t.equal(rate('3000').settings.announce.maxFramesPerSecond, 3000);
  t.equal(rate('0').settings.announce.maxFramesPerSecond, 0);
  for (const bad of ['12abc', '1.5', '-1', '', ' 7', '1e3', '0x10']) {
    t.same(
      rate(bad).problems.map((p) => [p.code, p.setting, p.file]),
      [['EBADVALUE', 'announce.maxFramesPerSecond', undefined]],
      `"${bad}" refused`,
    );
  }
  t.match(
    rate('12abc').problems[0]?.message,
    /^announce\.maxFramesPerSecond: must be a whole number, 0 or more; got "12abc" \(from environment VIP_ARPD_GARP_RATE\)$/,
  );
  // convict took anything but "false" as true: VIP_ARPD_WATCH=0 turned watching on.
  const watch = (v: string) => check('{}', { VIP_ARPD_WATCH: v });
  for (const off of ['0', 'false', 'no', 'off', 'FALSE']) t.equal(watch(off).settings.watch.enabled, false, `"${off}" is off`);
  for (const on of ['1', 'true', 'yes', 'on']) t.equal(watch(on).settings.watch.enabled, true, `"${on}" is on`);
  t.match(watch('maybe').problems[0]?.message, /^watch\.enabled: must be true or false; got "maybe" \(from environment VIP_ARPD_WATCH\)$/);
  t.equal(check(pretty({ control: { maxClients: '12' } })).settings.control.maxClients, 12, 'a quoted number in the file is its number');
  t.same(
    check(pretty({ control: { maxClients: '12abc' } })).problems.map((p) => [p.setting, p.line]),
    [['control.maxClients', 3]],
  );
  t.same(
    check(pretty({ diagnostics: { peers: [1, 2] } })).problems.map((p) => p.setting),
    ['diagnostics.peers'],
    'peers are strings',
  );
});

t.test('timers stay within what setTimeout keeps', async (t) => {
  t.same(check(pretty({ watch: { debounceMs: 2 ** 31 - 1 } })).problems, []);
  t.match(
    check(pretty({ watch: { debounceMs: 2 ** 31 } })).problems[0]?.message,
    /^watch\.debounceMs: must be a whole number of milliseconds, 0-2147483647; got 2147483648$/,
  );
});

t.test('only the value in use is checked, and a flag beats the environment beats the file', async (t) => {
  const r = check(pretty({ log: { level: 'loud' } }), { VIP_ARPD_LOG_LEVEL: 'warn' }, {});
  t.same(r.problems, [], 'a bad file value the environment overrides is not used');
  t.equal(r.settings.log.level, 'warn');
  const f = check(pretty({ log: { level: 'debug' } }), { VIP_ARPD_LOG_LEVEL: 'warn' }, { 'log-level': 'loud' });
  t.same(
    f.problems.map((p) => [p.code, p.setting, p.file, p.message]),
    [
      [
        'EBADVALUE',
        'log.level',
        undefined,
        'log.level: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent"; got "loud" (from flag --log-level)',
      ],
    ],
  );
  t.throws(() => checkSettings({ env: {}, flags: { colour: 'x' } }), /--colour sets no setting/, 'a flag the table does not have is a bug of the CLI');
});

t.test("docs/config.md lists every setting with the table's default, variable and flag", async (t) => {
  const md = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
  const rows = new Map<string, string[]>();
  for (const m of md.matchAll(/^\| `([A-Za-z.]+)` \|(.*)$/gm))
    rows.set(
      m[1]!,
      m[2]!.split('|').map((c) => c.trim().replace(/^`|`$/g, '')),
    );
  for (const [path, row] of SETTING_ROWS) {
    const cells = rows.get(path);
    if (cells === undefined) {
      t.fail(`${path} is not in docs/config.md`);
      continue;
    }
    const [def, env, flag] = cells as [string, string, string];
    let documented: unknown = def;
    try {
      documented = JSON.parse(def);
    } catch {
      // a bare word (info, /run/…): the text itself
    }
    t.same(documented, row.default, `${path}: default`);
    t.equal(env, row.env ?? '', `${path}: environment variable`);
    t.equal(flag, row.flag === undefined ? '' : `--${row.flag}`, `${path}: flag`);
  }
  t.same([...FLAG_SETTINGS.keys()].sort(), ['control-socket', 'log-level', 'metrics-listen', 'state-file'], 'the flags vip-arpd offers');
});
