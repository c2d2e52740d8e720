/**
 * A strict reader of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), for tests:
 * every line must be a HELP, a TYPE or a sample of a declared family, or the
 * reader throws naming the line.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** family name → type */
  types: Map<string, string>;
  /** sum of the values of `name` whose labels include `match` */
  sum(name: string, match?: Record<string, string>): number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
// Values are read with Go's strconv.ParseFloat, which takes Inf and NaN in any
// case (prom-client writes "Nan" for an empty event-loop histogram).
const VALUE = '(?:[+-]?(?:\\d+\\.?\\d*(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?)|[+-]?[iI][nN][fF]|[nN][aA][nN])';
const SAMPLE_RE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (${VALUE})(?: (-?\\d+))?$`);
const LABEL_PAIR_RE = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`);
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] };

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const m = LABEL_PAIR_RE.exec(rest);
    if (m === null) throw new Error(`${where}: bad label set {${text}}`);
    if (m[1]! in labels) throw new Error(`${where}: label ${m[1]} repeated`);
    labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    rest = rest.slice(m[0].length);
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (rest !== '') throw new Error(`${where}: expected "," in {${text}}`);
  }
  return labels;
}

/**
 * Parses `text`.
 * @throws Error naming the first line that is not valid exposition format.
 */
export function parseExposition(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1} "${line}"`;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
      if (m === null) {
        if (/^# (HELP|TYPE)/.test(line)) throw new Error(`${where}: malformed ${line.split(' ')[1]}`);
        return; // other comments are allowed
      }
      if (m[1] === 'TYPE') {
        if (!TYPES.has(m[3]!)) throw new Error(`${where}: unknown type ${m[3]}`);
        if (types.has(m[2]!)) throw new Error(`${where}: second TYPE for ${m[2]}`);
        types.set(m[2]!, m[3]!);
      }
      return;
    }
    if (line === '') return; // the format ignores empty lines (prom-client puts one between families)
    const m = SAMPLE_RE.exec(line);
    if (m === null) throw new Error(`${where}: not a sample`);
    const name = m[1]!;
    const family = [...types.keys()].find((f) => f === name || (SUFFIXES[types.get(f)!] ?? []).some((s) => f + s === name));
    if (family === undefined) throw new Error(`${where}: sample of ${name} has no TYPE line before it`);
    samples.push({ name, labels: parseLabels(m[2] ?? '', where), value: Number(m[3]!.replace(/inf$/i, 'Infinity').replace(/^nan$/i, 'NaN')) });
  });
  const sum = (name: string, match: Record<string, string> = {}): number =>
    samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
  return { samples, types, sum };
}
