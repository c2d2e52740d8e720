/**
 * Network-namespace lab for end-to-end tests.
 *
 * Every lab is made by the test that uses it and removed when that test ends
 * (`t.teardown`), with a best-effort `process.on('exit')` sweep for crashes.
 * Layout:
 *
 * ```
 *   varplab-<pid>-<id>-sw     "switch" namespace: br0, br1, … (one bridge per ethN)
 *   varplab-<pid>-<id>-<host> one namespace per host: lo, eth0, eth1, …
 *
 *   host A eth0 ══veth══ br0 ══veth══ eth0 host B      (LAN 0)
 *   host A eth1 ══veth══ br1 ══veth══ eth1 host B      (LAN 1, separate)
 * ```
 *
 * The root namespace is never touched: bridges and veth peers live in the
 * switch namespace, and veths are created there with their inside end moved
 * straight into the host namespace. Addresses come from documentation ranges
 * only (RFC 5737): lab LANs in 192.0.2.0/24, VIPs in 198.51.100.0/24 and
 * 203.0.113.0/24. Stale labs of a crashed run are recognisable by
 * {@link LAB_PREFIX}; `.ci/run` deletes them.
 */
import { execFile, execFileSync, spawn as cpSpawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { accessSync, constants as fsConstants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

/**
 * Prefix of every namespace a lab creates. Full names are
 * `varplab-<pid>-<id>-<host>`, pid being the test process, so a stale lab (its
 * process is gone) can be told from a live one of a parallel run:
 * {@link sweepStaleLabs} and `.ci/run` delete only those.
 */
export const LAB_PREFIX = 'varplab-'

/** Repository root, computed from this file's location (test/e2e/lab.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Python that can import scapy (Debian's python3-scapy), not whatever python3 is first on PATH. */
export const SYSTEM_PYTHON = '/usr/bin/python3'

const SCAPY_SEND = join(REPO_ROOT, 'test', 'e2e', 'scapy-send.py')

/** tshark's expert severity for errors (PI_ERROR = 0x00800000, epan/proto.h). */
const EXPERT_SEVERITY_ERROR = 0x00800000

/** Debian package that provides each tool, for skip messages. */
const TOOL_PACKAGES: Record<string, string> = {
  ip: 'iproute2',
  arping: 'iputils-arping',
  ping: 'iputils-ping',
  tshark: 'tshark',
  tcpdump: 'tcpdump',
  keepalived: 'keepalived',
  farpd: 'farpd',
  scapy: 'python3-scapy',
  netsniff: 'netsniff-ng',
  trafgen: 'netsniff-ng',
  'ocf-tester': 'resource-agents',
  xmllint: 'libxml2-utils',
}

// ---------------------------------------------------------------------------
// small helpers

/** Result of a command run in a namespace. */
export interface ExecResult {
  stdout: string
  stderr: string
  /** Exit code; -1 when the process was killed by a signal or could not start. */
  code: number
}

/** Options for {@link Lab.exec}. */
export interface ExecOpts {
  /** Throw when the exit code is not 0 (default false). */
  check?: boolean
  /** Written to the command's stdin. */
  input?: string
  /** Kill the command after this many ms (default 60 000). */
  timeoutMs?: number
  /** Extra environment variables. */
  env?: NodeJS.ProcessEnv
}

/**
 * run runs a command (no shell) and collects its output. It never throws on a
 * non-zero exit unless `check` is set, in which case the error message holds
 * the command line, exit code and stderr.
 */
export function run(cmd: string, args: string[], opts: ExecOpts = {}): Promise<ExecResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      cmd,
      args,
      {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 60_000,
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
      },
      (err, stdout, stderr) => {
        let code = 0
        if (err) {
          const c = (err as NodeJS.ErrnoException & { code?: unknown }).code
          code = typeof c === 'number' ? c : -1
          if (typeof c === 'string') stderr = `${stderr}${err.message}\n`
        }
        const res: ExecResult = { stdout, stderr, code }
        if (opts.check && code !== 0) {
          reject(new Error(`Cannot run "${[cmd, ...args].join(' ')}": exit code ${code}: ${stderr.trim()}`))
        } else {
          resolvePromise(res)
        }
      },
    )
    if (opts.input !== undefined) child.stdin?.end(opts.input)
    else child.stdin?.end()
  })
}

function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const p = join(dir, tool)
    try {
      accessSync(p, fsConstants.X_OK)
      return p
    } catch {
      // not here
    }
  }
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
    try {
      accessSync(join(dir, tool), fsConstants.X_OK)
      return join(dir, tool)
    } catch {
      // not here
    }
  }
  return undefined
}

function hasScapy(): boolean {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import scapy'], { stdio: 'ignore' })
  return r.status === 0
}

/**
 * skipUnlessRoot skips the test (one skipped test point carrying the reason)
 * and returns true when we are not root or one of `tools` is missing. `'scapy'`
 * checks that `/usr/bin/python3` can import scapy; `'ip'` is always checked.
 *
 * Usage: `if (skipUnlessRoot(t, ['arping', 'tshark'])) return`
 */
