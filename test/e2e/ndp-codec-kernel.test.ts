// The NDP codec (src/wire/ndp.ts) against the Linux kernel's own NDP in a
// client namespace, before any daemon uses it: the kernel answers our NS,
// our NA answering the kernel's NS makes its neighbour entry REACHABLE, our
// unsolicited NA (O=1) moves the entry to another MAC, and the same NA with a
// broken checksum is ignored (so the kernel did check ours). The test plays
// the responder by hand: capture the NS, decode it, send the NA with scapy.
import t from 'tap';
import { emptyNeighborSolicitation, decodeNs, encodeNaReply, encodeNs, encodeUnsolicitedNa, NDP_FRAME_LENGTH } from '../../src/wire/ndp.js';
import { formatIpv6 } from '../../src/wire/ipv6.js';
import { parseMac } from '../../src/wire/mac.js';
import { ipv6 as ip } from '../unit/golden-bytes.js';
import { createLab, scapySend, skipUnlessRoot, sleep, startCapture, waitFor } from './lab.js';
import { neighbour6, rawFrames } from './lab-ndp.js';

function frameHex(encode: (buf: Buffer) => number): string {
  const buf = Buffer.alloc(NDP_FRAME_LENGTH);
  encode(buf);
  return buf.toString('hex');
}

const VIP = '2001:db8::10';
const CLIENT_IP = '2001:db8::2';

t.test('the kernel answers our NS, takes our solicited NA, moves its entry on our unsolicited NA and ignores a bad checksum', async (t) => {
  if (skipUnlessRoot(t, ['scapy', 'tshark', 'ping'])) return;
  const lab = await createLab(t, { hosts: [{ name: 'dir' }, { name: 'client' }], disableIpv6: false });
  await lab.exec('client', 'ip', ['-6', 'addr', 'add', `${CLIENT_IP}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  // The client keeps soliciting for 30 s instead of 3, so that its entry is
  // still INCOMPLETE when our NA arrives on a loaded machine (tshark and scapy
  // each take a second or more to start).
  await lab.sysctl('client', 'net.ipv6.neigh.eth0.mcast_solicit', 30);
  const dirMac = lab.mac('dir');
  const clientMac = lab.mac('client');

  // 1. Our NS, from a link-local address of the director: the client's kernel answers it.
  let cap = await startCapture(lab, 'dir', 'eth0', 'icmp6');
  const ns = frameHex((buf) => encodeNs(buf, 0, parseMac(dirMac)!, ip('fe80::1'), ip(CLIENT_IP)));
  t.equal(await scapySend(lab, 'dir', 'eth0', [ns]), 1, 'scapy sent our NS');
  await waitFor(async () => (await rawFrames(cap.file, `icmpv6.type == 136 && eth.src == ${clientMac}`)).length > 0, {
    timeoutMs: 15_000,
    what: "the client's NA",
  });
  const answered = (await cap.stop()).find(
    (f) => f.ethSrc === clientMac && (f.raw['icmpv6'] as Record<string, unknown> | undefined)?.['icmpv6.type'] === '136',
  );
  const icmp = answered?.raw['icmpv6'] as Record<string, unknown> | undefined;
  t.equal(icmp?.['icmpv6.nd.na.target_address'], CLIENT_IP, "the client's kernel advertised its address to us");
  t.equal(answered?.ethDst, dirMac, 'unicast to the MAC of our Source LLA option');

  // 2. The client's own NS for the VIP, decoded, answered with our NA: REACHABLE at the director's MAC.
  cap = await startCapture(lab, 'dir', 'eth0', 'icmp6');
  const ping = lab.spawn('client', 'ping', ['-6', '-c', '1', '-W', '30', VIP]);
  const [kernelNs] = await waitFor(
    () => rawFrames(cap.file, `icmpv6.type == 135 && icmpv6.nd.ns.target_address == ${VIP}`).then((f) => (f.length > 0 ? f : undefined)),
    {
      timeoutMs: 15_000,
      what: "the client's NS for the VIP",
    },
  );
  const decoded = emptyNeighborSolicitation();
  t.equal(decodeNs(Buffer.from(kernelNs!, 'hex'), 0, kernelNs!.length / 2, decoded), undefined, "decodeNs accepts the client kernel's NS");
  t.equal(formatIpv6(decoded.target), VIP, 'its target is the VIP');
  const na = frameHex((buf) => encodeNaReply(buf, 0, decoded, parseMac(dirMac)!, false));
  t.equal(await scapySend(lab, 'dir', 'eth0', [na]), 1, 'scapy sent our NA');
  const entry = await waitFor(
    async () => {
      const e = await neighbour6(lab, 'client', VIP);
      return e?.mac === dirMac ? e : undefined;
    },
    { timeoutMs: 15_000, what: `the client's entry for ${VIP} at ${dirMac}` },
  );
  t.match(entry.state, /REACHABLE/, `a solicited NA made the client's entry REACHABLE at the director's MAC (${entry.state})`);
  ping.kill();
  await cap.stop();

  // 3. An unsolicited NA with a broken checksum changes nothing; the same NA intact moves the entry.
  const newMac = '02:00:00:00:0b:0b';
  const unsolicited = Buffer.from(
    frameHex((buf) => encodeUnsolicitedNa(buf, 0, parseMac(newMac)!, ip(VIP), false)),
    'hex',
  );
  const broken = Buffer.from(unsolicited);
  broken[57] = broken[57]! ^ 0xff;
  t.equal(await scapySend(lab, 'dir', 'eth0', [broken.toString('hex')]), 1, 'scapy sent the broken NA');
  await sleep(500);
  t.equal((await neighbour6(lab, 'client', VIP))?.mac, dirMac, 'a bad checksum is ignored by the kernel');
  t.equal(await scapySend(lab, 'dir', 'eth0', [unsolicited.toString('hex')]), 1, 'scapy sent our unsolicited NA');
  const moved = await waitFor(
    async () => {
      const e = await neighbour6(lab, 'client', VIP);
      return e?.mac === newMac ? e : undefined;
    },
    { timeoutMs: 15_000, what: `the client's entry for ${VIP} at ${newMac}` },
  );
  t.equal(moved.mac, newMac, `the unsolicited NA (O=1) moved the entry (${moved.state})`);
});
