// The native AF_PACKET socket, run for real in a namespace: the kernel filter
// (src/wire/arp-filter.ts) lets only ARP through, malformed ARP as a 22-byte
// stub, anything after the 42-byte ARP frame cut off; the receive ring reports
// each frame's packet type and VLAN tag as the kernel leaves them; close() is
// idempotent and safe inside the receive callback; a missing interface is an
// error with code, syscall and interface name.
import t from 'tap';
import { join } from 'node:path';
import { arpFrameHex, createLab, REPO_ROOT, scapySend, skipUnlessRoot, waitFor } from './lab.js';
import { withVlanTags } from './lab-kernel-oracle.js';

const PROBE = join(REPO_ROOT, 'test', 'e2e', 'fixtures', 'packet-socket-probe.mjs');

t.test('PacketSocket receives ARP only, stubs malformed ARP, reports packet type and VLAN tag, and closes safely inside its callback', async (t) => {
  if (skipUnlessRoot(t, ['scapy'])) return;
  const lab = await createLab(t, {
    hosts: [
      { name: 'sock', ip: '192.0.2.1/24' },
      { name: 'peer', ip: '192.0.2.2/24' },
    ],
  });
  const peerMac = lab.mac('peer');
  const base = { ethSrc: peerMac, senderIp: '192.0.2.2', targetIp: '198.51.100.10' };
  const frames = [
    arpFrameHex({ ...base, ethType: 0x0800 }), // IPv4 ethertype: never reaches userspace
    arpFrameHex({ ...base, htype: 6 }), // malformed ARP: a 22-byte stub
    arpFrameHex(base) + '00'.repeat(200), // trailing bytes: cut to 42 by the filter
    arpFrameHex(base), // well-formed broadcast: 42 bytes
    arpFrameHex({ ...base, ethDst: lab.mac('sock') }), // unicast to us: PACKET_HOST
    arpFrameHex({ ...base, ethDst: '02:00:00:00:99:99' }), // unicast to another MAC: PACKET_OTHERHOST
    withVlanTags(arpFrameHex(base), [{ tpid: 0x8100, vid: 100 }]), // a foreign VLAN: tag removed, PACKET_OTHERHOST
    withVlanTags(arpFrameHex(base), [{ tpid: 0x8100, vid: 0, pcp: 5 }]), // priority-tagged: tag removed, a plain broadcast
  ];
  const proc = lab.spawn('sock', process.execPath, [PROBE, 'eth0', '7'], { env: { PROBE_MS: '2500', NODE_OPTIONS: '' } });
  let stdout = '';
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  await waitFor(() => stdout.includes('listening'), { timeoutMs: 10_000, what: 'the probe socket' });
  t.equal(await scapySend(lab, 'peer', 'eth0', frames), frames.length, 'scapy put every frame on the wire');
  const line = await waitFor(() => stdout.split('\n').find((l) => l.startsWith('{')), { timeoutMs: 10_000, what: 'probe result' });
  const r = JSON.parse(line) as {
    lengths: number[];
    packetTypes: number[];
    vlanTags: number[];
    closedInCallback: boolean;
    secondCloseOk: boolean;
    callbacksAfterClose: number;
    error?: string;
    info: { mac: string; hwType: number };
    missingInterface: { code: string; syscall: string; iface: string; message: string };
  };
  t.same(r.lengths, [22, 42, 42, 42, 42, 42, 42], 'malformed ARP as a 22-byte stub, ARP frames cut to 42 bytes; IPv4 filtered out');
  // sll_pkttype: 0 PACKET_HOST, 1 PACKET_BROADCAST, 3 PACKET_OTHERHOST. The
  // kernel takes every tag off (tp_vlan_tci never valid here) and marks a
  // nonzero VID for another host, as __netif_receive_skb_core does.
  t.same(r.packetTypes, [1, 1, 1, 0, 3, 3, 1], 'packet types from the ring');
  t.same(r.vlanTags, [-1, -1, -1, -1, -1, -1, -1], 'no VLAN tag left in the ring on a plain interface');
  t.ok(r.closedInCallback && r.secondCloseOk, 'close() twice inside the callback');
  t.equal(r.callbacksAfterClose, 0, 'no callback after close');
  t.equal(r.error, undefined, 'no socket error');
  t.equal(r.info.mac, lab.mac('sock').replace(/:/g, ''), 'interface MAC read by ioctl');
  t.equal(r.info.hwType, 1, 'ARPHRD_ETHER');
  t.match(r.missingInterface, { code: 'ENODEV', syscall: 'ioctl(SIOCGIFINDEX)', iface: 'nosuchif0' }, 'missing interface: Node-style error');
  t.match(r.missingInterface.message, /nosuchif0.*ENODEV/);
});