export function skipUnlessRoot(t: Test, tools: string[] = []): boolean {
  let reason: string | undefined
  if (process.platform !== 'linux') reason = 'needs Linux network namespaces'
  else if (process.getuid?.() !== 0) reason = 'needs root (CAP_NET_ADMIN, CAP_NET_RAW) for network namespaces'
  else {
    for (const tool of ['ip', ...tools]) {
      const ok = tool === 'scapy' ? hasScapy() : which(tool) !== undefined
      if (!ok) {
        reason = `needs ${tool}: apt-get install ${TOOL_PACKAGES[tool] ?? tool}`
        break
      }
    }
  }
  if (reason === undefined) return false
  // One skipped point that carries the reason, so reporters and
  // scripts/run-tests.mjs count it as skipped, not passed.
  t.pass('skipped', { skip: reason })
  t.end()
  return true
}

/**
 * tempDir makes a fresh directory under the OS temp dir, removed on teardown.
 */
export function tempDir(t: Test, prefix = 'vip-arpd-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Options for {@link waitFor}. */
export interface WaitForOpts {
  /** Give up after this many ms (default 5000). */
  timeoutMs?: number
  /** Poll every this many ms (default 50). */
  intervalMs?: number
  /** What we were waiting for, used in the error message. */
  what?: string
}

/**
 * waitFor calls `fn` until it returns a truthy value (or a promise of one)
 * and returns that value.
 *
 * @throws Error "Timed out after N ms waiting for WHAT (last value: …)" when
 *   the time runs out; the last thrown error, if any, is its `cause`.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: WaitForOpts = {},
): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 5000
  const intervalMs = opts.intervalMs ?? 50
  const deadline = Date.now() + timeoutMs
  let last: unknown
  let lastErr: unknown
  for (;;) {
    try {
      last = await fn()
      lastErr = undefined
      if (last) return last as NonNullable<T>
    } catch (err) {
      lastErr = err
    }
    if (Date.now() >= deadline) break
    await sleep(intervalMs)
  }
  const detail = lastErr !== undefined ? `last error: ${String(lastErr)}` : `last value: ${JSON.stringify(last)}`
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'} (${detail})`, {
    cause: lastErr,
  })
}

/** sleep resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

// ---------------------------------------------------------------------------
// the lab

/** One host of {@link LabOpts}. */
export interface HostSpec {
  /** Short name, [a-z0-9]{1,8}; also used in the namespace name. */
  name: string
  /** Number of interfaces eth0…eth(N-1) (default 1). */
  ifaces?: number
  /** Address(es) in CIDR form, one per interface in order (e.g. '192.0.2.10/24'). */
  ip?: string | string[]
}

/** Options for {@link createLab}. */
export interface LabOpts {
  hosts: HostSpec[]
  /**
   * Disable IPv6 in every namespace (default true) so captures hold no
   * router solicitations or DAD noise.
   */
  disableIpv6?: boolean
}

interface IfaceState {
  host: string
  index: number
  /** Name of the veth peer inside the switch namespace. */
  peer: string
  mac: string
  addresses: string[]
  present: boolean
}

/** A running lab; see {@link createLab}. */
export interface Lab {
  /** Unique lab id (hex), part of every name. */
  readonly id: string
  /** Switch namespace that holds the bridges. */
  readonly switchNs: string
  /** Host names, in creation order. */
  readonly hosts: string[]
  /** ns returns the namespace name of `host`. @throws RangeError for an unknown host. */
  ns(host: string): string
  /** mac returns the lower-case MAC of `host`'s `iface` (default eth0). */
  mac(host: string, iface?: string): string
  /** exec runs `cmd args` inside `host`'s namespace; throws on non-zero exit only with `{check: true}`. */
  exec(host: string, cmd: string, args: string[], opts?: ExecOpts): Promise<ExecResult>
  /** spawn starts `cmd args` inside `host`'s namespace; the process is killed on teardown/destroy. */
  spawn(host: string, cmd: string, args: string[], opts?: { env?: NodeJS.ProcessEnv }): ChildProcess
  /** sysctl sets `key` (e.g. 'net.ipv4.conf.eth0.arp_ignore') to `value` in `host`'s namespace. */
  sysctl(host: string, key: string, value: string | number): Promise<void>
  /** addAddress adds `cidr` to `iface` ('lo' allowed); remembered for {@link Lab.recreateIface}. */
  addAddress(host: string, iface: string, cidr: string): Promise<void>
  /** setLink brings `iface` up or down (the inside end; the bridge side stays up). */
  setLink(host: string, iface: string, state: 'up' | 'down'): Promise<void>
  /** deleteIface deletes the veth pair of `iface` (as if the NIC was unplugged). */
  deleteIface(host: string, iface: string): Promise<void>
  /**
   * recreateIface makes a new veth pair with the same inside name, on the same
   * bridge, with a new MAC (see {@link Lab.mac}) and, by default, up with its
   * remembered addresses. Deletes the old one first if it still exists.
   */
  recreateIface(host: string, iface: string, opts?: { up?: boolean; addresses?: boolean }): Promise<void>
  /** ifindex returns the current ifindex of `iface` in `host`'s namespace. */
  ifindex(host: string, iface: string): Promise<number>
  /** teardown registers `fn` with the test that made the lab (`t.teardown`). */
  teardown(fn: () => unknown): void
  /** tempDir makes a directory removed when the test that made the lab ends. */
  tempDir(prefix?: string): string
  /** destroy kills spawned processes and deletes every namespace of the lab; idempotent. */
  destroy(): Promise<void>
}

const liveNamespaces = new Set<string>()
const liveChildren = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const c of liveChildren) {
      try {
        c.kill('SIGKILL')
      } catch {
        // already gone
      }
    }
    for (const ns of liveNamespaces) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' })
      } catch {
        // best effort
      }
    }
  })
}

