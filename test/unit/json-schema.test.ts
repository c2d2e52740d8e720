import t from 'tap';
import { readFileSync } from 'node:fs';
import { OUTCOMES } from '../../src/responder/outcome.js';
import { MALFORMED_REASONS } from '../../src/wire/arp.js';
import type { FastPathMode } from '../../src/fastpath/fast-path-report.js';
import { XDP_VERDICTS } from '../../src/fastpath/xdp-counters.js';

const status = JSON.parse(readFileSync(new URL('../../docs/schema/status.schema.json', import.meta.url), 'utf8'));
const counts = status.properties.interfaces.items.properties.counts;

t.test('status.schema.json names every outcome the responder counts, and no other', async (t) => {
  const named = OUTCOMES.filter((o) => !o.startsWith('malformed:'));
  t.same([...counts.required].sort(), [...named].sort(), 'required outcomes');
  t.same(Object.keys(counts.properties).sort(), [...named].sort(), 'outcome properties');
  const pattern = new RegExp(Object.keys(counts.patternProperties)[0]!);
  for (const r of MALFORMED_REASONS) t.ok(pattern.test(`malformed:${r}`), `malformed:${r} matches the pattern`);
  t.equal(counts.additionalProperties, false, 'an unknown outcome fails validation');
});

t.test('status.schema.json names every XDP verdict the program counts, and no other', async (t) => {
  const fastPath = status.properties.fastPath.items;
  const xdpCounts = fastPath.properties.counts;
  t.same(xdpCounts.required, [...XDP_VERDICTS], "required verdicts, in the program's order");
  t.same(Object.keys(xdpCounts.properties), [...XDP_VERDICTS], 'verdict properties');
  t.equal(xdpCounts.additionalProperties, false, 'an unknown verdict fails validation');
  const modes: Record<FastPathMode, true> = { 'xdp-native': true, 'xdp-generic': true, af_packet: true };
  t.same([...fastPath.properties.mode.enum].sort(), Object.keys(modes).sort(), 'every mode');
  t.ok(status.required.includes('fastPath'), 'always present: the XDP feature is always started');
});
