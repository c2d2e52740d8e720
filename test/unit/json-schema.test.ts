import t from 'tap';
import { readFileSync } from 'node:fs';
import { OUTCOMES } from '../../src/responder/outcome.js';
import { MALFORMED_REASONS } from '../../src/wire/arp.js';

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
