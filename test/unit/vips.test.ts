import t from 'tap';
import { expandVipEntries, parseVipEntry, type VipEntry } from '../../src/vips/vip-spec.js';
import { VipTable } from '../../src/vips/vip-table.js';
import { formatIpv4, parseIpv4 } from '../../src/wire/ipv4.js';
import type { GroupState } from '../../src/vips/group-state.js';

const ip = (s: string): number => parseIpv4(s)!;

const good: Array<{ input: string; want: VipEntry }> = [
  { input: '198.51.100.7', want: { exclude: false, first: ip('198.51.100.7'), last: ip('198.51.100.7') } },
  { input: ' 198.51.100.7 ', want: { exclude: false, first: ip('198.51.100.7'), last: ip('198.51.100.7') } },
  { input: '198.51.100.0/30', want: { exclude: false, first: ip('198.51.100.0'), last: ip('198.51.100.3') } },
  { input: '198.51.0.0/16', want: { exclude: false, first: ip('198.51.0.0'), last: ip('198.51.255.255') } },
  { input: '198.51.100.10-198.51.100.20', want: { exclude: false, first: ip('198.51.100.10'), last: ip('198.51.100.20') } },
  { input: '!198.51.100.9', want: { exclude: true, first: ip('198.51.100.9'), last: ip('198.51.100.9') } },
  { input: '!198.51.100.8/29', want: { exclude: true, first: ip('198.51.100.8'), last: ip('198.51.100.15') } },
];
for (const c of good) {
  t.test(`parseVipEntry accepts "${c.input}"`, async (t) => {
    t.same(parseVipEntry(c.input), { ok: true, entry: c.want });
  });
}

const bad: Array<{ input: string; wantErr: RegExp }> = [
  { input: '', wantErr: /empty/ },
  { input: '!', wantErr: /empty/ },
  { input: '198.51.100', wantErr: /not an IPv4/ },
  { input: '198.51.100.1/33', wantErr: /prefix length/ },
  { input: '198.51.100.1/x', wantErr: /prefix length/ },
  { input: '10.0.0.0/8', wantErr: /larger than \/16/ },
  { input: '198.51.100.1/24', wantErr: /did you mean 198\.51\.100\.0\/24/ },
  { input: '198.51.100.20-198.51.100.10', wantErr: /below its start/ },
  { input: '198.0.0.0-198.2.0.0', wantErr: /at most 65536/ },
  { input: '198.51.100.1-', wantErr: /two IPv4 addresses/ },
  { input: 'vip.example', wantErr: /not an IPv4/ },
];
for (const c of bad) {
  t.test(`parseVipEntry rejects "${c.input}"`, async (t) => {
    const r = parseVipEntry(c.input);
    t.equal(r.ok, false);
    if (!r.ok) t.match(r.message, c.wantErr);
  });
}

t.test('expandVipEntries applies exclusions whatever their order', async (t) => {
  const entries = ['!198.51.100.2', '198.51.100.0/30', '198.51.100.10', '!198.51.100.10'].map((s) => {
    const r = parseVipEntry(s);
    if (!r.ok) throw new Error(r.message);
    return r.entry;
  });
  t.same(expandVipEntries(entries).map(formatIpv4), ['198.51.100.0', '198.51.100.1', '198.51.100.3']);
});

t.test('expandVipEntries of a /16 minus a /24 leaves 65280 addresses', async (t) => {
  const e = (s: string): VipEntry => (parseVipEntry(s) as { entry: VipEntry }).entry;
  t.equal(expandVipEntries([e('198.51.0.0/16'), e('!198.51.100.0/24')]).length, 65280);
});

t.test('VipTable looks up by interface and address', async (t) => {
  const web: GroupState = { name: 'web', role: 'MASTER', mac: undefined };
  const mail: GroupState = { name: 'mail', role: 'BACKUP', mac: undefined };
  const table = new VipTable();
  table.add('eth0', ip('198.51.100.1'), web);
  table.add('eth1', ip('198.51.100.1'), mail);
  table.add('eth1', ip('198.51.100.2'), mail);
  t.equal(table.lookup('eth0', ip('198.51.100.1'))?.group, web);
  t.equal(table.lookup('eth1', ip('198.51.100.1'))?.group, mail);
  t.equal(table.lookup('eth0', ip('198.51.100.2')), undefined);
  t.ok(table.isVip(ip('198.51.100.2')));
  t.notOk(table.isVip(ip('198.51.100.3')));
  t.equal(table.size, 3);
  t.same(table.bindingsOf('mail').map((b) => formatIpv4(b.ip)), ['198.51.100.1', '198.51.100.2']);
  t.throws(() => table.add('eth0', ip('198.51.100.1'), mail), /two groups on interface eth0: "web" and "mail"/);
});
