/**
 * The check every hand-written JSON validator starts with (config groups,
 * control requests, the role state file): a plain object, not null, not an array.
 */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
