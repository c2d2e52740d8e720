#!/usr/bin/env node
// @ts-check
/**
 * What an NDP receive socket costs a director per IPv6 packet that is NOT
 * NDP (issue 13): a paced UDP flood to an IPv6 VIP on the director's lo, the
 * director's CPU measured with no socket, with vip-arpd's AF_PACKET socket
 * (`packet-all`: ETH_P_ALL + the NS/NA cBPF filter, src/native/ndp-socket.ts),
 * with the same socket bound to ETH_P_IPV6 instead (`packet-ipv6`) and with an
 * ICMPv6 raw socket (`raw`: ICMP6_FILTER passing 135/136), side by side in one
 * run, in rotating order, several rounds.
 *
 *   client netns                          director netns
 *   arp-sender -F <UDP frame> (CPU 0) ── eth0 ═veth═ eth0 ── kernel: ip6_rcv,
 *                                         UDP to VIP (no listener) + the
 *                                         socket under test; RPS: all director
 *                                         receive softirq on CPU 1
 *
 * The director's eth0 runs NAPI in a kernel thread pinned to CPU 1 (an XDP
 * program that passes everything enables NAPI on a veth, bench/lib/xdp-lab.mjs),
 * so every bit of the director's receive work for the flood, the sockets'
 * share included, is that thread's run time, read in nanoseconds from
 * /proc/PID/schedstat: a figure other work on the machine does not inflate, as
 * it does the CPU's busy time (also shown).
 *
 * The socket's holder process sits idle (the filter passes nothing of the
 * flood; its frame count is reported and must stay 0), so the difference in
 * director CPU is the kernel's per-packet work for the socket: for AF_PACKET
 * the ptype delivery and the filter run on every IPv6 frame, for the raw
 * socket the raw-socket lookup on every locally delivered IPv6 packet.
 *
 * Usage: node bench/ndp-socket-cost.bench.mjs [--rate 50000] [--duration-ms 3000] [--rounds 12]
 *          [--only none,packet-all,packet-ipv6,raw] [--target vip|forward]
 * Needs root, a built tree (npm run build), /usr/bin/python3 (the raw socket holder).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupAll, enableIpv6, linkMac, linkStats, nsSpawn, nsSysctl, sh, stopChild } from './lib/netns.mjs';
import { buildFloodLab, CLIENT_CPU, DIRECTOR_CPU, FLOOD_IFACE } from './lib/flood-lab.mjs';
import { readFileSync } from 'node:fs';
import { cpuPercent, readCpuTimes } from './lib/cpu.mjs';
import { compilePassProgram, setXdp, threadNapi } from './lib/xdp-lab.mjs';
import { compileSender, runSender } from './lib/sender.mjs';
import { formatTable, round } from './lib/table.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const VIP = '2001:db8::10';
const VIP_BYTES = '20010db8000000000000000000000010';
const CLIENT_IP_BYTES = '20010db8000000000000000000000064'; // 2001:db8::64
/** `--target forward`: a realserver address the director routes back out of eth0 (one-arm LVS-DR). */
const FORWARD_IP = '2001:db8:5::1';
const FORWARD_IP_BYTES = '20010db8000500000000000000000001';
const IFACE = FLOOD_IFACE;
const SETTLE_MS = 300;
const ETH_P_IPV6 = 0x86dd;
/** packet(7): every protocol; such a tap sees a frame before the protocol handlers. */
const ETH_P_ALL = 0x0003;

const { values: argv } = parseArgs({
  options: {
    rate: { type: 'string', default: '50000' },
    'duration-ms': { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '12' },
    only: { type: 'string', default: 'none,packet-all,packet-ipv6,raw' },
    // vip: the flood ends at the VIP (local delivery); forward: the director routes it back out of eth0,
    // so each packet also crosses the tap on the transmit side (dev_queue_xmit_nit).
    target: { type: 'string', default: 'vip' },
  },
});
const rate = Number(argv.rate);
const durationMs = Number(argv['duration-ms']);
const rounds = Number(argv.rounds);
const variants = argv.only.split(',');
if (!['vip', 'forward'].includes(argv.target)) throw new Error('--target must be vip or forward');
const forward = argv.target === 'forward';

/**
 * The one's-complement sum of 16-bit words (RFC 1071), folded.
 * @param {Buffer} buf
 * @param {number} from
 * @param {number} to
 * @param {number} [initial]
 */
