// @ts-check
/** Plain-text tables for benchmark output. */

/**
 * Formats rows (arrays of cells) under `header`, columns right-aligned except the first.
 * @param {unknown[]} header
 * @param {unknown[][]} rows
 * @returns {string}
 */
export function formatTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (/** @type {string[]} */ r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

/**
 * Rounds to `digits` decimals for display; '-' for no value.
 * @param {number | undefined | null} x
 * @param {number} [digits]
 * @returns {string}
 */
export function round(x, digits = 0) {
  if (x === undefined || x === null || Number.isNaN(x)) return '-';
  const f = 10 ** digits;
  return String(Math.round(x * f) / f);
}