let swept = false

/**
 * sweepStaleLabs deletes lab namespaces left by test processes that no longer
 * exist (a crashed or killed run). Runs once per process; createLab calls it.
 */
export async function sweepStaleLabs(): Promise<void> {
  if (swept) return
  swept = true
  const r = await run('ip', ['netns', 'list'])
  for (const line of r.stdout.split('\n')) {
    const name = line.split(' ')[0] ?? ''
    const m = /^varplab-(\d+)-/.exec(name)
    if (!m || !name.startsWith(LAB_PREFIX)) continue
    const pid = Number(m[1])
    if (pid === process.pid || pidAlive(pid)) continue
    await run('ip', ['netns', 'del', name])
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function trackChild(child: ChildProcess): ChildProcess {
  liveChildren.add(child)
  child.once('exit', () => liveChildren.delete(child))
  return child
}

function nsSpawn(ns: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  // `ip netns exec` setns()es and then execs cmd, so child.pid is cmd itself.
  return trackChild(
    cpSpawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: env ? { ...process.env, ...env } : process.env,
    }),
  )
}

/** waitExit resolves when `child` has exited (at once if it already has). */
export function waitExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  }
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })))
}

async function killAndWait(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const done = waitExit(child)
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await done
  clearTimeout(timer)
}

/**
 * The LVS director's kernel setup (HOWTO "the ARP problem"): arp_ignore=1 and
 * arp_announce=2 on each of `keys` (`all`, `default`, interface names), so the
 * kernel never speaks ARP on the wire for a VIP it holds on lo.
 */
export async function silenceKernelArp(lab: Lab, host: string, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    await lab.sysctl(host, `net.ipv4.conf.${key}.arp_ignore`, 1)
    await lab.sysctl(host, `net.ipv4.conf.${key}.arp_announce`, 2)
  }
}

/**
 * createLab builds the namespaces, bridges and veths described by `opts` and
 * registers their removal with `t.teardown`. Interfaces come up with their
 * addresses, `lo` is up, IPv6 is off (unless `disableIpv6: false`).
 *
 * @throws RangeError for a bad host name or duplicate host.
 */