function sum16(buf, from, to, initial = 0) {
  let sum = initial;
  for (let i = from; i + 1 < to; i += 2) sum += buf.readUInt16BE(i);
  if ((to - from) % 2 === 1) sum += buf[to - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * An Ethernet/IPv6/UDP frame from the client to `dstBytes` (hex), port 9, 18 payload bytes, checksum right.
 * @param {string} directorMac
 * @param {string} clientMac
 * @param {string} dstBytes
 */
function udpFrame(directorMac, clientMac, dstBytes) {
  const payload = Buffer.alloc(18, 0x5a);
  const udpLength = 8 + payload.length;
  const f = Buffer.concat([
    Buffer.from(`${directorMac.replace(/:/g, '')}${clientMac.replace(/:/g, '')}86dd`, 'hex'),
    Buffer.from(`60000000${udpLength.toString(16).padStart(4, '0')}1140${CLIENT_IP_BYTES}${dstBytes}`, 'hex'),
    Buffer.from(`c0000009${udpLength.toString(16).padStart(4, '0')}0000`, 'hex'),
    payload,
  ]);
  // Pseudo-header (RFC 8200 §8.1): addresses, upper-layer length, next header 17.
  const pseudo = sum16(f, 22, 54, udpLength + 17);
  const checksum = ~sum16(f, 54, f.length, pseudo) & 0xffff;
  f.writeUInt16BE(checksum === 0 ? 0xffff : checksum, 60);
  return f.toString('hex');
}

/** Holds vip-arpd's NDP packet socket open in the director, counting what it receives. */
const PACKET_HOLDER = `
import { native } from ${JSON.stringify(join(REPO, 'dist', 'native', 'addon.js'))};
import { NDP_PACKET_PROTOCOL } from ${JSON.stringify(join(REPO, 'dist', 'native', 'ndp-socket.js'))};
import { PacketSocket } from ${JSON.stringify(join(REPO, 'dist', 'native', 'packet-socket.js'))};
const ethertype = Number(process.env.ETHERTYPE ?? NDP_PACKET_PROTOCOL.ethertype);
const sock = new PacketSocket(${JSON.stringify(IFACE)}, native.interfaceIndex(${JSON.stringify(IFACE)}), { ...NDP_PACKET_PROTOCOL, ethertype });
let frames = 0;
sock.start((b) => { frames += b.count; }, (e) => process.stderr.write(String(e) + '\\n'));
process.on('SIGTERM', () => { sock.close(); process.stdout.write('frames ' + frames + '\\n'); process.exit(0); });
process.stdout.write('ready\\n');
`;

/** Holds an ICMPv6 raw socket passing NS and NA only (ICMP6_FILTER: a set bit blocks the type). */
const RAW_HOLDER = `
import signal, socket, struct, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
words = [0xffffffff] * 8
for t in (135, 136):
    words[t >> 5] &= ~(1 << (t & 31)) & 0xffffffff
s.setsockopt(socket.IPPROTO_ICMPV6, 1, struct.pack('=8I', *words))
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ${JSON.stringify(IFACE)}.encode())
frames = 0
def stop(*_):
    print('frames', frames, flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print('ready', flush=True)
while True:
    s.recv(2048)
    frames += 1
`;

/**
 * Starts the variant's socket holder; resolves once the socket is open.
 * @param {string} director
 * @param {string} variant
 * @returns {Promise<{ stop: () => Promise<number> }>} stop resolves to the frames the socket received
 */
async function startHolder(director, variant) {
  if (variant === 'none') return { stop: async () => 0 };
  const child =
    variant === 'raw'
      ? nsSpawn(director, '/usr/bin/python3', ['-c', RAW_HOLDER])
      : nsSpawn(director, 'env', [
          `ETHERTYPE=${variant === 'packet-ipv6' ? ETH_P_IPV6 : ETH_P_ALL}`,
          process.execPath,
          '--input-type=module',
          '-e',
          PACKET_HOLDER,
        ]);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const deadline = Date.now() + 10000;
  while (!out.includes('ready')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${variant} holder did not start: ${err}`);
    await sleep(20);
  }
  return {
    stop: async () => {
      await stopChild(child);
      const m = /frames (\d+)/.exec(out);
      if (m === null) throw new Error(`${variant} holder reported nothing: ${err}`);
      return Number(m[1]);
    },
  };
}

/**
 * Nanoseconds the threads have run (the first field of /proc/PID/schedstat).
 * @param {number[]} pids
 */
function runtimeNs(pids) {
  return pids.reduce((sum, pid) => sum + Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]), 0);
}

/**
 * One send window with the director's counters read at its edges.
 * @param {{ client: string, director: string }} lab
 * @param {string} binary
 * @param {string} frame
 * @param {number[]} napiPids
 */
async function measure(lab, binary, frame, napiPids) {
  const sample = () => ({ cpu: readCpuTimes(), napi: runtimeNs(napiPids), tx: linkStats(lab.director, IFACE).txPackets });
  /** @type {{ before?: ReturnType<typeof sample>, after?: ReturnType<typeof sample> }} */
  const window = {};
  const r = await runSender({
    binary,
    ns: lab.client,
    iface: IFACE,
    vip: '192.0.2.1',
    rate,
    durationMs,
    batch: 16,
    cpu: CLIENT_CPU,
    frame,
    onGo: () => (window.before = sample()),
    onEnd: () => (window.after = sample()),
  });
  const { before, after } = window;
  if (before === undefined || after === undefined) throw new Error('sender did not report its window');
  const director = cpuPercent(before.cpu.cpus[DIRECTOR_CPU], after.cpu.cpus[DIRECTOR_CPU]);
  return { sent: r.sent, sentPerSecond: r.sentPerSecond, director, napiNs: after.napi - before.napi, txPackets: after.tx - before.tx };
}

/** @param {number[]} xs */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Nanoseconds per packet sent: the director's NAPI thread, and the director CPU's busy time (all work on it).
 * @param {Awaited<ReturnType<typeof measure>>} m
 */
function perPacketNs(m) {
  return { napi: m.napiNs / m.sent, busy: ((m.director.busy / 100) * 1e9) / m.sentPerSecond };
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces, AF_PACKET)');
  if (cpus().length < 2) throw new Error('needs 2 CPUs: one for the client, one for the director');
  const sender = compileSender();
  const lab = await buildFloodLab();
  const pass = await compilePassProgram();
  const startedAt = new Date().toISOString();
  const load = loadavg();
  /** @type {Record<string, {napi: number, busy: number, holderFrames: number, sentPerSecond: number, forwardedShare: number}[]>} */
  const results = Object.fromEntries(variants.map((v) => [v, []]));
  try {
    // The flood lab's namespaces start with IPv6 off; the director needs it, the client sends raw frames.
    enableIpv6(lab.director, IFACE);
    sh('ip', ['-n', lab.director, 'addr', 'add', `${VIP}/128`, 'dev', 'lo', 'nodad']);
    if (forward) {
      nsSysctl(lab.director, 'net.ipv6.conf.all.forwarding=1');
      sh('ip', ['-n', lab.director, '-6', 'route', 'add', `${FORWARD_IP}/128`, 'dev', IFACE]);
      sh('ip', ['-n', lab.director, '-6', 'neigh', 'add', FORWARD_IP, 'lladdr', linkMac(lab.client, IFACE), 'dev', IFACE, 'nud', 'permanent']);
    }
    const frame = udpFrame(linkMac(lab.director, IFACE), linkMac(lab.client, IFACE), forward ? FORWARD_IP_BYTES : VIP_BYTES);
    setXdp(lab.director, IFACE, pass.path);
    const napiPids = threadNapi(lab.director, IFACE, DIRECTOR_CPU);
    for (let pass = 0; pass < rounds; pass++) {
      // Rotating order: a load drift over the run does not favour one variant.
      const order = variants.map((_, i) => variants[(i + pass) % variants.length]);
      for (const variant of order) {
        const holder = await startHolder(lab.director, variant);
        await sleep(SETTLE_MS);
        const m = await measure(lab, sender.path, frame, napiPids);
        const holderFrames = await holder.stop();
        const ns = perPacketNs(m);
        results[variant].push({ ...ns, holderFrames, sentPerSecond: m.sentPerSecond, forwardedShare: m.txPackets / m.sent });
        process.stderr.write(
          `round ${pass + 1} ${variant}: ${round(m.sentPerSecond)}/s, NAPI thread ${round(ns.napi)} ns/packet ` +
            `(director CPU busy ${round(ns.busy)}), holder saw ${holderFrames} frames, director sent ${round(m.txPackets / m.sent, 3)} per packet\n`,
        );
      }
    }
  } finally {
    sender.remove();
    cleanupAll();
    pass.remove();
  }
  const base = results.none === undefined ? undefined : median(results.none.map((r) => r.napi));
  // Paired: each round's windows ran back to back, so their ratio cancels most of the drift in the machine's load.
  const paired = (/** @type {string} */ v) => (results.none === undefined ? NaN : median(results[v].map((r, i) => r.napi / results.none[i].napi)));
  const rows = variants.map((v) => {
    const napi = median(results[v].map((r) => r.napi));
    return [
      v,
      round(median(results[v].map((r) => r.sentPerSecond))),
      round(napi),
      round(Math.min(...results[v].map((r) => r.napi))),
      round(Math.max(...results[v].map((r) => r.napi))),
      base === undefined ? '-' : round(napi / base, 3),
      base === undefined ? '-' : round(napi - base),
      round(paired(v), 3),
      round(median(results[v].map((r) => r.busy))),
      Math.max(...results[v].map((r) => r.holderFrames)),
    ];
  });
  console.log(
    formatTable(
      [
        'socket',
        'sent/s',
        'NAPI ns/pkt (median)',
        'min',
        'max',
        'ratio to none',
        'delta ns/pkt',
        'paired ratio (median)',
        'dir CPU busy ns/pkt',
        'holder frames',
      ],
      rows,
    ),
  );
  const out = join(REPO, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const file = join(out, `ndp-socket-cost-${startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        bench: 'ndp-socket-cost',
        startedAt,
        kernel: release(),
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        loadavgBefore: load,
        rate,
        durationMs,
        rounds,
        target: argv.target,
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nresults: ${file}`);
}

main().catch((err) => {
  cleanupAll();
  process.stderr.write(`ndp-socket-cost: ${err.stack ?? err}\n`);
  process.exit(1);
});
