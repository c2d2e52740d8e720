/**
 * The control commands the daemon core answers: help, status, vips, role,
 * takeover, release, fault, garp (alias announce) and notify. Other features register their
 * own (metrics, reload, doctor, …) on the same registry.
 */
import { VipArpdError } from '../util/errors.js';
import type { LinkView } from '../daemon/link-view.js';
import type { ConfigView } from '../config/config-view.js';
import type { VipSource } from '../vips/vip-lookup.js';
import type { RoleChange, RoleControl } from '../roles/role-source.js';
import type { AnnouncePort } from '../announcer/announce-port.js';
import type { CommandRegistry } from './command-registry.js';
import type { Role } from '../roles/role.js';
import { countVips, type VipSet } from '../vips/vip-table.js';
import type { GroupState } from '../vips/group-state.js';
import { formatIpv4, parseIpv4 } from '../wire/ipv4.js';
import { IPV6_WORDS } from '../vips/address-words.js';
import { groupVipSets } from '../vips/group-vip-sets.js';
import { formatMac } from '../wire/mac.js';
import { formatIpv6, parseIpv6 } from '../wire/ipv6.js';
import type { NdpLink } from '../daemon/ndp-link.js';
import { zeroNdpOutcomeCounts } from '../responder/ndp-outcome.js';
import { parseNotifyArgs } from '../keepalived/notify.js';
import { applyNotify } from '../keepalived/apply-notify.js';

/** `source` of role changes asked for over the control socket. */
export const CONTROL_SOURCE = 'control';

export interface GroupStatus {
  name: string;
  role: Role;
  interface: string;
  /** IPv4 VIPs */
  vips: number;
  /** IPv6 VIPs */
  ipv6Vips: number;
  /** the MAC this group answers with, when known */
  mac: string | undefined;
}

/** What the core commands read and call: roles (they change them only through the role machine), config, VIPs, links, the announcer. */
export interface CoreCommandPorts {
  roles: RoleControl;
  config: ConfigView;
  vips: VipSource;
  links: LinkView;
  /** undefined: `garp` answers ENOANNOUNCER */
  announcer: AnnouncePort | undefined;
  commands: CommandRegistry;
  /** when the daemon started (ms since the epoch) */
  startedAt: number;
}

/** What `status` reads. */
export type StatusPorts = Pick<CoreCommandPorts, 'roles' | 'config' | 'vips' | 'links' | 'commands' | 'startedAt'>;

function usage(cmd: string, want: string, args: string[]): VipArpdError {
  return new VipArpdError('EUSAGE', `usage: ${cmd} ${want}`.trimEnd() + ` (got ${args.length} argument(s))`);
}

function expectArgs(cmd: string, want: string, args: string[], min: number, max: number): void {
  if (args.length < min || args.length > max) throw usage(cmd, want, args);
}

/**
 * The state of `name`.
 * @throws {VipArpdError} ENOGROUP naming the known groups.
 */
export function requireGroup(ports: CoreCommandPorts, name: string): GroupState {
  const group = ports.roles.groups.get(name);
  if (group === undefined) {
    throw new VipArpdError('ENOGROUP', `unknown group "${name}"; configured groups: ${[...ports.roles.groups.keys()].join(', ') || '(none)'}`);
  }
  return group;
}

function groupStatus(ports: StatusPorts, group: GroupState): GroupStatus {
  const cfg = ports.config.config.groups.find((g) => g.name === group.name);
  const iface = cfg?.interface ?? '';
  const mac = group.mac ?? ports.links.get(iface)?.macAddress;
  const snap = ports.config.snapshot.groups.find((g) => g.config.name === group.name);
  return {
    name: group.name,
    role: group.role,
    interface: iface,
    vips: snap?.vips.length ?? 0,
    ipv6Vips: (snap?.ipv6Vips.length ?? 0) / IPV6_WORDS,
    mac: mac === undefined ? undefined : formatMac(mac),
  };
}

