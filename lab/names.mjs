// @ts-check
/**
 * The one naming rule for lab namespaces: `varplab-<pid>-<id>-<host>`, pid
 * being the process that made the lab and id a random hex string per lab, so
 * a stale lab (its process is gone) can be told from a live one of a parallel
 * run. Tests, benchmarks, the demo and `.ci/run` (through sweep-stale.mjs)
 * all go by it.
 */
import { randomBytes } from 'node:crypto';

/** Prefix of every namespace a lab creates. */
export const LAB_PREFIX = 'varplab-';

const NAME = /^varplab-(\d+)-/;

/**
 * newLabId returns a fresh lab id: 6 hex digits.
 * @returns {string}
 */
export function newLabId() {
  return randomBytes(3).toString('hex');
}

/**
 * labNamespace returns the namespace name of `host` in lab `id` of this process.
 * @param {string} id
 * @param {string} host
 * @returns {string}
 */
export function labNamespace(id, host) {
  return `${LAB_PREFIX}${process.pid}-${id}-${host}`;
}

/**
 * labNamespacePid returns the pid of the process that made lab namespace
 * `name`, or undefined when `name` is not a lab namespace.
 * @param {string} name
 * @returns {number | undefined}
 */
export function labNamespacePid(name) {
  const m = NAME.exec(name);
  return m === null ? undefined : Number(m[1]);
}
