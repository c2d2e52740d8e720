// @ts-check
/** The loop the flood benchmarks share: each responder in turn, through every offered rate. */
import { setTimeout as sleep } from 'node:timers/promises';
import { round } from './table.mjs';

/**
 * An offered rate as the tables show it.
 * @param {number} rate frames/s, 0 = unlimited
 */
export function rateLabel(rate) {
  return rate === 0 ? 'unlimited' : `${rate / 1000}k/s`;
}

/**
 * Starts each responder of `names` in turn, warms it up, runs one send
 * window per rate (after `settleMs`, so queues drain) and stops it. One that
 * never answers its warm-up is skipped with a note, so the others' figures
 * are kept (farpd under heavy load).
 * @template {{ stop: () => Promise<unknown> }} R
 * @template {{ repliesPerSecond: number, lossPercent: number }} M
 * @param {{
 *   names: string[], rates: number[], settleMs: number, unit: string,
 *   start: (name: string) => Promise<R>, warmUp: (r: R) => Promise<void>, measure: (r: R, rate: number) => Promise<M>,
 * }} o `unit`: what the progress lines count (e.g. "replies/s")
 * @returns {Promise<Record<string, M[]>>} the windows of each responder that answered its warm-up
 */
export async function runResponders(o) {
  /** @type {Record<string, M[]>} */
  const results = {};
  for (const name of o.names) {
    process.stderr.write(`${name}: starting\n`);
    const r = await o.start(name);
    try {
      try {
        await o.warmUp(r);
      } catch (err) {
        process.stderr.write(`${name}: skipped: ${err instanceof Error ? err.message : String(err)}\n`);
        continue;
      }
      /** @type {M[]} */
      const runs = [];
      results[name] = runs;
      for (const rate of o.rates) {
        await sleep(o.settleMs);
        const m = await o.measure(r, rate);
        process.stderr.write(`${name} ${rateLabel(rate)}: ${round(m.repliesPerSecond)} ${o.unit}, loss ${round(m.lossPercent, 2)} %\n`);
        runs.push(m);
      }
    } finally {
      await r.stop();
    }
  }
  return results;
}