/** An interface's NDP side: socket open, solicited-node groups joined, NS/NA outcomes. */
function ndpStatus(ndp: NdpLink | undefined): Record<string, unknown> {
  return {
    open: ndp?.open ?? false,
    groups: ndp?.joinedGroups() ?? [],
    pendingGroups: ndp?.pendingGroups ?? 0,
    allMulticast: ndp?.allMulticast ?? false,
    membershipFailures: ndp?.membershipFailures ?? 0,
    counts: { ...(ndp?.responder.counts ?? zeroNdpOutcomeCounts()) },
    txDropped: ndp?.responder.txDropped ?? 0,
  };
}

/** The `status` reply: daemon, groups, interfaces, then every added section. */
export function statusOf(ports: StatusPorts): Record<string, unknown> {
  return {
    daemon: {
      pid: process.pid,
      uptimeSec: Math.round((Date.now() - ports.startedAt) / 1000),
      startedAt: new Date(ports.startedAt).toISOString(),
      generation: ports.config.generation,
    },
    groups: [...ports.roles.groups.values()].map((g) => groupStatus(ports, g)),
    interfaces: [...ports.links.values()].map((link) => ({
      name: link.iface,
      mac: formatMac(link.macAddress),
      present: link.wire !== undefined,
      /** 'missing' (waited for), 'down' or 'up' */
      state: link.phase,
      ...(link.missingSince === undefined ? {} : { missingSince: new Date(link.missingSince).toISOString() }),
      flaps: link.flaps,
      counts: { ...link.responder.counts },
      txDropped: link.responder.txDropped,
      socketErrors: link.socketErrors,
      sendErrors: { ...link.sendErrors },
      reopens: link.reopens,
      ndp: ndpStatus(link.ndp),
    })),
    ...ports.commands.statusSections(),
  };
}

/**
 * VIPs to announce for `target`, a group name (both families) or a VIP (IPv4
 * or IPv6), MASTER groups only.
 * @throws {VipArpdError} ENOTMASTER, ENOVIP, ENOGROUP.
 */
function garpTargets(ports: CoreCommandPorts, target: string): readonly VipSet[] {
  const group = ports.roles.groups.get(target);
  if (group !== undefined) {
    if (group.role !== 'MASTER') throw new VipArpdError('ENOTMASTER', `group "${target}" is ${group.role}; only a MASTER announces its VIPs (takeover first)`);
    return groupVipSets(ports.vips, target);
  }
  const bound = bindingsOf(ports, target);
  if (bound === undefined)
    throw new VipArpdError('ENOGROUP', `"${target}" is neither a group nor an IP address; groups: ${[...ports.roles.groups.keys()].join(', ')}`);
  if (bound.length === 0) throw new VipArpdError('ENOVIP', `${target} is not a VIP of any group`);
  const master = bound.filter((b) => b.group.role === 'MASTER');
  if (master.length === 0) {
    throw new VipArpdError('ENOTMASTER', `${target} belongs to ${bound.map((b) => `"${b.group.name}" (${b.group.role})`).join(', ')}; only a MASTER announces`);
  }
  return master;
}

/** The one-VIP sets of every group `text` (an IPv4 or IPv6 address) is a VIP of; undefined when it is no address. */
function bindingsOf(ports: CoreCommandPorts, text: string): VipSet[] | undefined {
  const ip = parseIpv4(text);
  if (ip !== undefined) return ports.vips.table.bindingsOfVip(ip).map((b) => ({ family: 'ipv4', group: b.group, iface: b.iface, ips: [b.ip] }));
  const words = new Uint32Array(IPV6_WORDS);
  if (parseIpv6(text, words) !== undefined) return undefined;
  return ports.vips.ipv6Table.bindingsOfVip(words).map((b) => ({ family: 'ipv6', group: b.group, iface: b.iface, ips: words }));
}

/** 4 words per address → RFC 5952 texts. */
function ipv6Texts(words: Uint32Array | undefined): string[] {
  const out: string[] = [];
  if (words !== undefined) for (let at = 0; at < words.length; at += IPV6_WORDS) out.push(formatIpv6(words.subarray(at, at + IPV6_WORDS)));
  return out;
}

