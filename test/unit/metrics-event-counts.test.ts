import t from 'tap';
import { EventCounts } from '../../src/metrics/event-counts.js';

t.test('EventCounts counts role transitions per (group, from, to), not same-role changes', async (t) => {
  const e = new EventCounts();
  e.roleChanged({ group: 'web', from: 'BACKUP', to: 'MASTER', source: 'control' });
  e.roleChanged({ group: 'web', from: 'BACKUP', to: 'MASTER', source: 'keepalived' });
  e.roleChanged({ group: 'web', from: 'MASTER', to: 'MASTER', source: 'control' });
  e.roleChanged({ group: 'mail', from: 'MASTER', to: 'FAULT', source: 'keepalived' });
  t.same(
    [...e.roleTransitions.values()],
    [
      { group: 'web', from: 'BACKUP', to: 'MASTER', count: 2 },
      { group: 'mail', from: 'MASTER', to: 'FAULT', count: 1 },
    ],
  );
});

t.test('EventCounts counts reloads by result and remembers the last one', async (t) => {
  const e = new EventCounts();
  t.equal(e.lastReloadOk, true, 'no reload yet counts as ok');
  e.reloadFinished({ ok: false, generation: 1, error: 'bad' });
  t.same(e.reloads, { ok: 0, failed: 1 });
  t.equal(e.lastReloadOk, false);
  e.reloadFinished({ ok: true, generation: 2 });
  t.same(e.reloads, { ok: 1, failed: 1 });
  t.equal(e.lastReloadOk, true);
});
