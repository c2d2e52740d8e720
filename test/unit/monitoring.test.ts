/**
 * monitoring/: the Prometheus alerting rules pass their `promtool test rules`
 * cases, and the rules and the Grafana dashboard only name metrics the
 * daemon exports (a renamed metric must not leave a silent alert or panel).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMetricsRegistry } from '../../src/metrics/collectors.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = join(REPO, 'monitoring');
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

/**
 * Every metric the daemon's registry exports (vip_arpd_*, and prom-client's
 * process_* and nodejs_* defaults), with its label names: the registry
 * itself, not names found in the sources, so a name only in a comment or a
 * help text does not count. Nothing is scraped, so the readings are never read.
 */
function exportedMetrics(): Map<string, Set<string>> {
  const unread = {} as never;
  const registry = createMetricsRegistry(unread, unread, { fastPath: () => [] });
  return new Map(registry.getMetricsAsArray().map((m) => [m.name, new Set((m as unknown as { labelNames: string[] }).labelNames)]));
}

/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = new Set(['job', 'instance']);
const METRIC = /\b(?:vip_arpd|process|nodejs)_[a-z0-9_]+/g;

function metricsIn(text: string): string[] {
  return [...new Set([...text.matchAll(METRIC)].map((m) => m[0]))];
}

/**
 * The label names a PromQL expression uses that none of its metrics has:
 * in a selector `metric{label="…"}`, label_values(metric, label), or
 * `by (…)` / `without (…)`, which may name a label of any metric in it.
 */
function unknownLabels(expr: string, exported: Map<string, Set<string>>): string[] {
  const labelsOf = (metric: string): Set<string> => new Set([...TARGET_LABELS, ...(exported.get(metric) ?? [])]);
  const out: string[] = [];
  for (const m of expr.matchAll(/\b((?:vip_arpd|process|nodejs)_[a-z0-9_]+)\s*\{([^}]*)\}/g)) {
    for (const l of m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) if (!labelsOf(m[1]!).has(l[1]!)) out.push(`${m[1]}{${l[1]}}`);
  }
  for (const m of expr.matchAll(/label_values\(\s*((?:vip_arpd|process|nodejs)_[a-z0-9_]+)[^,]*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)/g)) {
    if (!labelsOf(m[1]!).has(m[2]!)) out.push(`${m[1]}{${m[2]}}`);
  }
  const anyLabel = new Set(metricsIn(expr).flatMap((name) => [...labelsOf(name)]));
  for (const m of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const l of m[1]!.split(',').map((x) => x.trim())) if (l !== '' && !anyLabel.has(l)) out.push(`by (${l})`);
  }
  return out;
}

interface Dashboard {
  panels: Array<{ id: number; title: string; targets?: Array<{ expr: string }>; gridPos: { x: number; y: number; w: number; h: number } }>;
  templating: { list: Array<{ definition?: string }> };
}

/** Every PromQL expression of the dashboard (panel targets and template variables), and of the rules file. */
function expressions(dashboard: Dashboard, rules: string): Array<[string, string]> {
  return [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((q): [string, string] => [`panel ${p.id} "${p.title}"`, q.expr])),
    ...dashboard.templating.list.flatMap((v): Array<[string, string]> => (v.definition === undefined ? [] : [['a template variable', v.definition]])),
    ...[...rules.matchAll(/^\s*expr: (.+)$/gm)].map((m): [string, string] => ['a rule', m[1]!]),
  ];
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