export async function createLab(t: Test, opts: LabOpts): Promise<Lab> {
  installExitHook()
  await sweepStaleLabs()
  const id = randomBytes(3).toString('hex')
  const base = `${LAB_PREFIX}${process.pid}-${id}-`
  const switchNs = `${base}sw`
  const hostNs = new Map<string, string>()
  const ifaces = new Map<string, IfaceState>() // key `${host}/${iface}`
  const bridges = new Set<number>()
  const children = new Set<ChildProcess>()
  let macCounter = 0
  let peerCounter = 0
  let destroyed = false

  for (const h of opts.hosts) {
    if (!/^[a-z][a-z0-9]{0,7}$/.test(h.name)) {
      throw new RangeError(`Cannot create host "${h.name}": name must match [a-z][a-z0-9]{0,7}`)
    }
    if (hostNs.has(h.name)) throw new RangeError(`Cannot create host "${h.name}": duplicate name`)
    hostNs.set(h.name, `${base}${h.name}`)
  }

  const ip = (args: string[]): Promise<ExecResult> => run('ip', args, { check: true })
  const ns = (host: string): string => {
    const n = hostNs.get(host)
    if (n === undefined) throw new RangeError(`Cannot find host "${host}": lab has ${[...hostNs.keys()].join(', ')}`)
    return n
  }
  const state = (host: string, iface: string): IfaceState => {
    const s = ifaces.get(`${host}/${iface}`)
    if (s === undefined) throw new RangeError(`Cannot find interface ${iface} on host "${host}"`)
    return s
  }
  const nextMac = (): string => {
    // 02: locally administered unicast; 3 bytes of lab id; 2-byte counter.
    macCounter++
    const idBytes = id.match(/../g) ?? []
    return ['02', ...idBytes, ((macCounter >> 8) & 0xff).toString(16).padStart(2, '0'), (macCounter & 0xff).toString(16).padStart(2, '0')].join(':')
  }
  const sysctlIn = (n: string, key: string, value: string | number): Promise<ExecResult> =>
    run('ip', ['netns', 'exec', n, 'sysctl', '-q', '-w', `${key}=${value}`], { check: true })

  const destroy = async (): Promise<void> => {
    if (destroyed) return
    destroyed = true
    await Promise.all([...children].map((c) => killAndWait(c, 'SIGTERM', 2000)))
    for (const n of [...hostNs.values(), switchNs]) {
      await run('ip', ['netns', 'del', n])
      liveNamespaces.delete(n)
    }
  }
  t.teardown(destroy)

  const addNs = async (n: string): Promise<void> => {
    await ip(['netns', 'add', n])
    liveNamespaces.add(n)
    await ip(['-n', n, 'link', 'set', 'lo', 'up'])
    if (opts.disableIpv6 ?? true) {
      await sysctlIn(n, 'net.ipv6.conf.all.disable_ipv6', 1)
      await sysctlIn(n, 'net.ipv6.conf.default.disable_ipv6', 1)
    }
  }

  const ensureBridge = async (index: number): Promise<void> => {
    if (bridges.has(index)) return
    const br = `br${index}`
    // STP off and forward_delay 0: ports forward at once, no learning pause.
    await ip(['-n', switchNs, 'link', 'add', br, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'])
    await ip(['-n', switchNs, 'link', 'set', br, 'up'])
    bridges.add(index)
  }

  const makeVeth = async (s: IfaceState, up: boolean): Promise<void> => {
    await ensureBridge(s.index)
    peerCounter++
    // Peer names: "p" + host(≤8) + index + "x" + counter, kept ≤ 15 chars (IFNAMSIZ-1).
    s.peer = `p${peerCounter}x${s.index}${s.host}`.slice(0, 15)
    s.mac = nextMac()
    await ip(['-n', switchNs, 'link', 'add', s.peer, 'type', 'veth', 'peer', 'name', `eth${s.index}`, 'address', s.mac, 'netns', ns(s.host)])
    await ip(['-n', switchNs, 'link', 'set', s.peer, 'master', `br${s.index}`])
    await ip(['-n', switchNs, 'link', 'set', s.peer, 'up'])
    s.present = true
    if (up) await ip(['-n', ns(s.host), 'link', 'set', `eth${s.index}`, 'up'])
  }

  await addNs(switchNs)
  for (const h of opts.hosts) {
    await addNs(ns(h.name))
    const n = h.ifaces ?? 1
    const ips = h.ip === undefined ? [] : Array.isArray(h.ip) ? h.ip : [h.ip]
    for (let i = 0; i < n; i++) {
      const s: IfaceState = { host: h.name, index: i, peer: '', mac: '', addresses: [], present: false }
      ifaces.set(`${h.name}/eth${i}`, s)
      await makeVeth(s, true)
      const addr = ips[i]
      if (addr !== undefined) {
        await ip(['-n', ns(h.name), 'addr', 'add', addr, 'dev', `eth${i}`])
        s.addresses.push(addr)
      }
    }
  }

  const lab: Lab = {
    id,
    switchNs,
    hosts: opts.hosts.map((h) => h.name),
    ns,
    mac: (host, iface = 'eth0') => state(host, iface).mac,
    exec: (host, cmd, args, o) => run('ip', ['netns', 'exec', ns(host), cmd, ...args], o),
    spawn: (host, cmd, args, o) => {
      const c = nsSpawn(ns(host), cmd, args, o?.env)
      children.add(c)
      c.once('exit', () => children.delete(c))
      return c
    },
    sysctl: async (host, key, value) => {
      await sysctlIn(ns(host), key, value)
    },
    addAddress: async (host, iface, cidr) => {
      await ip(['-n', ns(host), 'addr', 'add', cidr, 'dev', iface])
      const s = ifaces.get(`${host}/${iface}`)
      if (s) s.addresses.push(cidr)
    },
    setLink: async (host, iface, st) => {
      await ip(['-n', ns(host), 'link', 'set', iface, st])
    },
    deleteIface: async (host, iface) => {
      const s = state(host, iface)
      await ip(['-n', ns(host), 'link', 'del', iface])
      s.present = false
    },
    recreateIface: async (host, iface, o = {}) => {
      const s = state(host, iface)
      if (s.present) {
        await run('ip', ['-n', ns(host), 'link', 'del', iface])
        s.present = false
      }
      await makeVeth(s, o.up ?? true)
      if (o.addresses ?? true) {
        for (const a of s.addresses) await ip(['-n', ns(host), 'addr', 'add', a, 'dev', iface])
      } else {
        s.addresses = []
      }
    },
    ifindex: async (host, iface) => {
      const r = await ip(['-n', ns(host), '-j', 'link', 'show', 'dev', iface])
      const arr = JSON.parse(r.stdout) as Array<{ ifindex: number }>
      const first = arr[0]
      if (first === undefined) throw new Error(`Cannot find ifindex of ${iface} on "${host}": empty output`)
      return first.ifindex
    },
    teardown: (fn) => t.teardown(fn),
    tempDir: (prefix) => tempDir(t, prefix),
    destroy,
  }
  return lab
}

// ---------------------------------------------------------------------------
// peers: arping, neighbour table

/** Options for {@link arping}. */
export interface ArpingOpts {
  /** Requests to send (-c, default 3). */
  count?: number
  /** Seconds to wait in total (-w, default count + 2). */
  timeoutSec?: number
  /** Interval between requests in seconds (-i; iputils allows fractions only as root). */
  intervalSec?: number
  /** Sender IP (-s). With mode 'dad' arping uses 0.0.0.0. */
  source?: string
  /**
   * 'request' (default): who-has; iputils broadcasts the first request and
   * unicasts later ones to the MAC that replied, unless `broadcast` is set.
   * 'unsolicited' (-U) and 'answer' (-A): gratuitous request/reply announcing
   * `target` from this host. 'dad' (-D): RFC 5227 probe, sender IP 0.0.0.0;
   * exit code 0 means no one answered (address free).
   * iputils has no option to send the first request to a chosen unicast MAC;
   * use {@link scapySend} for that.
   */
  mode?: 'request' | 'unsolicited' | 'answer' | 'dad'
  /** -b: keep broadcasting, never switch to unicast. */
  broadcast?: boolean
  /** -f: quit on first reply. */
  quitOnFirst?: boolean
}

/** A reply line of arping. */
export interface ArpingReply {
  /** Lower-case MAC of the replier. */
  mac: string
  ip: string
  /** True for "Unicast reply", false for "Broadcast reply". */
  unicast: boolean
}

/** Result of {@link arping}. */
export interface ArpingResult {
  replies: ArpingReply[]
  /** arping's exit code (0: got a reply; in 'dad' mode 0: no reply). */
  code: number
  stdout: string
  stderr: string
}

/** parseArping extracts reply lines from iputils arping output. */
export function parseArping(stdout: string): ArpingReply[] {
  const replies: ArpingReply[] = []
  const re = /^(Unicast|Broadcast) reply from (\d+\.\d+\.\d+\.\d+) \[([0-9A-Fa-f:]{17})\]/gm
  for (const m of stdout.matchAll(re)) {
    replies.push({ unicast: m[1] === 'Unicast', ip: m[2] ?? '', mac: (m[3] ?? '').toLowerCase() })
  }
  return replies
}

/**
 * arping runs iputils `arping -I iface -c N -w S [flags] target` in `host`
 * and parses the replies. Never throws on a non-zero exit.
 */
export async function arping(lab: Lab, host: string, iface: string, target: string, opts: ArpingOpts = {}): Promise<ArpingResult> {
  const count = opts.count ?? 3
  const args = ['-I', iface, '-c', String(count), '-w', String(opts.timeoutSec ?? count + 2)]
  if (opts.intervalSec !== undefined) args.push('-i', String(opts.intervalSec))
  if (opts.source !== undefined) args.push('-s', opts.source)
  if (opts.broadcast) args.push('-b')
  if (opts.quitOnFirst) args.push('-f')
  switch (opts.mode ?? 'request') {
    case 'unsolicited':
      args.push('-U')
      break
    case 'answer':
      args.push('-A')
      break
    case 'dad':
      args.push('-D')
      break
    case 'request':
      break
  }
  args.push(target)
  const r = await lab.exec(host, 'arping', args, { timeoutMs: ((opts.timeoutSec ?? count + 2) + 10) * 1000 })
  return { replies: parseArping(r.stdout), code: r.code, stdout: r.stdout, stderr: r.stderr }
}

/** A neighbour table entry. */
export interface Neighbour {
  /** Lower-case MAC, absent for INCOMPLETE/FAILED entries. */
  mac?: string
  /** NUD state(s), comma-joined, e.g. 'REACHABLE', 'STALE', 'FAILED'. */
  state: string
  dev: string
}

/**
 * neighbour returns `host`'s neighbour (ARP) entry for `ip`, optionally on
 * `iface`, from `ip -j neigh show`, or undefined when there is none.
 */
export async function neighbour(lab: Lab, host: string, ipAddr: string, iface?: string): Promise<Neighbour | undefined> {
  const args = ['-n', lab.ns(host), '-j', '-4', 'neigh', 'show', 'to', ipAddr]
  if (iface !== undefined) args.push('dev', iface)
  const r = await run('ip', args, { check: true })
  const arr = JSON.parse(r.stdout || '[]') as Array<{ dst: string; dev?: string; lladdr?: string; state?: string[] }>
  const e = arr.find((x) => x.dst === ipAddr)
  if (e === undefined) return undefined
  const out: Neighbour = { state: (e.state ?? []).join(','), dev: e.dev ?? iface ?? '' }
  if (e.lladdr !== undefined) out.mac = e.lladdr.toLowerCase()
  return out
}

/** flushNeighbours empties `host`'s IPv4 neighbour table (all interfaces, or `iface`). */
export async function flushNeighbours(lab: Lab, host: string, iface?: string): Promise<void> {
  const args = ['-n', lab.ns(host), '-4', 'neigh', 'flush']
  args.push(...(iface !== undefined ? ['dev', iface] : ['all']))
  await run('ip', args, { check: true })
}

// ---------------------------------------------------------------------------
// captures

/** tshark's per-frame JSON: the `_source.layers` object of `tshark -T json`. */
export type TsharkLayers = Record<string, unknown>

/** One captured frame, decoded by tshark. ARP fields are 0 / '' for non-ARP frames. */
export interface Frame {
  /** Capture time, epoch seconds. */
  time: number
  /** Frame length on the wire (frame.len). */
  length: number
  ethSrc: string
  ethDst: string
  /** EtherType, e.g. 0x0806. */
  ethType: number
  arpOp: number
  senderMac: string
  senderIp: string
  targetMac: string
  targetIp: string
  /** True when tshark marked the frame malformed or raised an error-level expert item. */
  malformed: boolean
  /** The raw tshark layers, for field-by-field checks (e.g. raw['arp']['arp.hw.size']). */
  raw: TsharkLayers
}

/** A running capture; see {@link startCapture}. */
export interface Capture {
  /** The pcap(ng) file being written. */
  readonly file: string
  /** stop ends the capture and returns its frames; may be called again (returns the same frames). */
  stop(): Promise<Frame[]>
}

function field(layer: unknown, name: string): string {
  if (layer === null || typeof layer !== 'object') return ''
  const v = (layer as Record<string, unknown>)[name]
  if (typeof v === 'string') return v
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0]
  return ''
}

function num(s: string): number {
  if (s === '') return 0
  const n = Number(s)
  return Number.isNaN(n) ? 0 : n
}

function timeOf(frame: unknown): number {
  const epoch = field(frame, 'frame.time_epoch')
  const n = Number(epoch)
  if (epoch !== '' && !Number.isNaN(n)) return n
  // Newer tshark prints ISO 8601 here.
  const d = Date.parse(epoch)
  return Number.isNaN(d) ? 0 : d / 1000
}

function isMalformed(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === '_ws.malformed' || k.startsWith('_ws.malformed')) return true
    if (k === '_ws.expert.severity' && num(field(node, k)) >= EXPERT_SEVERITY_ERROR) return true
    if (typeof v === 'object' && isMalformed(v)) return true
  }
  return false
}

