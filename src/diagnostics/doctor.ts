/**
 * The `doctor` control command: gathers facts about this director (sysctls,
 * addresses, links, the daemon's sockets, solicited-node memberships and
 * capabilities) and runs the pure checks of doctor-checks.ts over them.
 */
import { fs } from '../util/node-builtins.js';
import type { DaemonFeature } from '../daemon/feature.js';
import type { LinkView } from '../daemon/link-view.js';
import type { ConfigView } from '../config/config-view.js';
import type { RoleSource } from '../roles/role-source.js';
import type { CommandRegistry } from '../control/command-registry.js';
import { VipArpdError, errorMessage } from '../util/errors.js';
import { runDoctorChecks, type DoctorReport } from './doctor-checks.js';
import type { FastPathReport } from '../fastpath/fast-path-report.js';
import {
  CAP_NET_RAW,
  hasEffectiveCapability,
  parseIpAddrJson,
  parseUnicastFilters,
  type DoctorFacts,
  type SolicitedNodeFacts,
  type SysctlFacts,
} from './doctor-facts.js';
import { gatherIpv6Facts } from './doctor6.js';
import { readNumberFile, runIproute } from './host-read.js';
import { formatMac, parseMac } from '../wire/mac.js';

function readSysctl(iface: string, key: string): Promise<number | undefined> {
  return readNumberFile(`/proc/sys/net/ipv4/conf/${iface}/${key}`);
}

async function readSysctls(iface: string): Promise<SysctlFacts> {
  return { arpIgnore: await readSysctl(iface, 'arp_ignore'), arpAnnounce: await readSysctl(iface, 'arp_announce') };
}

/** Unicast filter lists of `ifaces` (only those with a group MAC need one); an unreadable list is left out. */
async function readUnicastFilters(ifaces: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const iface of new Set(ifaces)) {
    try {
      out.set(iface, parseUnicastFilters(await runIproute('bridge', ['-j', 'fdb', 'show', 'dev', iface])));
    } catch {
      // The macvlan and own-MAC checks still apply; the message says the list was not read.
    }
  }
  return out;
}

/** The daemon's solicited-node memberships on each of `ifaces` whose NDP socket is open (a missing interface has neither). */
function solicitedNodeFacts(daemon: DoctorSources, ifaces: readonly string[]): Map<string, SolicitedNodeFacts> {
  const out = new Map<string, SolicitedNodeFacts>();
  for (const iface of new Set(ifaces)) {
    const ndp = daemon.links.get(iface)?.ndp;
    if (ndp?.open !== true) continue;
    const limit = daemon.config.config.ndp.maxSolicitedNodeGroups;
    out.set(iface, { needed: ndp.neededGroups, joined: ndp.joinedGroups().length, pending: ndp.pendingGroups, allMulticast: ndp.allMulticast, limit });
  }
  return out;
}

/**
 * A group's IPv6 VIPs, 4 words each, sorted (the IPv6 VIP table of issue 13
 * feeds it); undefined or empty for a group without.
 */
export type Ipv6VipsOf = (group: string) => Uint32Array | undefined;

/** What `doctor` reads of the daemon: the groups configured, their roles, which sockets are open, which interfaces XDP serves, the IPv6 VIPs. */
export interface DoctorSources {
  config: ConfigView;
  roles: RoleSource;
  links: LinkView;
  fastPath?: () => FastPathReport[];
  ipv6VipsOf?: Ipv6VipsOf;
}

/**
 * Gathers the facts `doctor` judges from this host and the daemon. Never throws: missing facts become failed checks.
 * The IPv6 facts are gathered when `ipv6VipsOf` gives some group IPv6 VIPs.
 */
export async function gatherDoctorFacts(daemon: DoctorSources): Promise<DoctorFacts> {
  const { fastPath, ipv6VipsOf } = daemon;
  const groups = daemon.config.snapshot.groups.map((g) => ({
    name: g.config.name,
    iface: g.config.interface,
    role: daemon.roles.groups.get(g.config.name)?.role ?? 'BACKUP',
    vips: g.vips,
    mac: g.config.mac === undefined ? undefined : formatMac(parseMac(g.config.mac) ?? 0),
    ipv6Vips: ipv6VipsOf?.(g.config.name),
  }));
  const ifaces = [...new Set(groups.map((g) => g.iface))];
  const sysctl = new Map<string, SysctlFacts>();
  for (const name of ['all', ...ifaces]) sysctl.set(name, await readSysctls(name));
  const socketOpen = new Map(ifaces.map((i) => [i, daemon.links.get(i)?.wire !== undefined]));
  let capNetRaw: boolean | undefined;
  try {
    capNetRaw = hasEffectiveCapability(await fs.promises.readFile('/proc/self/status', 'utf8'), CAP_NET_RAW);
  } catch {
    capNetRaw = undefined;
  }
  const facts: DoctorFacts = { groups, sysctl, interfaces: undefined, addresses: undefined, socketOpen, capNetRaw, fastPath: fastPath?.() ?? [] };
  try {
    const parsed = parseIpAddrJson(await runIproute('ip', ['-j', '-d', 'addr', 'show']));
    facts.interfaces = parsed.interfaces;
    facts.addresses = parsed.addresses;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    // ENOENT from spawn is the one case where iproute2 is missing; anything
    // else (exit 1, a timeout) is ip failing, and its stderr says why.
    facts.ipMissing = e.code === 'ENOENT';
    const stderr = typeof e.stderr === 'string' ? e.stderr.trim() : '';
    facts.addressError = `ip -j -d addr show failed: ${stderr === '' ? errorMessage(err) : stderr}`;
  }
  const ipv6Ifaces = groups.filter((g) => (g.ipv6Vips?.length ?? 0) > 0).map((g) => g.iface);
  if (ipv6Ifaces.length > 0) facts.ipv6 = await gatherIpv6Facts(ipv6Ifaces);
  facts.solicitedNode = solicitedNodeFacts(daemon, ipv6Ifaces);
  facts.unicastFilters = await readUnicastFilters(groups.filter((g) => g.mac !== undefined && facts.interfaces?.has(g.iface) === true).map((g) => g.iface));
  return facts;
}

/** Registers `doctor`. */
export class DoctorFeature implements DaemonFeature {
  readonly name = 'doctor';
  constructor(private readonly opts: DoctorSources & { commands: CommandRegistry }) {}

  start(): void {
    this.opts.commands.register('doctor', {
      usage: 'doctor',
      summary: 'check this director for the LVS ARP problem (sysctls, VIP placement, interfaces, privileges); ok:false on any fail',
      handler: async (args): Promise<DoctorReport> => {
        if (args.length > 0) throw new VipArpdError('EUSAGE', `doctor takes no arguments, got "${args.join(' ')}"`);
        return runDoctorChecks(await gatherDoctorFacts(this.opts));
      },
    });
  }
}
