/**
 * The readable fallback for data no formatter knows: a status section added
 * by a feature without a formatter, or fields a newer daemon added to a known
 * section. Never a JSON dump: camelCase keys become words, timestamps become
 * "12 s ago", lists of records become tables, nothing is dropped.
 */
import { ago, ISO_TIME } from './human-units.js';
import type { TextStyle } from './text-style.js';
import { formatTable } from './table.js';

export interface RenderContext {
  /** epoch ms that relative times count back from */
  now: number;
  style: TextStyle;
}

type Scalar = string | number | boolean | null | undefined;

function isScalar(v: unknown): v is Scalar {
  return v === null || v === undefined || ['string', 'number', 'boolean'].includes(typeof v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `refusedClients` → `refused clients`, `not-a-vip` stays. */
function label(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/** One scalar for a person: times relative, booleans yes/no, null as `-`. */
function scalarText(v: Scalar, ctx: RenderContext): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string' && ISO_TIME.test(v)) return ago(v, ctx.now);
  return String(v);
}

/** `v` on one line, or undefined when it needs more than one. */
function inline(v: unknown, ctx: RenderContext): string | undefined {
  if (isScalar(v)) return scalarText(v, ctx);
  if (Array.isArray(v) && v.every(isScalar)) return v.length === 0 ? 'none' : v.map((x) => scalarText(x, ctx)).join(', ');
  if (isRecord(v) && Object.values(v).every(isScalar)) {
    const entries = Object.entries(v);
    return entries.length === 0 ? 'none' : entries.map(([k, x]) => `${label(k)} ${scalarText(x as Scalar, ctx)}`).join(', ');
  }
  return undefined;
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

/** A list of flat records as a table whose columns are the union of their keys. */
function recordTable(rows: Record<string, unknown>[], ctx: RenderContext): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return formatTable([keys.map((k) => label(k).toUpperCase()), ...rows.map((r) => keys.map((k) => inline(r[k], ctx) ?? '…'))]);
}

/** Any JSON value, readably; multi-line for nested data. */
export function renderValue(v: unknown, ctx: RenderContext): string {
  const flat = inline(v, ctx);
  if (flat !== undefined) return flat;
  if (Array.isArray(v)) {
    if (v.every((x) => isRecord(x) && Object.values(x).every((y) => inline(y, ctx) !== undefined))) return recordTable(v as Record<string, unknown>[], ctx);
    return v.map((x) => `- ${indent(renderValue(x, ctx), '  ').trimStart()}`).join('\n');
  }
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => {
      const one = inline(x, ctx);
      return one !== undefined ? `${label(k)}: ${one}` : `${label(k)}:\n${indent(renderValue(x, ctx), '  ')}`;
    })
    .join('\n');
}

/** `name: value`, with nested values on indented lines below. */
export function renderNamed(name: string, v: unknown, ctx: RenderContext): string {
  const one = inline(v, ctx);
  return one !== undefined ? `${name}: ${one}` : `${name}:\n${indent(renderValue(v, ctx), '  ')}`;
}

/**
 * Keys of `rows` a table does not have a column for: a formatter adds a
 * column for each, so fields a newer daemon added are still shown.
 */
export function extraKeys(rows: readonly Record<string, unknown>[], shown: readonly string[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => !shown.includes(k));
}

/** Header and cells of the columns for `keys` (see {@link extraKeys}). */
export function extraColumns(keys: readonly string[], ctx: RenderContext): { header: string[]; cells: (row: Record<string, unknown>) => string[] } {
  return { header: keys.map((k) => label(k).toUpperCase()), cells: (row) => keys.map((k) => inline(row[k], ctx) ?? '…') };
}

/**
 * The fields of `data` a formatter did not show, so a field a newer daemon
 * added is still printed: `""` when there are none, else one indented block.
 */
export function otherFields(data: Record<string, unknown>, shown: readonly string[], ctx: RenderContext): string {
  const rest = Object.fromEntries(Object.entries(data).filter(([k]) => !shown.includes(k)));
  return Object.keys(rest).length === 0 ? '' : `\n${indent(renderValue(rest, ctx), '  ')}`;
}