function roleCommand(ports: CoreCommandPorts, cmd: string, to: Role): (args: string[]) => RoleChange {
  return (args) => {
    expectArgs(cmd, '<group>', args, 1, 1);
    requireGroup(ports, args[0]!);
    return ports.roles.setRole(args[0]!, to, CONTROL_SOURCE);
  };
}

/**
 * Registers the core commands on `ports.commands`.
 * @throws {Error} when one of them is registered already.
 */
export function registerCoreCommands(ports: CoreCommandPorts): void {
  const c = ports.commands;
  c.register('help', {
    usage: 'help',
    summary: 'list the commands this daemon answers',
    handler: () => c.help(),
  });
  c.register('status', {
    usage: 'status',
    summary: 'daemon, groups (name, role, interface, VIP count), interface counters',
    handler: (args) => {
      expectArgs('status', '', args, 0, 0);
      return statusOf(ports);
    },
  });
  c.register('vips', {
    usage: 'vips [<group>]',
    summary: 'the VIPs of every group, or of one',
    handler: (args) => {
      expectArgs('vips', '[<group>]', args, 0, 1);
      const groups = args.length === 1 ? [requireGroup(ports, args[0]!)] : [...ports.roles.groups.values()];
      return groups.map((g) => ({
        ...groupStatus(ports, g),
        vips: Array.from(ports.vips.table.vipsOf(g.name)?.ips ?? [], formatIpv4),
        ipv6Vips: ipv6Texts(ports.vips.ipv6Table.vipsOf(g.name)?.ips),
      }));
    },
  });
  c.register('role', {
    usage: 'role <group>',
    summary: 'the role of one group (MASTER, BACKUP or FAULT), for scripts',
    handler: (args) => {
      expectArgs('role', '<group>', args, 1, 1);
      const g = requireGroup(ports, args[0]!);
      return { group: g.name, role: g.role };
    },
  });
  c.register('takeover', {
    usage: 'takeover <group>',
    summary: 'become MASTER for a group: answer and announce its VIPs',
    handler: roleCommand(ports, 'takeover', 'MASTER'),
  });
  c.register('release', {
    usage: 'release <group>',
    summary: 'become BACKUP for a group: stop answering its VIPs',
    handler: roleCommand(ports, 'release', 'BACKUP'),
  });
  c.register('fault', {
    usage: 'fault <group>',
    summary: 'mark a group FAULT: silent, shown apart from BACKUP',
    handler: roleCommand(ports, 'fault', 'FAULT'),
  });
  c.register('garp', {
    usage: 'garp <group|vip>',
    summary: 'send one announcement round now for a MASTER group or one VIP: gratuitous ARP (IPv4), unsolicited NA (IPv6)',
    handler: (args) => {
      expectArgs('garp', '<group|vip>', args, 1, 1);
      const sets = garpTargets(ports, args[0]!);
      const announcer = ports.announcer;
      if (announcer === undefined)
        throw new VipArpdError('ENOANNOUNCER', 'this daemon runs without an announcer; gratuitous ARP and unsolicited NA are unavailable');
      announcer.announceOnce(sets, CONTROL_SOURCE);
      const ipv4 = countVips(sets.filter((s) => s.family === 'ipv4'));
      const ipv6 = countVips(sets.filter((s) => s.family === 'ipv6'));
      return { announced: ipv4 + ipv6, ipv4, ipv6, groups: [...new Set(sets.map((s) => s.group.name))] };
    },
  });
  // The neutral name: `garp` names only the IPv4 half of what it sends.
  c.alias('announce', 'garp');
  c.register('notify', {
    usage: 'notify TYPE NAME STATE [PRIORITY]',
    summary: "keepalived's notify arguments unchanged (INSTANCE|GROUP, name, MASTER|BACKUP|FAULT|STOP)",
    handler: (args) => {
      const r = parseNotifyArgs(args);
      if (!r.ok) throw new VipArpdError('EUSAGE', `notify: ${r.message}`);
      return applyNotify(ports.roles, ports.config.config, r.event);
    },
  });
}
