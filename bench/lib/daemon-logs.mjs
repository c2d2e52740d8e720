// @ts-check
/**
 * The daemon's pino log lines, as a benchmark reads them from its stdout:
 * every parsed line kept, and `waitLog(pred)` for the first (seen or coming)
 * line that matches.
 */

/** @typedef {Record<string, any>} LogLine one parsed pino line */

/**
 * @param {import('node:child_process').ChildProcess} child the daemon, stdout and stderr piped
 * @returns {{ logs: LogLine[], waitLog: (pred: (l: LogLine) => boolean, ms?: number) => Promise<LogLine> }}
 */
export function followLogs(child) {
  /** @type {LogLine[]} */
  const logs = [];
  /** @type {Array<{ pred: (l: LogLine) => boolean, resolve: (l: LogLine) => void }>} */
  const waiters = [];
  let buf = '';
  const { stdout, stderr } = child;
  if (stdout === null || stderr === null) throw new TypeError("followLogs needs the daemon's stdout and stderr piped");
  stdout.setEncoding('utf8');
  stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        const l = JSON.parse(line);
        logs.push(l);
        for (const w of [...waiters]) if (w.pred(l)) w.resolve(l);
      } catch {
        // not a log line
      }
    }
  });
  stderr.on('data', (d) => process.stderr.write(d));
  /** @type {(pred: (l: LogLine) => boolean, ms?: number) => Promise<LogLine>} */
  const waitLog = (pred, ms = 30_000) =>
    new Promise((resolveP, reject) => {
      const seen = logs.find(pred);
      if (seen) return resolveP(seen);
      const timer = setTimeout(() => reject(new Error('timed out waiting for a daemon log line')), ms);
      const w = {
        pred,
        resolve: (/** @type {LogLine} */ l) => {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(w), 1);
          resolveP(l);
        },
      };
      waiters.push(w);
    });
  return { logs, waitLog };
}
