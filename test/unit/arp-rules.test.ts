import t from 'tap';
import { isMartianSender, linkDrop, PACKET_OTHERHOST } from '../../src/responder/arp-rules.js';
import { parseIpv4 } from '../../src/wire/ipv4.js';
import { parseMac, writeMac } from '../../src/wire/mac.js';

const IFACE_MAC = parseMac('02:00:00:00:00:01')!;

const martians: Array<{ ip: string; martian: boolean }> = [
  { ip: '0.0.0.0', martian: false }, // the RFC 5227 probe is answered
  { ip: '0.0.0.1', martian: true },
  { ip: '0.255.255.255', martian: true },
  { ip: '1.0.0.0', martian: false },
  { ip: '126.255.255.255', martian: false },
  { ip: '127.0.0.0', martian: true },
  { ip: '127.255.255.255', martian: true },
  { ip: '128.0.0.0', martian: false },
  { ip: '192.0.2.255', martian: false }, // a subnet broadcast: the kernel answers it unless rp_filter is on
  { ip: '223.255.255.255', martian: false },
  { ip: '224.0.0.0', martian: true },
  { ip: '239.255.255.255', martian: true },
  { ip: '240.0.0.0', martian: true },
  { ip: '255.255.255.254', martian: true },
  { ip: '255.255.255.255', martian: true },
];

for (const c of martians) {
  t.test(`isMartianSender(${c.ip}) is ${c.martian}`, async (t) => {
    t.equal(isMartianSender(parseIpv4(c.ip)!), c.martian);
  });
}

function frameTo(dst: string): Buffer {
  const buf = Buffer.alloc(42);
  writeMac(buf, 0, parseMac(dst)!);
  return buf;
}

const links: Array<{ desc: string; packetType: number; vlanTag: number; dst: string; want: ReturnType<typeof linkDrop> }> = [
  { desc: 'an untagged broadcast', packetType: 1, vlanTag: -1, dst: 'ff:ff:ff:ff:ff:ff', want: undefined },
  { desc: 'an untagged unicast to us', packetType: 0, vlanTag: -1, dst: '02:00:00:00:00:01', want: undefined },
  { desc: 'a multicast', packetType: 2, vlanTag: -1, dst: '01:00:5e:00:00:01', want: undefined },
  { desc: 'a priority tag (VID 0, PCP 0)', packetType: 1, vlanTag: 0, dst: 'ff:ff:ff:ff:ff:ff', want: undefined },
  { desc: 'a priority tag (VID 0, PCP 7, DEI)', packetType: 1, vlanTag: 0xf000, dst: 'ff:ff:ff:ff:ff:ff', want: undefined },
  { desc: 'a tag with VID 1', packetType: 1, vlanTag: 1, dst: 'ff:ff:ff:ff:ff:ff', want: 'foreign-vlan' },
  { desc: 'a tag with VID 100 and PCP 5', packetType: 0, vlanTag: 0xa064, dst: '02:00:00:00:00:01', want: 'foreign-vlan' },
  { desc: 'OTHERHOST broadcast (tag removed by the kernel)', packetType: PACKET_OTHERHOST, vlanTag: -1, dst: 'ff:ff:ff:ff:ff:ff', want: 'foreign-vlan' },
  { desc: 'OTHERHOST multicast', packetType: PACKET_OTHERHOST, vlanTag: -1, dst: '01:00:5e:00:00:01', want: 'foreign-vlan' },
  { desc: 'OTHERHOST to our MAC', packetType: PACKET_OTHERHOST, vlanTag: -1, dst: '02:00:00:00:00:01', want: 'foreign-vlan' },
  { desc: 'OTHERHOST to another MAC', packetType: PACKET_OTHERHOST, vlanTag: -1, dst: '02:00:00:00:00:99', want: 'other-host' },
];

for (const c of links) {
  t.test(`linkDrop: ${c.desc} → ${c.want ?? 'passes'}`, async (t) => {
    t.equal(linkDrop(c.packetType, c.vlanTag, frameTo(c.dst), 0, IFACE_MAC), c.want);
  });
}
