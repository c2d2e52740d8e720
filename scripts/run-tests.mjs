#!/usr/bin/env node
// @ts-check
// The test command (`npm test`): runs tap over test/unit and test/e2e and ends
// with exactly one line of our own, `N passed, N failed, N skipped`.
//
// Usage: node scripts/run-tests.mjs [FILTER...] [-- TAP-OPTIONS...]
//   FILTER     keep only test files whose path contains one of these strings
//   options starting with '-' are passed to tap as they are
//
// Assumes the build is done (`npm ci` runs `prepare`, or `npm run build`).
//
// What is counted: LEAF TEST POINTS (assertions), across all files. A
// subtest's own closing "ok N - name" line is not counted again, except
//   - a subtest with no points of its own (e.g. skipped with `{skip}` or an
//     empty test) counts as one point with its own status, and
//   - a subtest that is "not ok" although none of its points failed (the
//     file crashed, timed out, exited non-zero, or missed its plan) counts as
//     one failed point, so a crash can never look green.
// A point marked # SKIP or # TODO counts as skipped. If tap itself exits
// non-zero and nothing failed by the rules above, one failure is added.
//
// With RUN_TESTS_COUNTS_FILE=FILE the counts are written to FILE as JSON
// ({"pass","fail","skip"}) and the closing line is left to the caller.
//
// unit files run in parallel (tap's default jobs); e2e files run one at a time
// (--jobs=1) because they create namespaces, run captures and time things.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser } from 'tap-parser';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Per-file timeout in seconds: e2e files wait on timers, failovers and captures. */
const FILE_TIMEOUT_S = 600;

const args = process.argv.slice(2);
const tapOpts = args.filter((a) => a.startsWith('-') && a !== '--');
const filters = args.filter((a) => !a.startsWith('-'));

/** @param {string} dir test/unit or test/e2e @returns {string[]} its test files that pass the filters */
function findTests(dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  /** @type {string[]} */
  const out = [];
  const walk = (/** @type {string} */ d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) out.push(relative(root, p));
    }
  };
  walk(abs);
  return out.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
}

const totals = { pass: 0, fail: 0, skip: 0 };

/** @typedef {{ leaves: number, fails: number }} PointStats */

/**
 * Attach counting to a parser and, recursively, to its subtest parsers.
 * @param {Parser} parser
 * @returns {PointStats}
 */
function track(parser) {
  /** @type {PointStats} */
  const stats = { leaves: 0, fails: 0 };
  /** @type {PointStats | null} */
  let lastChild = null;
  parser.on('child', (/** @type {Parser} */ child) => {
    lastChild = track(child);
  });
  parser.on('assert', (/** @type {import('tap-parser').Result} */ res) => {
    const child = res.closingTestPoint ? lastChild : null;
    if (res.closingTestPoint) lastChild = null;
    if (child && child.leaves > 0) {
      stats.leaves += child.leaves;
      stats.fails += child.fails;
      if (!res.ok && !res.todo && child.fails === 0) {
        // Crash, timeout, bad exit code or plan failure after passing points.
        totals.fail++;
        stats.leaves++;
        stats.fails++;
      }
      return;
    }
    stats.leaves++;
    if (res.skip || res.todo) totals.skip++;
    else if (res.ok) totals.pass++;
    else {
      totals.fail++;
      stats.fails++;
    }
  });
  return stats;
}

/**
 * Run tap over `files`, streaming its TAP output, and count the points.
 * @param {string[]} files
 * @param {number} jobs tap's --jobs, 0 for its default
 * @returns {Promise<boolean>} whether tap exited 0
 */
function runTap(files, jobs) {
  return new Promise((/** @type {(ok: boolean) => void} */ resolveRun) => {
    const tapArgs = ['tap', '--disable-coverage', '--reporter=tap', `--timeout=${FILE_TIMEOUT_S}`, ...(jobs ? [`--jobs=${jobs}`] : []), ...tapOpts, ...files];
    const child = spawn('npx', tapArgs, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const parser = new Parser();
    const stats = track(parser);
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      parser.write(d);
    });
    child.on('close', (code, signal) => {
      parser.end();
      if ((code !== 0 || signal) && stats.fails === 0 && totals.fail === 0) {
        console.log(`# tap exited with ${signal ?? `code ${code}`} and no failing test point; counting one failure`);
        totals.fail++;
      }
      resolveRun(code === 0);
    });
    child.on('error', (err) => {
      console.log(`# cannot run tap: ${err.message}`);
      totals.fail++;
      resolveRun(false);
    });
  });
}

const unit = findTests('test/unit');
const e2e = findTests('test/e2e');
if (unit.length + e2e.length === 0) {
  console.log(`# no test files match ${filters.length ? filters.join(', ') : 'test/unit, test/e2e'}`);
  totals.fail++;
}
if (unit.length > 0) await runTap(unit, 0);
if (e2e.length > 0) await runTap(e2e, 1);

const countsFile = process.env.RUN_TESTS_COUNTS_FILE;
if (countsFile) {
  // A caller that runs several suites (.ci/run) prints the one closing line
  // itself, summed: this run's counts go to the file, in words no reader
  // takes for a closing line.
  writeFileSync(countsFile, `${JSON.stringify(totals)}\n`);
  console.log(`# this run: pass ${totals.pass}, fail ${totals.fail}, skip ${totals.skip} (summed by the caller)`);
} else {
  console.log(`${totals.pass} passed, ${totals.fail} failed, ${totals.skip} skipped`);
}
process.exitCode = totals.fail > 0 ? 1 : 0;
