// @ts-check
/**
 * Running commands for the lab: {@link run} collects a command's output
 * without a shell and, unless asked to, never throws on a non-zero exit.
 */
import { execFile } from 'node:child_process';

/**
 * Result of a command.
 * @typedef {object} ExecResult
 * @property {string} stdout
 * @property {string} stderr
 * @property {number} code Exit code; -1 when the process was killed by a signal or could not start.
 */

/**
 * Options for {@link run}.
 * @typedef {object} ExecOpts
 * @property {boolean} [check] Throw when the exit code is not 0 (default false).
 * @property {string} [input] Written to the command's stdin.
 * @property {number} [timeoutMs] Kill the command after this many ms (default 60 000).
 * @property {NodeJS.ProcessEnv} [env] Extra environment variables.
 */

/**
 * run runs a command (no shell) and collects its output. It never throws on a
 * non-zero exit unless `check` is set, in which case the error message holds
 * the command line, exit code and stderr.
 * @param {string} cmd
 * @param {string[]} args
 * @param {ExecOpts} [opts]
 * @returns {Promise<ExecResult>}
 */
export function run(cmd, args, opts = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      cmd,
      args,
      {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 60_000,
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
      },
      (err, stdout, stderr) => {
        let code = 0;
        if (err) {
          const c = /** @type {{ code?: unknown }} */ (err).code;
          code = typeof c === 'number' ? c : -1;
          if (typeof c === 'string') stderr = `${stderr}${err.message}\n`;
        }
        /** @type {ExecResult} */
        const res = { stdout, stderr, code };
        if (opts.check && code !== 0) {
          reject(new Error(`Cannot run "${[cmd, ...args].join(' ')}": exit code ${code}: ${stderr.trim()}`));
        } else {
          resolvePromise(res);
        }
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/**
 * ip runs `ip ARGS` and throws when it fails.
 * @param {string[]} args
 * @returns {Promise<ExecResult>}
 */
export function ip(args) {
  return run('ip', args, { check: true });
}
