/**
 * monitoring/: the Prometheus alerting rules pass their `promtool test rules`
 * cases, and the rules and the Grafana dashboard only name metrics the
 * daemon exports (a renamed metric must not leave a silent alert or panel).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = join(REPO, 'monitoring');
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

/** Every vip_arpd_* name in the daemon's sources. */
function exportedMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/\bvip_arpd_[a-z_]+/g)) names.add(m[0]);
    }
  };
  walk(join(REPO, 'src', 'metrics'));
  return names;
}

function metricsIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\bvip_arpd_[a-z_]+/g)].map((m) => m[0]))];
}

t.test('promtool test rules', { skip: hasPromtool ? false : 'needs promtool (apt-get install prometheus)' }, async (t) => {
  const check = spawnSync('promtool', ['check', 'rules', 'vip-arpd.rules.yml'], { cwd: DIR, encoding: 'utf8' });
  t.equal(check.status, 0, 'the rules file is valid', { output: check.stdout + check.stderr });
  const r = spawnSync('promtool', ['test', 'rules', 'vip-arpd.rules.test.yml'], { cwd: DIR, encoding: 'utf8' });
  t.equal(r.status, 0, 'every alert test case passes', { output: r.stdout + r.stderr });
  t.match(r.stdout, /SUCCESS/);
});

t.test('the rules cover the four alerts the operators asked for', async (t) => {
  const rules = readFileSync(join(DIR, 'vip-arpd.rules.yml'), 'utf8');
  for (const a of ['VipArpdVipConflict', 'VipArpdNoMaster', 'VipArpdReloadFailing', 'VipArpdRepliesDropped']) {
    t.match(rules, new RegExp(`alert: ${a}\\n`), a);
  }
});

t.test('rules and dashboard name only exported metrics', async (t) => {
  const exported = exportedMetrics();
  t.ok(exported.size > 10, `found ${exported.size} metric names in src/metrics`);
  const dashboard = readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8');
  const parsed = JSON.parse(dashboard) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  t.ok(parsed.panels.length > 0 && parsed.panels.every((p) => (p.targets ?? []).length > 0), 'every dashboard panel has a query');
  for (const [what, text] of [
    ['rules', readFileSync(join(DIR, 'vip-arpd.rules.yml'), 'utf8')],
    ['dashboard', dashboard],
  ] as const) {
    const unknown = metricsIn(text).filter((m) => !exported.has(m));
    t.same(unknown, [], `${what}: no unknown vip_arpd_* metric`);
  }
});