/** toFrame maps one tshark `_source.layers` object to a {@link Frame}. */
export function toFrame(layers: TsharkLayers): Frame {
  const arp = layers['arp']
  const eth = layers['eth']
  return {
    time: timeOf(layers['frame']),
    length: num(field(layers['frame'], 'frame.len')),
    ethSrc: field(eth, 'eth.src').toLowerCase(),
    ethDst: field(eth, 'eth.dst').toLowerCase(),
    ethType: num(field(eth, 'eth.type')),
    arpOp: num(field(arp, 'arp.opcode')),
    senderMac: field(arp, 'arp.src.hw_mac').toLowerCase(),
    senderIp: field(arp, 'arp.src.proto_ipv4'),
    targetMac: field(arp, 'arp.dst.hw_mac').toLowerCase(),
    targetIp: field(arp, 'arp.dst.proto_ipv4'),
    malformed: isMalformed(layers),
    raw: layers,
  }
}

/**
 * readPcap dissects `file` with `tshark -r FILE -T json` and returns its frames.
 *
 * @throws Error when tshark fails.
 */
export async function readPcap(file: string): Promise<Frame[]> {
  const r = await run('tshark', ['-r', file, '-T', 'json', '-n'], { check: true })
  const text = r.stdout.trim()
  if (text === '') return []
  const packets = JSON.parse(text) as Array<{ _source?: { layers?: TsharkLayers } }>
  return packets.map((p) => toFrame(p._source?.layers ?? {}))
}

