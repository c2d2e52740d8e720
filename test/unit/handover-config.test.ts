// diagnostics.handoverGraceMs: the default, and bad values refused with the
// place and what is allowed (the setting is read by the conflict monitor).
import t from 'tap';
import { loadConfig } from '../../src/config/load-config.js';
import { HANDOVER_GRACE_MS, MAX_HANDOVER_GRACE_MS } from '../../src/config/schema.js';

const load = (diagnostics: unknown) => loadConfig({ file: '/etc/vip-arpd/vip-arpd.json', text: JSON.stringify({ diagnostics }, null, 2), env: {} });

t.test('diagnostics.handoverGraceMs defaults to 2 s and takes 0-60000', async (t) => {
  t.equal(load({}).diagnostics.handoverGraceMs, HANDOVER_GRACE_MS);
  t.equal(HANDOVER_GRACE_MS, 2000);
  for (const ok of [0, 150, MAX_HANDOVER_GRACE_MS]) t.equal(load({ handoverGraceMs: ok }).diagnostics.handoverGraceMs, ok, `${ok} accepted`);
});

t.test('diagnostics.handoverGraceMs refuses what is not 0-60000 whole ms, naming file and line', async (t) => {
  // (A quoted number, "1500", is read as its number, as for every number in the config.)
  for (const bad of [-1, 1.5, MAX_HANDOVER_GRACE_MS + 1, 'soon', null, true, [2000]]) {
    t.throws(
      () => load({ handoverGraceMs: bad }),
      {
        code: 'EINVALIDCONFIG',
        message: /^\/etc\/vip-arpd\/vip-arpd\.json:3:\d+: diagnostics\.handoverGraceMs: must be a whole number of milliseconds, 0-60000/,
      },
      `${JSON.stringify(bad)} refused`,
    );
  }
});
