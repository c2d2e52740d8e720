#!/usr/bin/env node
// Gratuitous ARP benchmark (issue 3), as root, in network namespaces it makes
// and deletes itself. Same run, printed side by side as ratios:
//
//  1. Takeover to first GARP on the wire: the time a `takeover` request is
//     written to the control socket vs the capture timestamp of the first GARP
//     (tshark in the director namespace, outgoing on eth0). Anchor: what a
//     Pacemaker IPaddr2 start does, spawning `send_arp` (and `arping -U`),
//     spawn time vs first frame. Goal <= 1 ms.
//  2. Announcing 10,000 VIPs once, unpaced (maxFramesPerSecond 0), mode both
//     (request + reply per VIP, the pair send_arp sends): first to last frame.
//     The lab's address rules allow 764 VIPs per interface (198.51.100.0/24,
//     203.0.113.0/24, 192.0.2.3-254), so the 10,000 VIPs are 14 groups on 14
//     interfaces (13 x 764 + 68) of one daemon. Anchor: one `send_arp -r 1`
//     process per VIP (IPaddr2's way) and one `arping -U -c 1` per VIP, timed
//     over a sample run one after another and extrapolated to 10,000 (said so
//     in the output). Goal <= 100 ms.
//
// Usage: sudo node bench/garp-bench.mjs [--takeovers N] [--sample N]
// Needs: dist/ built (npm run build), tshark, iproute2, resource-agents, iputils-arping.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const DAEMON = join(ROOT, 'dist', 'cli', 'vip-arpd.js')
const SEND_ARP = '/usr/libexec/heartbeat/send_arp'
const { values: opt } = parseArgs({ options: { takeovers: { type: 'string', default: '20' }, sample: { type: 'string', default: '200' } } })
const TAKEOVERS = Number(opt.takeovers)
const SAMPLE = Number(opt.sample)
const TOTAL_VIPS = 10_000
const PER_IFACE = 764
const IFACES = Math.ceil(TOTAL_VIPS / PER_IFACE)
const VIP = '198.51.100.10'
/** IPaddr2's arp_interval default; `-i 0` makes this send_arp build spin forever. */
const SEND_ARP_INTERVAL_MS = 200
/** arping -U -c 1 waits its 1 s interval before exiting, so fewer are timed. */
const ARPING_SAMPLE = 10

if (process.getuid?.() !== 0) {
  console.error('garp-bench: needs root (network namespaces, packet sockets)')
  process.exit(77)
}

const tag = `varpbench-${process.pid}`
const NS = { sw: `${tag}-sw`, dir: `${tag}-dir` }
const tmp = mkdtempSync(join(tmpdir(), 'vip-arpd-garp-bench-'))
const sh = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 })
const inNs = (ns, cmd, args) => sh('ip', ['netns', 'exec', ns, cmd, ...args])
const children = new Set()
function cleanup() {
  for (const c of children) c.kill('SIGKILL')
  for (const ns of Object.values(NS)) spawnSync('ip', ['netns', 'del', ns])
  rmSync(tmp, { recursive: true, force: true })
}
process.on('exit', cleanup)
process.on('SIGINT', () => process.exit(130))
process.on('SIGTERM', () => process.exit(143))

