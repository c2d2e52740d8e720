// Make-before-break handovers between two vip-arpd directors (issue 10 item 6,
// issue 16 item 5): keepalived's hooks may run `takeover` on the new MASTER
// before `release` on the old one. In that window the old MASTER must neither
// defend against the new one's gratuitous ARP nor send its own scheduled
// rounds: in a capture on the client, after the new MASTER's first GARP no
// frame from the old one claims the VIP, and the client's entry ends on the
// new one — with and without `diagnostics.peers`. A real split brain (the old
// MASTER never releases) is defended after the grace and reported.
//
// HANDOVERS (default 10 per variant, to keep CI short; issue 16 item 5's goal
// is 50: HANDOVERS=50 node scripts/run-tests.mjs test/e2e/handover).
import t from 'tap';
import { sendRequest } from '../../src/control/client.js';
import { parseExposition } from './exposition.js';
import { neighbour, skipUnlessRoot, sleep, startCapture } from './lab.js';
import {
  createHandoverLab,
  describeLate,
  HANDOVER_VIP,
  judgeHandovers,
  runHandovers,
  startHandoverDirector,
  type DirectorName,
  type HandoverDirector,
} from './lab-handover.js';

const HANDOVERS = Number(process.env['HANDOVERS'] ?? 10);
/**
 * Both directors refresh every 200 ms: the old MASTER then has a scheduled
 * round due in most 50-200 ms windows, so a round that is not held shows in
 * nearly every handover (with the default refresh off issue 16 item 5 saw it
 * in 1 of 20).
 */
const GARP = { refreshMs: 200 };
/**
 * One defence per second per VIP at most: the handovers are ~2 s apart, so
 * the RFC 5227 10 s interval would hide a defence in most of them.
 */
const DEFEND_INTERVAL_MS = 1000;
/** Past the client's 1 s locktime, and long enough for a defence fight to show. */
const SETTLE_MS = 1500;
/** The default `diagnostics.handoverGraceMs`. */
const DEFAULT_GRACE_MS = 2000;

/** 50-200 ms between takeover and release, spread over the handovers. */
const gapMs = (i: number): number => 50 + ((i * 37) % 151);

for (const withPeers of [false, true]) {
  t.test(
    `${HANDOVERS} make-before-break handovers ${withPeers ? 'with' : 'without'} diagnostics.peers: the old MASTER is silent after the new one's first GARP`,
    async (t) => {
      if (skipUnlessRoot(t, ['tshark', 'ping'])) return;
      const lab = await createHandoverLab(t);
      const macs = { a: lab.mac('a'), b: lab.mac('b') };
      const diagnostics = (peer: DirectorName) => ({ defendIntervalMs: DEFEND_INTERVAL_MS, ...(withPeers ? { peers: [macs[peer]] } : {}) });
      const directors: Record<DirectorName, HandoverDirector> = {
        a: await startHandoverDirector(lab, 'a', { initialRole: 'master', garp: GARP, diagnostics: diagnostics('b') }),
        b: await startHandoverDirector(lab, 'b', { initialRole: 'backup', garp: GARP, diagnostics: diagnostics('a') }),
      };
      t.equal((await lab.exec('c', 'ping', ['-c', '1', '-W', '2', HANDOVER_VIP])).code, 0, 'the client reaches the VIP on A');
      t.equal((await neighbour(lab, 'c', HANDOVER_VIP))?.mac, macs.a, "the client's entry starts on A");

      const cap = await startCapture(lab, 'c', 'eth0', 'arp');
      const records = await runHandovers(lab, directors, { count: HANDOVERS, gapMs, settleMs: SETTLE_MS });
      const frames = await cap.stop();
      const verdicts = judgeHandovers(frames, records, macs);

      const unseen = verdicts.filter((v) => v.firstGarpAt === undefined).length;
      t.equal(unseen, 0, "the capture holds the new MASTER's GARP of every handover");
      const fought = verdicts.filter((v) => v.late.length > 0);
      t.comment(`${fought.length} of ${HANDOVERS} handovers: the old MASTER sent a frame claiming the VIP after the new MASTER's first GARP`);
      for (const v of fought) t.comment(`  ${v.record.from}→${v.record.to}: ${describeLate(v).join('; ')}`);
      t.equal(fought.length, 0, "no frame from the old MASTER claims the VIP after the new MASTER's first GARP");
      const wrongEnd = verdicts.filter((v) => v.record.clientMac !== macs[v.record.to]);
      t.equal(
        wrongEnd.length,
        0,
        `the client's entry ends on the new MASTER in every handover (${wrongEnd.map((v) => `${v.record.from}→${v.record.to}: ${v.record.clientMac}`).join(', ')})`,
      );
      for (const d of Object.values(directors)) {
        const counters = ((await d.ctl('status')) as { conflicts: { counters: Record<string, number> } }).conflicts.counters;
        t.match(counters, { defencesSent: 0, splitBrains: 0 }, `${d.host}: no defence, no split brain`);
        t.ok((counters['handovers'] ?? 0) >= Math.floor(HANDOVERS / 2), `${d.host}: ${counters['handovers']} handovers counted (it released in half of them)`);
      }
    },
  );
}

