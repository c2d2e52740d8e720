/**
 * Metrics without root: a daemon with real links on `lo` and a fake wire, counters
 * poked directly, scraped through the `metrics` command and the HTTP
 * listener, and parsed strictly as exposition format.
 */
import t from 'tap';
import { pino } from 'pino';
import { startDaemon } from './lo-daemon-fixture.js';
import { RecordingConn, type Ports } from './daemon-fixture.js';
import type { InterfaceLink } from '../../src/daemon/interface-link.js';
import { loadConfig } from '../../src/config/load-config.js';
import { buildSnapshot } from '../../src/config/snapshot.js';
import { MetricsFeature } from '../../src/metrics/metrics-feature.js';
import { MetricsHttpFeature } from '../../src/metrics/http-listener.js';
import { parseListenAddress } from '../../src/metrics/listen-address.js';
import { LogLevelFeature } from '../../src/log/log-level-feature.js';
import { AnnounceCounters } from '../../src/announcer/announce-counters.js';
import { parseExposition } from '../e2e/exposition.js';

function snapshot(opts: { listen?: string; logLevel?: string } = {}) {
  const config = loadConfig({ file: undefined, env: {} });
  const garp = { mode: 'both' as const, count: 1, intervalMs: 1000, delayMs: 0, refreshMs: 0 };
  config.groups = [
    { name: 'web', interface: 'lo', vips: ['198.51.100.1', '198.51.100.2'], initialRole: 'master', keepalived: [], garp, defend: false, ndpRouter: 'auto' },
    { name: 'mail', interface: 'lo', vips: ['203.0.113.5'], initialRole: 'backup', keepalived: [], garp, defend: false, ndpRouter: 'auto' },
  ];
  config.metrics.listen = opts.listen ?? '';
  config.log.level = opts.logLevel ?? 'info';
  return buildSnapshot(config);
}

t.test('parseListenAddress', async (t) => {
  const cases: Array<{ in: string; want?: object; wantErr?: RegExp }> = [
    { in: '127.0.0.1:9733', want: { host: '127.0.0.1', port: 9733 } },
    { in: '[::1]:9733', want: { host: '::1', port: 9733 } },
    { in: 'localhost:9733', want: { host: 'localhost', port: 9733 } },
    { in: '0.0.0.0:9733', want: { host: '0.0.0.0', port: 9733 } },
    { in: '127.0.0.1:0', want: { host: '127.0.0.1', port: 0 } },
    { in: ':9733', wantErr: /no host/ },
    { in: '127.0.0.1', wantErr: /not host:port/ },
    { in: '::1:9733', wantErr: /not host:port/ },
    { in: '[127.0.0.1]:9733', wantErr: /not an IPv6/ },
    { in: '127.0.0.1:65536', wantErr: /0-65535/ },
    { in: 'bad_host:80', wantErr: /not an IP address or host name/ },
  ];
  for (const c of cases) {
    if (c.wantErr) t.throws(() => parseListenAddress(c.in), { code: 'EMETRICSLISTEN', message: c.wantErr }, c.in);
    else t.same(parseListenAddress(c.in), c.want, c.in);
  }
});

