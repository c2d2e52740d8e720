// @ts-check
/**
 * Network-namespace primitives: namespaces (lo up, IPv6 off by default),
 * veth pairs made inside one namespace with their other end moved straight
 * into another (the root namespace is never touched), bridges, addresses,
 * sysctls, and the sweep of stale labs. Every namespace made here is named
 * by names.mjs and deleted when this process exits (processes.mjs).
 */
import { LAB_PREFIX, labNamespacePid } from './names.mjs';
import { forgetNamespace, trackNamespace } from './processes.mjs';
import { ip, run } from './run.mjs';

/**
 * sysctl sets `key` (e.g. 'net.ipv4.conf.eth0.arp_ignore') to `value` inside `ns`.
 * @param {string} ns
 * @param {string} key
 * @param {string | number} value
 * @returns {Promise<void>}
 */
export async function sysctl(ns, key, value) {
  await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `${key}=${value}`], { check: true });
}

/**
 * createNamespace adds namespace `name` with lo up and, unless
 * `disableIpv6: false`, IPv6 off (no router solicitations, DAD or MLD noise).
 * @param {string} name a name from names.mjs
 * @param {{ disableIpv6?: boolean }} [opts]
 * @returns {Promise<string>} `name`
 */
export async function createNamespace(name, opts = {}) {
  await ip(['netns', 'add', name]);
  trackNamespace(name);
  await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  if (opts.disableIpv6 ?? true) {
    await sysctl(name, 'net.ipv6.conf.all.disable_ipv6', 1);
    await sysctl(name, 'net.ipv6.conf.default.disable_ipv6', 1);
  }
  return name;
}

/**
 * deleteNamespace deletes `name`; a namespace already gone is not an error.
 * @param {string} name
 * @returns {Promise<void>}
 */
export async function deleteNamespace(name) {
  await run('ip', ['netns', 'del', name]);
  forgetNamespace(name);
}

/**
 * One end of a veth pair.
 * @typedef {object} VethEnd
 * @property {string} ns namespace
 * @property {string} name interface name (≤ 15 characters)
 * @property {string} [mac] MAC address (default: the kernel's random one)
 * @property {string} [master] bridge to enslave it to (an interface in the same namespace)
 */

/**
 * createVeth makes a veth pair inside `a.ns` with end `b` moved straight into
 * `b.ns`. End `a` comes up (after joining its bridge); end `b` too unless `up: false`.
 * @param {VethEnd} a
 * @param {VethEnd} b
 * @param {{ up?: boolean }} [opts]
 * @returns {Promise<void>}
 */
export async function createVeth(a, b, opts = {}) {
  const mac = (/** @type {VethEnd} */ end) => (end.mac === undefined ? [] : ['address', end.mac]);
  await ip(['-n', a.ns, 'link', 'add', a.name, ...mac(a), 'type', 'veth', 'peer', 'name', b.name, ...mac(b), 'netns', b.ns]);
  for (const end of [a, b]) {
    if (end.master !== undefined) await ip(['-n', end.ns, 'link', 'set', end.name, 'master', end.master]);
  }
  await ip(['-n', a.ns, 'link', 'set', a.name, 'up']);
  if (opts.up ?? true) await ip(['-n', b.ns, 'link', 'set', b.name, 'up']);
}

/**
 * createBridge adds bridge `name` in `ns`, up, with STP off and forward_delay
 * 0: ports forward at once, no learning pause.
 * @param {string} ns
 * @param {string} name
 * @returns {Promise<void>}
 */
export async function createBridge(ns, name) {
  await ip(['-n', ns, 'link', 'add', name, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  await ip(['-n', ns, 'link', 'set', name, 'up']);
}

/**
 * addAddress adds `cidr` (e.g. '192.0.2.1/24') to `iface` in `ns`.
 * @param {string} ns
 * @param {string} iface
 * @param {string} cidr
 * @returns {Promise<void>}
 */
export async function addAddress(ns, iface, cidr) {
  await ip(['-n', ns, 'addr', 'add', cidr, 'dev', iface]);
}

/**
 * pidAlive is true when process `pid` exists (EPERM: it exists, not ours).
 * @param {number} pid
 * @returns {boolean}
 */
function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

let swept = false;

/**
 * sweepStaleLabs deletes lab namespaces whose process no longer exists (a
 * crashed or killed run), never one of a live process. Runs once per
 * process unless `force`; returns the names it deleted.
 * @param {{ force?: boolean }} [opts]
 * @returns {Promise<string[]>}
 */
export async function sweepStaleLabs(opts = {}) {
  if (swept && !opts.force) return [];
  swept = true;
  const r = await run('ip', ['netns', 'list']);
  /** @type {string[]} */
  const deleted = [];
  for (const line of r.stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = labNamespacePid(name);
    if (pid === undefined || !name.startsWith(LAB_PREFIX) || pid === process.pid || pidAlive(pid)) continue;
    await run('ip', ['netns', 'del', name]);
    deleted.push(name);
  }
  return deleted;
}