/**
 * startCapture starts `tshark -i iface -f FILTER -w FILE` inside `host` and
 * resolves once tshark reports "Capturing on" (the capture is live). The
 * capture is stopped on teardown if the test forgets.
 *
 * @throws Error when tshark exits or does not start within 10 s.
 */
export async function startCapture(lab: Lab, host: string, iface: string, bpfFilter = ''): Promise<Capture> {
  const dir = lab.tempDir('vip-arpd-cap-')
  const file = join(dir, `${host}-${iface}.pcapng`)
  // tshark drops to dumpcap which must be able to write the file; root can.
  const args = ['-i', iface, '-n', '-q', '-w', file]
  if (bpfFilter !== '') args.push('-f', bpfFilter)
  const child = lab.spawn(host, 'tshark', args)
  let stderr = ''
  child.stdout?.resume()
  await new Promise<void>((resolveP, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`Cannot start capture on ${host}/${iface}: no "Capturing on" within 10 s: ${stderr}`))
    }, 10_000)
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString()
      if (stderr.includes('Capturing on')) {
        clearTimeout(timer)
        resolveP()
      }
    })
    child.once('exit', (code, sig) => {
      clearTimeout(timer)
      reject(new Error(`Cannot start capture on ${host}/${iface}: tshark exited (${code ?? sig}): ${stderr}`))
    })
  })
  // "Capturing on" is printed once dumpcap has opened the device; a short
  // pause covers the hand-off so the first frame sent next is not missed.
  await sleep(150)
  let frames: Promise<Frame[]> | undefined
  const stop = (): Promise<Frame[]> => {
    frames ??= (async () => {
      // Let frames in flight land before stopping.
      await sleep(200)
      await killAndWait(child, 'SIGINT', 5000)
      return readPcap(file)
    })()
    return frames
  }
  lab.teardown(() => killAndWait(child, 'SIGINT', 2000))
  return { file, stop }
}

