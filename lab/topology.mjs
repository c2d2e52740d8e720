// @ts-check
/**
 * The switched lab: hosts on LANs that a "switch" namespace joins with one
 * bridge per LAN.
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
 * 203.0.113.0/24. Used by the e2e tests (test/e2e/lab/namespaces.ts adds
 * tap's teardown) and the demo.
 */
import { labNamespace, newLabId } from './names.mjs';
import { addAddress, createBridge, createNamespace, createVeth, deleteNamespace, sweepStaleLabs, sysctl } from './netns.mjs';
import { killAndWait, spawnIn } from './processes.mjs';
import { ip, run } from './run.mjs';

/** @typedef {import('node:child_process').ChildProcess} ChildProcess */
/** @typedef {import('./run.mjs').ExecOpts} ExecOpts */
/** @typedef {import('./run.mjs').ExecResult} ExecResult */

/**
 * One host of {@link LabOpts}.
 * @typedef {object} HostSpec
 * @property {string} name Short name, [a-z][a-z0-9]{0,7}; also used in the namespace name.
 * @property {number} [ifaces] Number of interfaces eth0…eth(N-1) (default 1).
 * @property {string | string[]} [ip] Address(es) in CIDR form, one per interface in order (e.g. '192.0.2.10/24').
 */

/**
 * Options for {@link buildLab}.
 * @typedef {object} LabOpts
 * @property {HostSpec[]} hosts
 * @property {boolean} [disableIpv6] Disable IPv6 in every namespace (default true) so captures hold no router solicitations or DAD noise.
 */

/**
 * @typedef {object} IfaceState
 * @property {string} host
 * @property {number} index
 * @property {string} peer Name of the veth peer inside the switch namespace.
 * @property {string} mac
 * @property {string[]} addresses
 * @property {boolean} present
 */

/**
 * A running lab; see {@link buildLab}.
 * @typedef {object} NetLab
 * @property {string} id Unique lab id (hex), part of every name.
 * @property {string} switchNs Switch namespace that holds the bridges.
 * @property {string[]} hosts Host names, in creation order.
 * @property {(host: string) => string} ns The namespace name of `host` (RangeError for an unknown host).
 * @property {(host: string, iface?: string) => string} mac The lower-case MAC of `host`'s `iface` (default eth0).
 * @property {(host: string, cmd: string, args: string[], opts?: ExecOpts) => Promise<ExecResult>} exec Runs `cmd args` inside `host`'s namespace; throws on non-zero exit only with `{check: true}`.
 * @property {(host: string, cmd: string, args: string[], opts?: { env?: NodeJS.ProcessEnv }) => ChildProcess} spawn Starts `cmd args` inside `host`'s namespace; the process is killed on destroy.
 * @property {(host: string, key: string, value: string | number) => Promise<void>} sysctl Sets `key` (e.g. 'net.ipv4.conf.eth0.arp_ignore') to `value` in `host`'s namespace.
 * @property {(host: string, iface: string, cidr: string) => Promise<void>} addAddress Adds `cidr` to `iface` ('lo' allowed); remembered for recreateIface.
 * @property {(host: string, iface: string, state: 'up' | 'down') => Promise<void>} setLink Brings `iface` up or down (the inside end; the bridge side stays up).
 * @property {(host: string, iface: string) => Promise<void>} deleteIface Deletes the veth pair of `iface` (as if the NIC was unplugged).
 * @property {(host: string, iface: string, opts?: { up?: boolean, addresses?: boolean }) => Promise<void>} recreateIface Makes a new veth pair with the same inside name, on the same bridge, with a new MAC and, by default, up with its remembered addresses. Deletes the old one first if it still exists.
 * @property {(host: string, iface: string) => Promise<number>} ifindex The current ifindex of `iface` in `host`'s namespace.
 * @property {() => Promise<void>} destroy Kills spawned processes and deletes every namespace of the lab; idempotent.
 */

/**
 * buildLab sweeps stale labs, then builds the namespaces, bridges and veths
 * described by `opts`. Interfaces come up with their addresses, `lo` is up,
 * IPv6 is off (unless `disableIpv6: false`). When a step fails, what was made
 * is removed before the error is thrown.
 * @param {LabOpts} opts
 * @returns {Promise<NetLab>}
 * @throws {RangeError} for a bad host name or duplicate host.
 */