t.test('metrics command: every metric from the daemon and the other features', async (t) => {
  const log = pino({ level: 'silent' });
  const garps = new AnnounceCounters();
  garps.of('web', 'lo').request = 5;
  garps.of('web', 'lo').reply = 4;
  garps.of('web', 'lo').na = 3;
  garps.of('web', 'lo').cancelled = 1;
  garps.roundsHeld = 2;
  const conflicts = { frames: 7, pairs: 2, defencesSent: 1, handovers: 3, splitBrains: 4 };
  const control = { clients: 3, refusedClients: 2, evictedClients: 40 };
  const daemon = await startDaemon(
    snapshot(),
    new RecordingConn(),
    (p) => [new MetricsFeature({ ...p, daemon: p, sources: { garps: () => garps, conflicts: () => conflicts, control: () => control } })],
    { log },
  );
  t.teardown(() => daemon.stop());
  const counts = daemon.links.get('lo')!.responder.counts;
  counts.answered = 10;
  counts['not-master'] = 3;
  counts['malformed:short'] = 2;
  daemon.links.get('lo')!.responder.txDropped = 1;
  daemon.links.get('lo')!.sendErrors['ENETDOWN'] = 3;
  daemon.links.get('lo')!.flaps = 2;
  daemon.setRole('mail', 'MASTER', 'control');
  daemon.setRole('mail', 'MASTER', 'control'); // not a transition
  daemon.reloads.emit('reload-finished', { ok: false, generation: 1, error: 'x' });

  const text = (await daemon.commands.run('metrics', [])) as string;
  const e = parseExposition(text);
  const cases: Array<[string, Record<string, string>, number]> = [
    ['vip_arpd_frames_total', { iface: 'lo' }, 15],
    ['vip_arpd_frames_total', { iface: 'lo', outcome: 'answered' }, 10],
    ['vip_arpd_frames_total', { iface: 'lo', outcome: 'malformed:short' }, 2],
    ['vip_arpd_replies_sent_total', { iface: 'lo' }, 9],
    ['vip_arpd_tx_dropped_total', { iface: 'lo' }, 1],
    ['vip_arpd_send_errors_total', { iface: 'lo', code: 'ENETDOWN' }, 3],
    ['vip_arpd_link_flaps_total', { iface: 'lo' }, 2],
    ['vip_arpd_garp_frames_total', { group: 'web', form: 'request' }, 5],
    ['vip_arpd_garp_frames_total', { group: 'web', form: 'reply' }, 4],
    ['vip_arpd_garp_frames_total', { group: 'web', form: 'na' }, 3],
    ['vip_arpd_garp_frames_dropped_total', { group: 'web', reason: 'cancelled' }, 1],
    ['vip_arpd_conflict_frames_total', {}, 7],
    ['vip_arpd_conflict_pairs', {}, 2],
    ['vip_arpd_defences_sent_total', {}, 1],
    ['vip_arpd_control_clients', {}, 3],
    ['vip_arpd_control_clients_closed_total', { reason: 'evicted' }, 40],
    ['vip_arpd_control_clients_closed_total', { reason: 'refused' }, 2],
    ['vip_arpd_handovers_total', {}, 3],
    ['vip_arpd_split_brains_total', {}, 4],
    ['vip_arpd_garp_rounds_held_total', {}, 2],
    ['vip_arpd_role_transitions_total', { group: 'mail', from: 'BACKUP', to: 'MASTER' }, 1],
    ['vip_arpd_role_transitions_total', {}, 1],
    ['vip_arpd_group_vips', { group: 'web' }, 2],
    ['vip_arpd_group_vips', { group: 'mail' }, 1],
    ['vip_arpd_group_role', { group: 'mail', role: 'MASTER' }, 1],
    ['vip_arpd_group_role', { group: 'mail', role: 'BACKUP' }, 0],
    ['vip_arpd_group_role', { group: 'web', role: 'MASTER' }, 1],
    ['vip_arpd_config_generation', {}, 1],
    ['vip_arpd_config_reloads_total', { result: 'failed' }, 1],
    ['vip_arpd_config_reloads_total', { result: 'ok' }, 0],
    ['vip_arpd_config_last_reload_successful', {}, 0],
  ];
  for (const [name, labels, want] of cases) t.equal(e.sum(name, labels), want, `${name}${JSON.stringify(labels)} = ${want}`);
  t.equal(e.types.get('vip_arpd_frames_total'), 'counter');
  t.equal(e.types.get('vip_arpd_group_role'), 'gauge');
  t.ok(e.types.has('process_cpu_user_seconds_total') && e.types.has('nodejs_eventloop_lag_seconds'), 'default process and Node.js metrics');
  t.rejects(daemon.commands.run('metrics', ['x']), { code: 'EUSAGE' });
});