/** Realtime now in microseconds (comparable with capture timestamps). */
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000)
const progress = (what) => process.stderr.write(`garp-bench: ${what}\n`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function setup() {
  for (const ns of Object.values(NS)) {
    sh('ip', ['netns', 'add', ns])
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
    inNs(ns, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1'])
  }
  for (let i = 0; i < IFACES; i++) {
    // One bridge per director interface, nothing else on it: each interface's
    // frames stay on its own segment and no daemon socket sees another's.
    sh('ip', ['-n', NS.sw, 'link', 'add', `br${i}`, 'type', 'bridge'])
    sh('ip', ['-n', NS.sw, 'link', 'set', `br${i}`, 'up'])
    sh('ip', ['-n', NS.sw, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', `eth${i}`, 'netns', NS.dir])
    sh('ip', ['-n', NS.sw, 'link', 'set', `p${i}`, 'master', `br${i}`, 'up'])
    sh('ip', ['-n', NS.dir, 'link', 'set', `eth${i}`, 'up'])
  }
  sh('ip', ['-n', NS.dir, 'addr', 'add', '192.0.2.1/24', 'dev', 'eth0'])
  // The anchors run as IPaddr2 does, after the VIP is local (arping -U binds to it).
  sh('ip', ['-n', NS.dir, 'addr', 'add', '198.51.100.0/24', 'dev', 'lo'])
}

/** VIP ranges of interface i: 764 addresses, fewer on the last so the total is 10,000. */
function vipsOf(i) {
  const n = Math.min(PER_IFACE, TOTAL_VIPS - i * PER_IFACE)
  const ranges = []
  let left = n
  for (const [base, first, size] of [['198.51.100', 0, 256], ['203.0.113', 0, 256], ['192.0.2', 3, 252]]) {
    const take = Math.min(left, size)
    if (take > 0) ranges.push(`${base}.${first}-${base}.${first + take - 1}`)
    left -= take
  }
  return ranges
}

async function startDaemon(config) {
  const path = join(tmp, `config-${Date.now()}.json`)
  writeFileSync(path, JSON.stringify(config))
  const proc = spawn('ip', ['netns', 'exec', NS.dir, process.execPath, DAEMON, '--config', path], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.add(proc)
  await new Promise((res, rej) => {
    let buf = ''
    proc.stdout.on('data', (d) => {
      buf += d
      if (process.env.GARP_BENCH_DEBUG) for (const l of String(d).split('\n')) if (/"level":[4-6]0/.test(l)) progress(`daemon: ${l.slice(0, 300)}`)
      if (buf.includes('"msg":"ready"')) res()
    })
    proc.once('exit', (code) => rej(new Error(`vip-arpd exited (${code}) before ready:\n${buf}`)))
  })
  proc.stdout.resume()
  return proc
}

async function stopDaemon(proc) {
  const done = new Promise((r) => proc.once('exit', r))
  proc.kill('SIGTERM')
  await done
  children.delete(proc)
}

/** Starts tshark in the director namespace; resolves once it captures. */
async function capture(ifaces) {
  const file = join(tmp, `cap-${Date.now()}.pcapng`)
  const args = ['netns', 'exec', NS.dir, 'tshark', '-n', '-q', '-w', file, ...ifaces.flatMap((i) => ['-i', i]), '-B', '64', '-f', 'arp']
  const proc = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  children.add(proc)
  await new Promise((res, rej) => {
    let err = ''
    proc.stderr.on('data', (d) => {
      err += d
      if (err.includes('Capturing on')) res()
    })
    proc.once('exit', (c) => rej(new Error(`tshark exited ${c}: ${err}`)))
  })
  await sleep(300)
  return {
    async stop() {
      await sleep(300)
      const done = new Promise((r) => proc.once('exit', r))
      proc.kill('SIGINT')
      await done
      children.delete(proc)
      const out = sh('tshark', ['-r', file, '-n', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'arp.opcode', '-e', 'arp.src.proto_ipv4', '-e', 'arp.dst.proto_ipv4'])
      if (process.env.GARP_BENCH_DEBUG) progress(`capture ${file}: ${out.split('\n').length} lines, first: ${out.split('\n')[0]}`)
      return out.trim().split('\n').filter(Boolean).map((l) => {
        const [time, op, sip, tip] = l.split('\t')
        const [s, frac = ''] = time.split('.')
        return { us: Number(s) * 1e6 + Number(frac.padEnd(6, '0').slice(0, 6)), op: Number(op), sip, tip }
      }).filter((f) => f.sip === f.tip)
    },
  }
}

/** One request on the control socket; resolves with the time the line was written (us). */
function control(socket, cmd, args) {
  return new Promise((res, rej) => {
    const c = connect(socket)
    let sentAt = 0
    c.on('connect', () => {
      sentAt = nowUs()
      c.write(`${JSON.stringify({ id: 1, cmd, args })}\n`)
    })
    c.on('data', (d) => {
      const r = JSON.parse(d.toString().split('\n')[0])
      c.destroy()
      if (r.ok === false) rej(new Error(`${cmd}: ${r.error.message}`))
      else res({ sentAt, repliedAt: nowUs() })
    })
    c.on('error', rej)
  })
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmtMs = (us) => `${(us / 1000).toFixed(3)} ms`

async function benchTakeover() {
  progress('takeover: starting daemon')
  const socket = join(tmp, 'control.sock')
  const d = await startDaemon({
    stateFile: join(tmp, 'state.json'), control: { socket }, watch: { enabled: false }, log: { level: 'info' },
    groups: [{ name: 'web', interface: 'eth0', vips: [VIP], initialRole: 'backup', garp: { mode: 'both', count: 1, delayMs: 0 } }],
  })
  progress('takeover: capture')
  const cap = await capture(['eth0'])
  progress('takeover: takeovers')
  const issued = []
  for (let i = 0; i < TAKEOVERS; i++) {
    issued.push((await control(socket, 'takeover', ['web'])).sentAt)
    await sleep(100)
    await control(socket, 'release', ['web'])
    await sleep(100)
  }
  const frames = await cap.stop()
  await stopDaemon(d)
  const lat = issued.map((t0) => (frames.find((f) => f.us >= t0)?.us ?? NaN) - t0)

  // Anchor: IPaddr2 spawns send_arp (or arping -U) per VIP at start.
  const mac = sh('ip', ['-n', NS.dir, '-j', 'link', 'show', 'eth0']).match(/"address":"([0-9a-f:]+)"/)[1]
  const anchor = async (cmd, args) => {
    const cap2 = await capture(['eth0'])
    const starts = []
    for (let i = 0; i < Math.min(TAKEOVERS, ARPING_SAMPLE); i++) {
      starts.push(nowUs())
      spawnSync('ip', ['netns', 'exec', NS.dir, cmd, ...args])
      await sleep(50)
    }
    const fr = await cap2.stop()
    return starts.map((t0) => (fr.find((f) => f.us >= t0)?.us ?? NaN) - t0)
  }
  progress('takeover: anchors')
  const sendArp = await anchor(SEND_ARP, ['-i', String(SEND_ARP_INTERVAL_MS), '-r', '1', '-p', join(tmp, 'send_arp.pid'), 'eth0', VIP, mac.replace(/:/g, ''), 'not_used', 'not_used'])
  const arpingU = await anchor('arping', ['-U', '-c', '1', '-I', 'eth0', VIP])
  return { lat, sendArp, arpingU }
}

async function benchAnnounce() {
  const groups = Array.from({ length: IFACES }, (_, i) => ({
    name: `g${i}`, interface: `eth${i}`, vips: vipsOf(i), garp: { mode: 'both', count: 1, delayMs: 0 },
  }))
  const socket = join(tmp, 'control10k.sock')
  const ifaces = groups.map((g) => g.interface)
  const config = { stateFile: join(tmp, 'state10k.json'), control: { socket }, watch: { enabled: false }, log: { level: 'info' }, announce: { maxFramesPerSecond: 0 }, groups }
  progress('announce: starting daemon')
  const d = await startDaemon(config)
  progress('announce: rounds')
  const runs = []
  for (let r = 0; r < 3; r++) {
    const cap = await capture(process.env.GARP_BENCH_IFACES ? process.env.GARP_BENCH_IFACES.split(',') : ['any'])
    // One garp round for every group, issued back to back (MASTER already at start).
    const t0 = nowUs()
    await Promise.all(groups.map((g) => control(socket, 'garp', [g.name])))
    await sleep(500)
    const frames = await cap.stop()
    const vips = new Set(frames.map((f) => `${f.sip}`)).size
    if (frames.length === 0) throw new Error('announce: the capture holds no GARP (known open problem of this bench, see docs/garp.md)')
    runs.push({ frames: frames.length, first: frames[0].us - t0, span: frames[frames.length - 1].us - frames[0].us, total: frames[frames.length - 1].us - t0, vips })
  }
  await stopDaemon(d)

  progress('announce: anchors')
  // Anchors: one process per VIP, run one after another, a sample extrapolated.
  const mac = sh('ip', ['-n', NS.dir, '-j', 'link', 'show', 'eth0']).match(/"address":"([0-9a-f:]+)"/)[1]
  const ips = Array.from({ length: SAMPLE }, (_, i) => `198.51.100.${i % 256}`)
  const time = (fn) => {
    const t0 = nowUs()
    for (const ip of ips) fn(ip)
    return nowUs() - t0
  }
  const sendArpUs = time((ip) => spawnSync('ip', ['netns', 'exec', NS.dir, SEND_ARP, '-i', String(SEND_ARP_INTERVAL_MS), '-r', '1', '-p', join(tmp, 'sa.pid'), 'eth0', ip, mac.replace(/:/g, ''), 'not_used', 'not_used']))
  const arpingSample = Math.min(SAMPLE, ARPING_SAMPLE)
  const arpingT0 = nowUs()
  for (const ip of ips.slice(0, arpingSample)) spawnSync('ip', ['netns', 'exec', NS.dir, 'arping', '-U', '-c', '1', '-I', 'eth0', ip])
  const arpingUs = nowUs() - arpingT0
  return { runs, sendArp10k: (sendArpUs / SAMPLE) * TOTAL_VIPS, arping10k: (arpingUs / arpingSample) * TOTAL_VIPS, arpingSample }
}

setup()
const t = await benchTakeover()
const ours = median(t.lat)
console.log(`garp-bench (node ${process.version}, ${new Date().toISOString()})`)
console.log('')
console.log(`1. takeover -> first GARP on the wire (${t.lat.length} takeovers; goal <= 1 ms)`)
console.log(`   vip-arpd control takeover  median ${fmtMs(ours)}  min ${fmtMs(Math.min(...t.lat))}  max ${fmtMs(Math.max(...t.lat))}`)
console.log(`   send_arp process (IPaddr2) median ${fmtMs(median(t.sendArp))}  ratio ${(median(t.sendArp) / ours).toFixed(1)}x slower`)
console.log(`   arping -U process          median ${fmtMs(median(t.arpingU))}  ratio ${(median(t.arpingU) / ours).toFixed(1)}x slower`)
console.log('')
console.log(`2. announce ${TOTAL_VIPS} VIPs once, unpaced, mode both (${IFACES} interfaces; goal <= 100 ms)`)
const a = await benchAnnounce()
const best = a.runs.reduce((x, y) => (y.total < x.total ? y : x))
const med = median(a.runs.map((r) => r.total))
for (const r of a.runs) console.log(`   run: ${r.frames} frames for ${r.vips} distinct VIP addresses; request->first ${fmtMs(r.first)}, first->last ${fmtMs(r.span)}, request->last ${fmtMs(r.total)}`)
console.log(`   vip-arpd median request->last ${fmtMs(med)} (best ${fmtMs(best.total)})`)
console.log(`   send_arp -i 200 -r 1 per VIP, ${SAMPLE} timed one after another, extrapolated to ${TOTAL_VIPS}: ${fmtMs(a.sendArp10k)}  ratio ${(a.sendArp10k / med).toFixed(0)}x slower`)
console.log(`   arping -U -c 1 per VIP, ${a.arpingSample} timed one after another, extrapolated to ${TOTAL_VIPS}: ${fmtMs(a.arping10k)}  ratio ${(a.arping10k / med).toFixed(0)}x slower`)