t.test('split brain: the old MASTER never releases: it defends once the grace is over, and reports it', async (t) => {
  if (skipUnlessRoot(t, ['tshark', 'ping'])) return;
  const lab = await createHandoverLab(t);
  const macs = { a: lab.mac('a'), b: lab.mac('b') };
  // One request-form GARP per round, no delayed block: every frame from A after B's is a defence.
  const garp = { mode: 'request', count: 1, delayMs: 0 };
  const a = await startHandoverDirector(lab, 'a', { initialRole: 'master', garp });
  const b = await startHandoverDirector(lab, 'b', { initialRole: 'backup', garp });
  t.equal((await lab.exec('c', 'ping', ['-c', '1', '-W', '2', HANDOVER_VIP])).code, 0, 'the client reaches the VIP on A');

  const cap = await startCapture(lab, 'c', 'eth0', 'arp');
  await b.ctl('takeover', 'web');
  const line = await a.daemon.waitForLog((l) => /^split brain/.test(l.msg ?? ''), DEFAULT_GRACE_MS + 3000);
  t.match(
    line,
    { level: 40, group: 'web', vip: HANDOVER_VIP, mac: macs.b, graceMs: DEFAULT_GRACE_MS, defence: 'sent' },
    "A logs the split brain naming B's MAC",
  );
  // Read at once: B's own grace (opened by A's defence) runs out 2 s later and the fight goes on, rate-limited.
  const status = (await a.ctl('status')) as { conflicts: { splitBrains: Array<Record<string, unknown>>; counters: Record<string, number> } };
  t.match(status.conflicts.splitBrains, [{ group: 'web', vip: HANDOVER_VIP, mac: macs.b }], 'status lists the split brain');
  t.ok(
    status.conflicts.counters['splitBrains']! >= 1 && status.conflicts.counters['defencesSent']! >= 1,
    `status counts it: ${JSON.stringify(status.conflicts.counters)}`,
  );
  const conflicts = (await a.ctl('conflicts')) as { conflicts: Array<Record<string, unknown>> };
  t.match(
    conflicts.conflicts.find((c) => c['mac'] === macs.b),
    { splitBrain: String },
    'conflicts marks the pair as a split brain',
  );
  const metrics = await sendRequest(a.socket, 'metrics', [], 5000);
  const counted = metrics.ok ? parseExposition(String(metrics.data)).sum('vip_arpd_split_brains_total') : 0;
  t.ok(counted >= 1, `vip_arpd_split_brains_total counts it (${counted})`);

  await sleep(300);
  const frames = await cap.stop();
  const firstB = frames.find((f) => f.senderMac === macs.b && f.senderIp === HANDOVER_VIP);
  const fromA = frames.filter((f) => firstB !== undefined && f.time > firstB.time && f.senderMac === macs.a && f.senderIp === HANDOVER_VIP);
  t.ok(firstB, 'B announced');
  t.ok(fromA.length >= 1, `A defended (${fromA.length} frame(s))`);
  const after = fromA.length > 0 && firstB !== undefined ? (fromA[0]!.time - firstB.time) * 1000 : NaN;
  t.ok(
    after >= DEFAULT_GRACE_MS - 50 && after <= DEFAULT_GRACE_MS + 1000,
    `A's first frame after B's GARP came ${after.toFixed(0)} ms later, once the ${DEFAULT_GRACE_MS} ms grace was over`,
  );
});