// ---------------------------------------------------------------------------
// scapy

/** Options for {@link scapySend}. */
export interface ScapySendOpts {
  /** Times to send the whole list (default 1). */
  count?: number
  /** Seconds between frames (default 0). */
  interval?: number
}

/**
 * scapySend sends raw Ethernet frames (hex strings, whole frame from the
 * destination MAC on) out of `host`'s `iface` with scapy's `sendp`, through
 * `/usr/bin/python3 test/e2e/scapy-send.py`.
 *
 * @throws Error when python/scapy is missing, the script fails, or it sent
 *   fewer than `frames.length * count` frames.
 */
export async function scapySend(lab: Lab, host: string, iface: string, framesHex: string[], opts: ScapySendOpts = {}): Promise<number> {
  const count = opts.count ?? 1
  const input = JSON.stringify({ iface, frames: framesHex.map((h) => h.replace(/[\s:]/g, '')), count, interval: opts.interval ?? 0 })
  const r = await lab.exec(host, SYSTEM_PYTHON, [SCAPY_SEND], { input, timeoutMs: 120_000 })
  if (r.code !== 0) {
    throw new Error(`Cannot send frames with scapy on ${host}/${iface}: exit code ${r.code}: ${r.stderr.trim()}`)
  }
  const lines = r.stdout.trim().split('\n')
  const res = JSON.parse(lines[lines.length - 1] ?? '{}') as { sent?: number }
  const want = framesHex.length * count
  if (res.sent !== want) {
    throw new Error(`Cannot send frames with scapy on ${host}/${iface}: sent ${res.sent} of ${want}: ${r.stderr.trim()}`)
  }
  return res.sent
}

// ---------------------------------------------------------------------------
// the daemon

/** One parsed pino log line (plus anything the daemon adds). */
export interface LogLine {
  level?: number
  msg?: string
  time?: number
  [key: string]: unknown
}

/** Options for {@link startDaemon}. */
export interface DaemonOpts {
  /** Extra CLI arguments after `--config FILE`. */
  args?: string[]
  /** Extra environment variables. */
  env?: NodeJS.ProcessEnv
  /** Give up waiting for the 'ready' log line after this many ms (default 10 000). */
  readyTimeoutMs?: number
  /** Resolve at once instead of waiting for 'ready' (for tests of start-up failures). */
  noWait?: boolean
  /** Directory for the config file (default a fresh {@link tempDir}). */
  dir?: string
  /** Script to run instead of {@link DAEMON_ENTRY} (tests of the lab itself). */
  entry?: string
}

/** A running vip-arpd; see {@link startDaemon}. */
export interface DaemonProcess {
  proc: ChildProcess
  /** Directory holding the config file; handy for sockets and state files. */
  dir: string
  configPath: string
  /** Log lines parsed so far (stdout lines that are not JSON are kept as `{msg: line, raw: true}`). */
  logs(): LogLine[]
  /** stderr so far. */
  stderr(): string
  /**
   * waitForLog resolves with the first log line (already seen or new) that
   * matches `pred`.
   * @throws Error on timeout (default 5000 ms) or when the daemon exits first.
   */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>
  /** stop sends `signal` (default SIGTERM) and resolves on exit, with the ms it took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>
  /** kill sends SIGKILL and resolves on exit. */
  kill(): Promise<void>
}

/** Path of the built daemon entry point. */
export const DAEMON_ENTRY = join(REPO_ROOT, 'dist', 'cli', 'vip-arpd.js')

/**
 * startDaemon writes `config` as JSON to a temp dir, runs
 * `node dist/cli/vip-arpd.js --config FILE` inside `host`'s namespace and
 * resolves once it logs `msg: 'ready'`. It is killed on teardown.
 *
 * @throws Error with the collected stdout/stderr when the daemon exits first or
 *   is not ready within `readyTimeoutMs`.
 */
