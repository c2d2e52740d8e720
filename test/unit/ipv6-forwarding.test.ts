import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipv6Forwarding } from '../../src/iface/ipv6-forwarding.js';

t.test('reads net.ipv6.conf.<iface>.forwarding; unreadable is false', async (t) => {
  const root = t.testdir();
  for (const [iface, value] of [
    ['eth0', '1\n'],
    ['eth1', '0\n'],
  ] as const) {
    mkdirSync(join(root, iface));
    writeFileSync(join(root, iface, 'forwarding'), value);
  }
  t.equal(ipv6Forwarding('eth0', root), true);
  t.equal(ipv6Forwarding('eth1', root), false);
  t.equal(ipv6Forwarding('eth9', root), false);
});
