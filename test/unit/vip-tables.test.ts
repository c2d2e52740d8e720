// The IPv4 and the IPv6 VIP table answer the same questions the same way
// (family-vip-table.ts): one set of assertions, run for each family.
import t from 'tap';
import { VipTable } from '../../src/vips/vip-table.js';
import { Ipv6VipTable } from '../../src/vips/ipv6-vip-table.js';
import { compareWords } from '../../src/vips/address-words.js';
import type { FamilyGroupVips, FamilyVipTable, InterfaceLookup } from '../../src/vips/family-vip-table.js';
import type { GroupState } from '../../src/vips/group-state.js';
import { formatIpv4, parseIpv4 } from '../../src/wire/ipv4.js';
import { formatIpv6, parseIpv6 } from '../../src/wire/ipv6.js';

/** What the assertions need of a family: its table, and addresses as the table takes them. */
interface Family<A> {
  name: string;
  /** the table of `sets`, each tagged with the family */
  table(sets: ReadonlyArray<Omit<FamilyGroupVips, 'family'>>): FamilyVipTable<A, FamilyGroupVips, InterfaceLookup<A>>;
  addr(text: string): A;
  /** sorted, unique rows of the family */
  rows(...texts: string[]): Uint32Array;
  texts(rows: Uint32Array): string[];
  /** three addresses, ascending */
  a: string;
  b: string;
  c: string;
}

const ipv4: Family<number> = {
  name: 'IPv4',
  table: (sets) => new VipTable(sets.map((s) => ({ ...s, family: 'ipv4' }))),
  addr: (text) => parseIpv4(text)!,
  rows: (...texts) => Uint32Array.from(texts.map((x) => parseIpv4(x)!)).sort(),
  texts: (rows) => Array.from(rows, formatIpv4),
  a: '198.51.100.1',
  b: '198.51.100.2',
  c: '198.51.100.3',
};

const ipv6: Family<Uint32Array> = {
  name: 'IPv6',
  table: (sets) => new Ipv6VipTable(sets.map((s) => ({ ...s, family: 'ipv6' }))),
  addr: (text) => {
    const out = new Uint32Array(4);
    parseIpv6(text, out);
    return out;
  },
  rows: (...texts) => {
    const sorted = texts.map(ipv6.addr).sort((x, y) => compareWords(x, 0, y, 0, 4));
    const out = new Uint32Array(sorted.length * 4);
    sorted.forEach((x, i) => {
      out.set(x, 4 * i);
    });
    return out;
  },
  texts: (rows) => Array.from({ length: rows.length / 4 }, (_, i) => formatIpv6(rows.subarray(4 * i, 4 * i + 4))),
  a: '2001:db8::1',
  b: '2001:db8::2',
  c: '2001:db8::3',
};

function lookups<A>(f: Family<A>): void {
  t.test(`${f.name} VipTable looks up by interface and address`, async (t) => {
    const web: GroupState = { name: 'web', role: 'MASTER', mac: undefined };
    const mail: GroupState = { name: 'mail', role: 'BACKUP', mac: undefined };
    const empty: GroupState = { name: 'empty', role: 'MASTER', mac: undefined };
    const table = f.table([
      { group: web, iface: 'eth0', ips: f.rows(f.a) },
      { group: mail, iface: 'eth1', ips: f.rows(f.a, f.b) },
      { group: empty, iface: 'eth2', ips: f.rows() },
    ]);
    t.equal(table.groupOf('eth0', f.addr(f.a)), web);
    t.equal(table.groupOf('eth1', f.addr(f.a)), mail);
    t.equal(table.groupOf('eth0', f.addr(f.b)), undefined);
    t.equal(table.groupOf('eth9', f.addr(f.a)), undefined);
    t.ok(table.isVip(f.addr(f.b)));
    t.notOk(table.isVip(f.addr(f.c)));
    t.equal(table.size, 3);
    t.equal(table.forInterface('eth2'), undefined, 'an interface without VIPs has no table');
    t.same(f.texts(table.vipsOf('mail')!.ips), [f.a, f.b]);
    t.equal(table.vipsOf('empty'), undefined);
    t.ok(table.hasGroup('empty'));
    t.same(
      table.bindingsOfVip(f.addr(f.a)).map((b) => [b.iface, b.group.name]),
      [
        ['eth0', 'web'],
        ['eth1', 'mail'],
      ],
    );
    t.throws(
      () =>
        f.table([
          { group: web, iface: 'eth0', ips: f.rows(f.a) },
          { group: mail, iface: 'eth0', ips: f.rows(f.a) },
        ]),
      /two groups on interface eth0: "web" and "mail"/,
    );
    t.throws(
      () =>
        f.table([
          { group: web, iface: 'eth0', ips: f.rows() },
          { group: web, iface: 'eth1', ips: f.rows() },
        ]),
      /listed twice/,
    );
  });
}

lookups(ipv4);
lookups(ipv6);
