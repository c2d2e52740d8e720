/**
 * The shipped unit: `systemd-analyze verify` is clean and the offline
 * security exposure stays at or below 2.0 (Debian's keepalived.service is
 * printed beside it for scale).
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const UNIT = join(REPO, 'systemd', 'vip-arpd.service');
const KEEPALIVED_UNIT = '/lib/systemd/system/keepalived.service';
/** Issue 5's bar: "OK" territory in systemd-analyze's scale (0 safe … 10 unsafe). */
const MAX_EXPOSURE = 2.0;

const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/**
 * A copy of the unit whose ExecStart points at files that exist here (node
 * and this checkout's entry point), as `verify` checks the binary exists.
 * Nothing else is changed.
 */
function unitCopy(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const text = readFileSync(UNIT, 'utf8')
    .replace(
      /^ExecStart=\/usr\/lib\/vip-arpd\/node \/usr\/lib\/vip-arpd\/dist\/cli\/vip-arpd\.js /m,
      `ExecStart=${process.execPath} ${join(REPO, 'dist', 'cli', 'vip-arpd.js')} `,
    )
    .replace(/^ExecReload=\/usr\/bin\/vip-arpctl /m, `ExecReload=${process.execPath} ${join(REPO, 'dist', 'cli', 'vip-arpctl.js')} `);
  if (!text.includes(`ExecStart=${process.execPath}`) || !text.includes(`ExecReload=${process.execPath}`))
    throw new Error('ExecStart or ExecReload line of the unit changed: update this test');
  const copy = join(dir, 'vip-arpd.service');
  writeFileSync(copy, text);
  return copy;
}

function exposure(unit: string): { score: number; text: string } {
  const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unit], { encoding: 'utf8' });
  const text = `${r.stdout}${r.stderr}`;
  const m = /Overall exposure level for \S+: (\d+(?:\.\d+)?) (\S+)/.exec(text);
  if (m === null) throw new Error(`no exposure score in systemd-analyze output:\n${text}`);
  return { score: Number(m[1]), text };
}

t.test('systemd-analyze verify is clean', { skip: hasAnalyze ? false : 'needs systemd-analyze (apt-get install systemd)' }, async (t) => {
  const copy = unitCopy(t);
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', copy], { encoding: 'utf8' });
  t.equal(r.status, 0, 'exit code 0');
  t.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no warnings');
});

t.test(`security exposure is at most ${MAX_EXPOSURE}`, { skip: hasAnalyze ? false : 'needs systemd-analyze (apt-get install systemd)' }, async (t) => {
  const ours = exposure(unitCopy(t));
  let theirs = 'not installed';
  try {
    readFileSync(KEEPALIVED_UNIT);
    const k = exposure(KEEPALIVED_UNIT);
    theirs = `${k.score}`;
  } catch {
    // keepalived not installed: nothing to compare with
  }
  t.comment(`exposure (systemd-analyze security --offline=true): vip-arpd.service ${ours.score}, Debian keepalived.service ${theirs}`);
  t.ok(ours.score <= MAX_EXPOSURE, `vip-arpd.service scores ${ours.score} <= ${MAX_EXPOSURE}`, { diagnostic: ours.score > MAX_EXPOSURE, output: ours.text });
});

t.test('the unit keeps the settings the daemon relies on', async (t) => {
  const text = readFileSync(UNIT, 'utf8');
  const setting = (k: string): string[] => [...text.matchAll(new RegExp(`^${k}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
  t.same(setting('Type'), ['notify']);
  t.same(setting('NotifyAccess'), ['main'], 'sd_notify comes from the main PID');
  t.same(setting('AmbientCapabilities'), ['CAP_NET_RAW']);
  t.same(setting('CapabilityBoundingSet'), ['CAP_NET_RAW']);
  t.same(setting('MemoryDenyWriteExecute'), [], 'not set: V8 JIT needs W+X mappings');
  t.ok(setting('RestrictAddressFamilies')[0]?.split(/\s+/).includes('AF_PACKET'), 'AF_PACKET allowed');
  t.same(setting('RuntimeDirectoryPreserve'), ['restart'], 'the role state file survives a restart');
  t.notOk(/^User=root$/m.test(text) || setting('User').length === 0, 'runs as a non-root user');
  t.notOk(
    setting('ExecReload').some((c) => /\bkill\b/.test(c)),
    'ExecReload needs no procps (/bin/kill)',
  );
  t.ok(setting('SystemCallFilter').includes('capset'), 'capset allowed: doctor runs ip, which drops its capabilities with capset()');
});

/** systemd time span ("100ms", "1s", "1min") in milliseconds. */
function spanMs(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|min)?$/.exec(v.trim());
  if (m === null) throw new Error(`unreadable time span ${v}`);
  return Number(m[1]) * ({ ms: 1, s: 1000, min: 60_000 } as Record<string, number>)[m[2] ?? 's']!;
}

t.test('a crash is restarted within the 500 ms budget, and a crash loop is stopped', async (t) => {
  const text = readFileSync(UNIT, 'utf8');
  const setting = (k: string): string | undefined => new RegExp(`^${k}=(.*)$`, 'm').exec(text)?.[1]?.trim();
  const restartMs = spanMs(setting('RestartSec') ?? '100ms');
  // kill -9 -> first reply is systemd's restart work plus node's start-up,
  // together ~300-450 ms under systemd 252 without any delay (issue 16.6,
  // test/e2e/systemd-nspawn.test.ts): no delay of ours fits in 500 ms.
  t.ok(restartMs <= 20, `RestartSec=${setting('RestartSec')} adds (almost) nothing to systemd's and node's part of the 500 ms`);
  const burst = Number(setting('StartLimitBurst') ?? '5');
  const intervalMs = spanMs(setting('StartLimitIntervalSec') ?? '10s');
  // A daemon that dies at start (~0.3 s) with this delay must hit the limit:
  // burst starts must fit in the interval, with room for slower crashes.
  t.ok(
    burst * (restartMs + 300) < intervalMs,
    `StartLimitBurst=${burst} within StartLimitIntervalSec=${setting('StartLimitIntervalSec')} catches a crash loop`,
  );
  t.ok(intervalMs >= 30_000, 'a daemon that crashes a few seconds after each start is caught too');
});
