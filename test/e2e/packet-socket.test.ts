// The native AF_PACKET socket, run for real in a namespace: the kernel filter
// (src/wire/arp-filter.ts) lets only ARP through, malformed ARP as a 22-byte
// stub, oversize frames marked by their length; close() is idempotent and safe
// inside the receive callback; a missing interface is an error with code,
// syscall and interface name.
import t from 'tap'
import { join } from 'node:path'
import { arpFrameHex, createLab, REPO_ROOT, scapySend, skipUnlessRoot, waitFor } from './lab.js'

const PROBE = join(REPO_ROOT, 'test', 'e2e', 'fixtures', 'packet-socket-probe.mjs')

t.test('PacketSocket receives ARP only, stubs malformed ARP, and closes safely inside its callback', async (t) => {
  if (skipUnlessRoot(t, ['scapy'])) return
  const lab = await createLab(t, { hosts: [{ name: 'sock', ip: '192.0.2.1/24' }, { name: 'peer', ip: '192.0.2.2/24' }] })
  const peerMac = lab.mac('peer')
  const base = { ethSrc: peerMac, senderIp: '192.0.2.2', targetIp: '198.51.100.10' }
  const frames = [
    arpFrameHex({ ...base, ethType: 0x0800 }), // IPv4 ethertype: never reaches userspace
    arpFrameHex({ ...base, htype: 6 }), // malformed ARP: a 22-byte stub
    arpFrameHex(base) + '00'.repeat(200), // oversize: cut by the filter, length shows it
    arpFrameHex(base), // well-formed: 42 bytes
  ]
  const proc = lab.spawn('sock', process.execPath, [PROBE, 'eth0', '3'], { env: { PROBE_MS: '2500', NODE_OPTIONS: '' } })
  let stdout = ''
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  await waitFor(() => stdout.includes('listening'), { timeoutMs: 10_000, what: 'the probe socket' })
  t.equal(await scapySend(lab, 'peer', 'eth0', frames), frames.length, 'scapy put every frame on the wire')
  const line = await waitFor(() => stdout.split('\n').find((l) => l.startsWith('{')), { timeoutMs: 10_000, what: 'probe result' })
  const r = JSON.parse(line) as {
    lengths: number[]; closedInCallback: boolean; secondCloseOk: boolean; callbacksAfterClose: number; error?: string
    info: { mac: string; hwType: number }; missingInterface: { code: string; syscall: string; iface: string; message: string }
  }
  t.same(r.lengths, [22, 65, 42], 'malformed ARP as a 22-byte stub, oversize cut at 65 bytes, a good frame whole; IPv4 filtered out')
  t.ok(r.closedInCallback && r.secondCloseOk, 'close() twice inside the callback')
  t.equal(r.callbacksAfterClose, 0, 'no callback after close')
  t.equal(r.error, undefined, 'no socket error')
  t.equal(r.info.mac, lab.mac('sock').replace(/:/g, ''), 'interface MAC read by ioctl')
  t.equal(r.info.hwType, 1, 'ARPHRD_ETHER')
  t.match(r.missingInterface, { code: 'ENODEV', syscall: 'ioctl(SIOCGIFINDEX)', iface: 'nosuchif0' }, 'missing interface: Node-style error')
  t.match(r.missingInterface.message, /nosuchif0.*ENODEV/)
})
