import t from 'tap';
import { pino } from 'pino';
import { LogRateLimiter, logLimited } from '../../src/log/log-rate-limit.js';

t.test('LogRateLimiter allows one line per key per interval and counts the rest', async (t) => {
  // Each step: advance the clock to `at`, take `key`, expect the result.
  const steps: Array<{ desc: string; at: number; key: string; want: number | undefined }> = [
    { desc: 'first line of a key is allowed, nothing suppressed', at: 0, key: 'a', want: 0 },
    { desc: 'a repeat inside the interval is suppressed', at: 100, key: 'a', want: undefined },
    { desc: 'another repeat is suppressed too', at: 999, key: 'a', want: undefined },
    { desc: 'another key is independent', at: 999, key: 'b', want: 0 },
    { desc: 'after the interval the line is allowed and reports 2 suppressed', at: 1000, key: 'a', want: 2 },
    { desc: 'the suppressed count starts again', at: 1500, key: 'a', want: undefined },
    { desc: 'and is reported once', at: 2000, key: 'a', want: 1 },
    { desc: 'a key quiet for long is allowed with 0', at: 10_000, key: 'b', want: 0 },
  ];
  let now = 0;
  const limiter = new LogRateLimiter({ intervalMs: 1000, now: () => now });
  for (const s of steps) {
    now = s.at;
    t.equal(limiter.take(s.key), s.want, s.desc);
  }
});

t.test('LogRateLimiter forgets the least recently allowed key past maxKeys', async (t) => {
  const now = 0;
  const limiter = new LogRateLimiter({ intervalMs: 1000, maxKeys: 2, now: () => now });
  limiter.take('a');
  limiter.take('b');
  limiter.take('c');
  t.equal(limiter.size, 2, 'bounded');
  t.equal(limiter.take('a'), 0, '"a" was forgotten, so it is allowed again at once');
  t.equal(limiter.take('c'), undefined, '"c" is still remembered');
});

t.test('LogRateLimiter rejects nonsense options', async (t) => {
  t.throws(() => new LogRateLimiter({ intervalMs: 0 }), RangeError);
  t.throws(() => new LogRateLimiter({ intervalMs: 1000, maxKeys: 0 }), RangeError);
});

t.test('logLimited writes the allowed line with the suppressed count', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  let now = 0;
  const limiter = new LogRateLimiter({ intervalMs: 1000, now: () => now });
  for (let i = 0; i < 5; i++) logLimited(log, 'warn', limiter, 'eth0', { iface: 'eth0' }, 'socket error');
  now = 1000;
  logLimited(log, 'warn', limiter, 'eth0', { iface: 'eth0' }, 'socket error');
  t.equal(lines.length, 2, '2 lines for 6 calls');
  t.notOk('suppressed' in lines[0]!, 'first line has no suppressed field');
  t.equal(lines[1]!.suppressed, 4);
  t.equal(lines[1]!.iface, 'eth0');
  t.equal(lines[1]!.level, 40, 'at warn');
});