t.test('HTTP listener: /metrics with the exposition content type, 404 elsewhere, follows reloads', async (t) => {
  const log = pino({ level: 'silent' });
  let http!: MetricsHttpFeature;
  const daemon = await startDaemon(
    snapshot({ listen: '127.0.0.1:0' }),
    new RecordingConn(),
    (p) => {
      const metrics = new MetricsFeature({ ...p, daemon: p });
      return [metrics, (http = new MetricsHttpFeature(metrics, p.config, log))];
    },
    { log },
  );
  t.teardown(() => daemon.stop());
  const base = `http://${http.address}`;
  const ok = await fetch(`${base}/metrics`);
  t.equal(ok.status, 200);
  t.equal(ok.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  t.equal(parseExposition(await ok.text()).sum('vip_arpd_group_vips'), 3, 'parsed as exposition');
  t.equal((await fetch(`${base}/`)).status, 404);
  t.equal((await fetch(`${base}/metrics/x`)).status, 404);
  t.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
  const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
  t.equal(head.status, 200);

  daemon.apply(snapshot({ listen: '' }));
  await t.resolveMatch(
    waitUntil(() => http.address === undefined),
    true,
    'a reload that clears metrics.listen closes the listener',
  );
  await t.rejects(fetch(`${base}/metrics`), 'old address no longer answers');
  daemon.apply(snapshot({ listen: '127.0.0.1:0' }));
  await waitUntil(() => http.address !== undefined);
  t.equal((await fetch(`http://${http.address}/metrics`)).status, 200, 'a reload that sets it opens it again');
});

t.test('HTTP listener on a taken port: logged, the daemon keeps running', async (t) => {
  const lines: Array<{ msg: string }> = [];
  const log = pino({ level: 'error' }, { write: (s: string) => lines.push(JSON.parse(s) as { msg: string }) });
  let a!: MetricsHttpFeature;
  let b!: MetricsHttpFeature;
  const withHttp = (set: (f: MetricsHttpFeature) => MetricsHttpFeature) => (p: Ports<InterfaceLink>) => {
    const metrics = new MetricsFeature({ ...p, daemon: p });
    return [metrics, set(new MetricsHttpFeature(metrics, p.config, log))];
  };
  const d1 = await startDaemon(
    snapshot({ listen: '127.0.0.1:0' }),
    new RecordingConn(),
    withHttp((f) => (a = f)),
    { log },
  );
  t.teardown(() => d1.stop());
  const d2 = await startDaemon(
    snapshot({ listen: a.address! }),
    new RecordingConn(),
    withHttp((f) => (b = f)),
    { log },
  );
  t.teardown(() => d2.stop());
  t.equal(b.address, undefined, 'not listening');
  t.ok(
    lines.some((l) => l.msg.startsWith('cannot open the metrics listener')),
    'error logged',
  );
});

t.test('log-level command changes the root and every child logger', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const daemon = await startDaemon(snapshot(), new RecordingConn(), (p) => [new LogLevelFeature(p)], { log });
  t.teardown(() => daemon.stop());
  const child = log.child({ iface: 'lo' }).child({ group: 'web' });
  child.debug('hidden');
  t.same(await daemon.commands.run('log-level', []), { level: 'info' }, 'without an argument it shows the level');
  t.same(await daemon.commands.run('log-level', ['debug']), { level: 'debug', previous: 'info' });
  child.debug('shown');
  t.ok(
    lines.some((l) => l.msg === 'shown' && l.group === 'web'),
    'a grandchild logger follows',
  );
  t.notOk(lines.some((l) => l.msg === 'hidden'));
  t.ok(
    lines.some((l) => l.msg === 'log level changed' && l.to === 'debug' && l.source === 'control'),
    'the change is logged',
  );
  await t.rejects(daemon.commands.run('log-level', ['loud']), { code: 'EBADLEVEL', message: /one of fatal, error, warn, info, debug, trace, silent/ });
  await t.rejects(daemon.commands.run('log-level', ['a', 'b']), { code: 'EUSAGE' });

  daemon.apply(snapshot({ logLevel: 'warn' }));
  t.equal(log.level, 'warn', 'a reload that changes log.level applies it');
  await daemon.commands.run('log-level', ['debug']);
  daemon.apply(snapshot({ logLevel: 'warn' }));
  t.equal(log.level, 'debug', 'a reload that leaves log.level alone keeps the runtime level');
});

async function waitUntil(fn: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