export async function buildLab(opts) {
  await sweepStaleLabs();
  const id = newLabId();
  const switchNs = labNamespace(id, 'sw');
  /** @type {Map<string, string>} */
  const hostNs = new Map();
  /** @type {Map<string, IfaceState>} key `${host}/${iface}` */
  const ifaces = new Map();
  /** @type {Set<number>} */
  const bridges = new Set();
  /** @type {Set<ChildProcess>} */
  const children = new Set();
  /** @type {string[]} */
  const made = [];
  let macCounter = 0;
  let peerCounter = 0;
  let destroyed = false;

  for (const h of opts.hosts) {
    if (!/^[a-z][a-z0-9]{0,7}$/.test(h.name)) {
      throw new RangeError(`Cannot create host "${h.name}": name must match [a-z][a-z0-9]{0,7}`);
    }
    if (hostNs.has(h.name)) throw new RangeError(`Cannot create host "${h.name}": duplicate name`);
    hostNs.set(h.name, labNamespace(id, h.name));
  }

  /** @param {string} host */
  const ns = (host) => {
    const n = hostNs.get(host);
    if (n === undefined) throw new RangeError(`Cannot find host "${host}": lab has ${[...hostNs.keys()].join(', ')}`);
    return n;
  };
  /** @param {string} host @param {string} iface */
  const state = (host, iface) => {
    const s = ifaces.get(`${host}/${iface}`);
    if (s === undefined) throw new RangeError(`Cannot find interface ${iface} on host "${host}"`);
    return s;
  };
  const nextMac = () => {
    // 02: locally administered unicast; 3 bytes of lab id; 2-byte counter.
    macCounter++;
    const idBytes = id.match(/../g) ?? [];
    return ['02', ...idBytes, ((macCounter >> 8) & 0xff).toString(16).padStart(2, '0'), (macCounter & 0xff).toString(16).padStart(2, '0')].join(':');
  };

  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    await Promise.all([...children].map((c) => killAndWait(c, 'SIGTERM', 2000)));
    for (const n of made) await deleteNamespace(n);
  };

  /** @param {string} n */
  const addNs = async (n) => {
    made.push(n);
    await createNamespace(n, { disableIpv6: opts.disableIpv6 ?? true });
  };

  /** @param {IfaceState} s @param {boolean} up */
  const makeVeth = async (s, up) => {
    if (!bridges.has(s.index)) {
      await createBridge(switchNs, `br${s.index}`);
      bridges.add(s.index);
    }
    peerCounter++;
    // Peer names: "p" + counter + "x" + index + host(≤8), kept ≤ 15 chars (IFNAMSIZ-1).
    s.peer = `p${peerCounter}x${s.index}${s.host}`.slice(0, 15);
    s.mac = nextMac();
    await createVeth({ ns: switchNs, name: s.peer, master: `br${s.index}` }, { ns: ns(s.host), name: `eth${s.index}`, mac: s.mac }, { up });
    s.present = true;
  };

  try {
    await addNs(switchNs);
    for (const h of opts.hosts) {
      await addNs(ns(h.name));
      const n = h.ifaces ?? 1;
      const ips = h.ip === undefined ? [] : Array.isArray(h.ip) ? h.ip : [h.ip];
      for (let i = 0; i < n; i++) {
        /** @type {IfaceState} */
        const s = { host: h.name, index: i, peer: '', mac: '', addresses: [], present: false };
        ifaces.set(`${h.name}/eth${i}`, s);
        await makeVeth(s, true);
        const addr = ips[i];
        if (addr !== undefined) {
          await addAddress(ns(h.name), `eth${i}`, addr);
          s.addresses.push(addr);
        }
      }
    }
  } catch (err) {
    await destroy();
    throw err;
  }

  return {
    id,
    switchNs,
    hosts: opts.hosts.map((h) => h.name),
    ns,
    mac: (host, iface = 'eth0') => state(host, iface).mac,
    exec: (host, cmd, args, o) => run('ip', ['netns', 'exec', ns(host), cmd, ...args], o),
    spawn: (host, cmd, args, o) => {
      const c = spawnIn(ns(host), cmd, args, o?.env ? { env: o.env } : {});
      children.add(c);
      c.once('exit', () => children.delete(c));
      return c;
    },
    sysctl: (host, key, value) => sysctl(ns(host), key, value),
    addAddress: async (host, iface, cidr) => {
      await addAddress(ns(host), iface, cidr);
      ifaces.get(`${host}/${iface}`)?.addresses.push(cidr);
    },
    setLink: async (host, iface, st) => {
      await ip(['-n', ns(host), 'link', 'set', iface, st]);
    },
    deleteIface: async (host, iface) => {
      const s = state(host, iface);
      await ip(['-n', ns(host), 'link', 'del', iface]);
      s.present = false;
    },
    recreateIface: async (host, iface, o = {}) => {
      const s = state(host, iface);
      if (s.present) {
        await run('ip', ['-n', ns(host), 'link', 'del', iface]);
        s.present = false;
      }
      await makeVeth(s, o.up ?? true);
      if (o.addresses ?? true) {
        for (const a of s.addresses) await addAddress(ns(host), iface, a);
      } else {
        s.addresses = [];
      }
    },
    ifindex: async (host, iface) => {
      const r = await ip(['-n', ns(host), '-j', 'link', 'show', 'dev', iface]);
      const first = /** @type {Array<{ ifindex: number }>} */ (JSON.parse(r.stdout))[0];
      if (first === undefined) throw new Error(`Cannot find ifindex of ${iface} on "${host}": empty output`);
      return first.ifindex;
    },
    destroy,
  };
}