export async function startDaemon(lab: Lab, host: string, config: object, opts: DaemonOpts = {}): Promise<DaemonProcess> {
  const dir = opts.dir ?? lab.tempDir('vip-arpd-daemon-')
  const configPath = join(dir, 'config.json')
  writeFileSync(configPath, JSON.stringify(config, null, 2))
  const proc = lab.spawn(host, process.execPath, [opts.entry ?? DAEMON_ENTRY, '--config', configPath, ...(opts.args ?? [])], { env: opts.env ?? {} })
  const lines: LogLine[] = []
  const waiters = new Set<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>()
  let stderr = ''
  let buf = ''
  proc.stdout?.setEncoding('utf8')
  proc.stdout?.on('data', (chunk: string) => {
    buf += chunk
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      if (line.trim() === '') continue
      let parsed: LogLine
      try {
        const v = JSON.parse(line) as unknown
        parsed = v !== null && typeof v === 'object' ? (v as LogLine) : { msg: line, raw: true }
      } catch {
        parsed = { msg: line, raw: true }
      }
      lines.push(parsed)
      for (const w of waiters) {
        if (w.pred(parsed)) {
          waiters.delete(w)
          w.resolve(parsed)
        }
      }
    }
  })
  proc.stderr?.setEncoding('utf8')
  proc.stderr?.on('data', (chunk: string) => {
    stderr += chunk
  })
  const describe = (): string =>
    `stdout:\n${lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${stderr}`

  const waitForLog = (pred: (l: LogLine) => boolean, timeoutMs = 5000): Promise<LogLine> => {
    const seen = lines.find(pred)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolveP, reject) => {
      const w = {
        pred,
        resolve: (l: LogLine) => {
          cleanup()
          resolveP(l)
        },
      }
      const onExit = (code: number | null, sig: NodeJS.Signals | null): void => {
        // Let buffered stdout drain before failing.
        setImmediate(() => {
          const late = lines.find(pred)
          cleanup()
          if (late) resolveP(late)
          else reject(new Error(`vip-arpd exited (${code ?? sig}) before the expected log line\n${describe()}`))
        })
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for a vip-arpd log line\n${describe()}`))
      }, timeoutMs)
      const cleanup = (): void => {
        clearTimeout(timer)
        waiters.delete(w)
        proc.off('exit', onExit)
      }
      waiters.add(w)
      if (proc.exitCode !== null || proc.signalCode !== null) onExit(proc.exitCode, proc.signalCode)
      else proc.once('exit', onExit)
    })
  }

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> => {
    const t0 = Date.now()
    const done = waitExit(proc)
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal)
    const r = await done
    return { ...r, ms: Date.now() - t0 }
  }

  lab.teardown(() => killAndWait(proc, 'SIGTERM', 3000))

  const d: DaemonProcess = {
    proc,
    dir,
    configPath,
    logs: () => lines,
    stderr: () => stderr,
    waitForLog,
    stop,
    kill: async () => {
      await killAndWait(proc, 'SIGKILL', 0)
    },
  }
  if (!opts.noWait) {
    await waitForLog((l) => l.msg === 'ready', opts.readyTimeoutMs ?? 10_000).catch(async (err: unknown) => {
      await killAndWait(proc, 'SIGKILL', 0)
      throw new Error(`Cannot start vip-arpd in ${host}: ${(err as Error).message}`)
    })
  }
  return d
}

// ---------------------------------------------------------------------------
// frame building (for scapySend)

/** Fields of {@link arpFrameHex}. */
export interface ArpFrameSpec {
  ethDst?: string
  ethSrc: string
  /** 1 request, 2 reply (default 1). */
  op?: number
  senderMac?: string
  senderIp: string
  targetMac?: string
  targetIp: string
  /** Override header fields to build malformed frames. */
  htype?: number
  ptype?: number
  hlen?: number
  plen?: number
  /** EtherType (default 0x0806). */
  ethType?: number
  /** Cut the frame to this many bytes. */
  truncate?: number
}

/**
 * arpFrameHex builds an Ethernet + ARP frame (RFC 826) as a hex string for
 * {@link scapySend}: dst, src, type, then htype, ptype, hlen, plen, op,
 * sha, spa, tha, tpa (42 bytes, no padding).
 */
export function arpFrameHex(s: ArpFrameSpec): string {
  const mac = (m: string): Buffer => Buffer.from(m.replace(/[:-]/g, ''), 'hex')
  const ip4 = (a: string): Buffer => Buffer.from(a.split('.').map((x) => Number(x)))
  const u16 = (n: number): Buffer => {
    const b = Buffer.alloc(2)
    b.writeUInt16BE(n)
    return b
  }
  const buf = Buffer.concat([
    mac(s.ethDst ?? 'ff:ff:ff:ff:ff:ff'),
    mac(s.ethSrc),
    u16(s.ethType ?? 0x0806),
    u16(s.htype ?? 1),
    u16(s.ptype ?? 0x0800),
    Buffer.from([s.hlen ?? 6, s.plen ?? 4]),
    u16(s.op ?? 1),
    mac(s.senderMac ?? s.ethSrc),
    ip4(s.senderIp),
    mac(s.targetMac ?? '00:00:00:00:00:00'),
    ip4(s.targetIp),
  ])
  return (s.truncate !== undefined ? buf.subarray(0, s.truncate) : buf).toString('hex')
}
