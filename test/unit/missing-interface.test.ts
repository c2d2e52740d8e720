// A configured interface that does not exist (yet) is waited for and
// reported, at start and on reload: no throw, status shows it, STATUS= says so.
import t from 'tap';
import { configWith, RecordingConn, snapshotOf } from './daemon-fixture.js';
import { startDaemon } from './lo-daemon-fixture.js';
import { statusOf } from '../../src/control/core-commands.js';
import { statusLine } from '../../src/systemd/status-line.js';
import { missingInterfaceWarnings } from '../../src/iface/missing-interfaces.js';

/** No host has this interface (names are ≤ 15 characters). */
const NOPE = 'vipnope0';

interface IfaceRow {
  name: string;
  present: boolean;
  state: string;
  missingSince?: string;
}

t.test('a missing interface at start: the daemon starts, answers the others, and status says missing', async (t) => {
  const daemon = await startDaemon(
    configWith([
      { name: 'web', interface: 'lo', vips: ['198.51.100.1'] },
      { name: 'late', interface: NOPE, vips: ['198.51.100.2'] },
    ]),
    new RecordingConn(),
  );
  t.teardown(() => daemon.stop());
  const rows = statusOf(daemon)['interfaces'] as IfaceRow[];
  t.match(
    rows.find((r) => r.name === NOPE),
    { present: false, state: 'missing', missingSince: String },
  );
  t.match(
    rows.find((r) => r.name === 'lo'),
    { present: true, state: 'up' },
  );
  t.equal(daemon.links.get(NOPE)?.phase, 'missing');
});

t.test('a reload naming a missing interface is applied and the interface reported', async (t) => {
  const daemon = await startDaemon(configWith([{ name: 'web', interface: 'lo', vips: ['198.51.100.1'] }]), new RecordingConn());
  t.teardown(() => daemon.stop());
  daemon.apply(
    snapshotOf(
      configWith([
        { name: 'web', interface: 'lo', vips: ['198.51.100.1'] },
        { name: 'late', interface: NOPE, vips: ['198.51.100.2'] },
      ]),
    ),
  );
  const rows = statusOf(daemon)['interfaces'] as IfaceRow[];
  t.match(
    rows.find((r) => r.name === NOPE),
    { present: false, state: 'missing' },
    'listed as missing, not left out',
  );
});

t.test('statusLine ends with the interfaces waited for', async (t) => {
  t.equal(
    statusLine({ groups: [{ name: 'web', role: 'MASTER' }], vips: 2, interfaces: 2, conflicts: 0, missingInterfaces: ['bond0.100'] }),
    'MASTER web; 2 VIPs on 2 interfaces; waiting for interface bond0.100; 0 conflicts',
  );
  t.equal(
    statusLine({ groups: [], vips: 0, interfaces: 6, missingInterfaces: ['a', 'b', 'c', 'd', 'e', 'f'] }),
    'no groups; 0 VIPs on 6 interfaces; waiting for interfaces a, b, c, d +2',
  );
  t.equal(statusLine({ groups: [], vips: 0, interfaces: 1, missingInterfaces: [] }), 'no groups; 0 VIPs on 1 interface');
});

t.test('missingInterfaceWarnings names each missing interface once, with its groups', async (t) => {
  const groups = [
    { name: 'a', interface: 'eth0' },
    { name: 'b', interface: 'eth9' },
    { name: 'c', interface: 'eth9' },
  ];
  t.same(
    missingInterfaceWarnings(groups, (i) => i === 'eth0'),
    [
      'interface "eth9" (groups "b", "c") does not exist now; the daemon waits for it and answers its VIPs once it appears (check groups[].interface if it is not created later)',
    ],
  );
  t.same(
    missingInterfaceWarnings(groups, () => true),
    [],
  );
});