t.test('the NDP twins: NAs refused and all-multicast reception, each alert with a summary, a description and a promtool case', async (t) => {
  const rules = readFileSync(join(DIR, 'vip-arpd.rules.yml'), 'utf8');
  const cases = readFileSync(join(DIR, 'vip-arpd.rules.test.yml'), 'utf8');
  for (const a of ['VipArpdNdpRepliesDropped', 'VipArpdNdpAllMulticast']) t.match(rules, new RegExp(`alert: ${a}\\n`), a);
  const alerts = [...rules.matchAll(/alert: (\w+)\n/g)].map((m) => m[1]!);
  const blocks = rules.split(/\n\s*- alert: /).slice(1);
  t.equal(blocks.length, alerts.length);
  for (const [i, b] of blocks.entries()) t.ok(/\n\s+summary: "/.test(b) && /\n\s+description: "/.test(b), `${alerts[i]}: summary and description`);
  for (const a of alerts) t.match(cases, new RegExp(`alertname: ${a}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), `${a}: a promtool case expects it to fire`);
});

t.test('rules and dashboard name only exported metrics, and only their labels', async (t) => {
  const exported = exportedMetrics();
  t.ok(
    exported.has('vip_arpd_frames_total') && exported.has('vip_arpd_ndp_frames_total') && exported.has('nodejs_eventloop_lag_p99_seconds'),
    'the registry lists the metrics',
  );
  const dashboardText = readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8');
  const dashboard = JSON.parse(dashboardText) as Dashboard;
  const rules = readFileSync(join(DIR, 'vip-arpd.rules.yml'), 'utf8');
  t.ok(dashboard.panels.length > 0 && dashboard.panels.every((p) => (p.targets ?? []).length > 0), 'every dashboard panel has a query');
  for (const [what, text] of [
    ['rules', rules],
    ['dashboard', dashboardText],
  ] as const) {
    const unknown = metricsIn(text).filter((m) => !exported.has(m));
    t.same(unknown, [], `${what}: no metric the daemon does not export`);
  }
  for (const [where, expr] of expressions(dashboard, rules)) t.same(unknownLabels(expr, exported), [], `${where}: no label its metrics lack`);
});

t.test('the label check catches an invented metric or label', async (t) => {
  const exported = exportedMetrics();
  t.same(
    metricsIn('rate(vip_arpd_ndp_answers_total[5m])').filter((m) => !exported.has(m)),
    ['vip_arpd_ndp_answers_total'],
  );
  t.same(unknownLabels('sum by (family) (rate(vip_arpd_frames_total{job="x", family="ipv6"}[5m]))', exported), [
    'vip_arpd_frames_total{family}',
    'by (family)',
  ]);
  t.same(unknownLabels('label_values(vip_arpd_config_generation, iface)', exported), ['vip_arpd_config_generation{iface}']);
  t.same(unknownLabels('sum by (instance, iface) (vip_arpd_ndp_all_multicast{job=~"$job"})', exported), []);
});

t.test('dashboard: unique panel ids, no two panels overlap, each NDP panel beside its ARP twin', async (t) => {
  const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as Dashboard;
  const ids = dashboard.panels.map((p) => p.id);
  t.equal(new Set(ids).size, ids.length, 'unique ids');
  const taken = new Map<string, number>();
  for (const p of dashboard.panels) {
    const g = p.gridPos;
    t.ok(g.x >= 0 && g.x + g.w <= 24, `panel ${p.id} fits the 24 columns`);
    for (let x = g.x; x < g.x + g.w; x++)
      for (let y = g.y; y < g.y + g.h; y++) {
        const other = taken.get(`${x},${y}`);
        if (other !== undefined) t.fail(`panels ${other} and ${p.id} overlap at ${x},${y}`);
        taken.set(`${x},${y}`, p.id);
      }
  }
  const byMetric = (metric: string) => dashboard.panels.find((p) => (p.targets ?? []).some((q) => new RegExp(`\\b${metric}\\b`).test(q.expr)));
  for (const [arp, ndp] of [
    ['vip_arpd_replies_sent_total', 'vip_arpd_ndp_replies_sent_total'],
    ['vip_arpd_frames_total', 'vip_arpd_ndp_frames_total'],
    ['vip_arpd_tx_dropped_total', 'vip_arpd_ndp_tx_dropped_total'],
    ['vip_arpd_group_vips', 'vip_arpd_group_ipv6_vips'],
  ]) {
    const a = byMetric(arp!)?.gridPos;
    const n = byMetric(ndp!)?.gridPos;
    t.ok(a !== undefined && n !== undefined && a.y === n.y && n.x === a.x + a.w, `${ndp} is charted beside ${arp}`);
  }
  for (const m of ['vip_arpd_ndp_solicited_node_groups', 'vip_arpd_ndp_all_multicast']) t.ok(byMetric(m), `${m} is charted`);
});
