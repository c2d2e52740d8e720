/**
 * The daemon's pino log lines, as a benchmark reads them from its stdout:
 * every parsed line kept, and `waitLog(pred)` for the first (seen or coming)
 * line that matches.
 */

/**
 * @param {import('node:child_process').ChildProcess} child the daemon
 * @returns {{ logs: object[], waitLog: (pred: (l: object) => boolean, ms?: number) => Promise<object> }}
 */
export function followLogs(child) {
  const logs = [];
  const waiters = [];
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
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
  child.stderr.on('data', (d) => process.stderr.write(d));
  const waitLog = (pred, ms = 30_000) =>
    new Promise((resolveP, reject) => {
      const seen = logs.find(pred);
      if (seen) return resolveP(seen);
      const timer = setTimeout(() => reject(new Error('timed out waiting for a daemon log line')), ms);
      const w = {
        pred,
        resolve: (l) => {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(w), 1);
          resolveP(l);
        },
      };
      waiters.push(w);
    });
  return { logs, waitLog };
}
