/**
 * The control commands the daemon core answers: help, status, vips, role,
 * takeover, release, fault, garp and notify. Other features register their
 * own (metrics, reload, doctor, …) on the same registry.
 */
import { VipArpdError } from '../errors.js';
import type { Daemon, RoleChange } from '../daemon/daemon.js';
import type { Role } from '../roles/role.js';
import { countVips, type VipSet } from '../vips/vip-table.js';
import type { GroupState } from '../vips/group-state.js';
import { formatIpv4, parseIpv4 } from '../wire/ipv4.js';
import { formatMac } from '../wire/mac.js';
import { parseNotifyArgs } from '../keepalived/notify.js';
import { applyNotify } from '../keepalived/apply-notify.js';

/** `source` of role changes asked for over the control socket. */
export const CONTROL_SOURCE = 'control';

export interface GroupStatus {
  name: string;
  role: Role;
  interface: string;
  vips: number;
  /** the MAC this group answers with, when known */
  mac: string | undefined;
}

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
export function requireGroup(daemon: Daemon, name: string): GroupState {
  const group = daemon.groups.get(name);
  if (group === undefined) {
    throw new VipArpdError('ENOGROUP', `unknown group "${name}"; configured groups: ${[...daemon.groups.keys()].join(', ') || '(none)'}`);
  }
  return group;
}

function groupStatus(daemon: Daemon, group: GroupState): GroupStatus {
  const cfg = daemon.config.groups.find((g) => g.name === group.name);
  const iface = cfg?.interface ?? '';
  const mac = group.mac ?? daemon.links.get(iface)?.macAddress;
  return {
    name: group.name,
    role: group.role,
    interface: iface,
    vips: daemon.snapshot.groups.find((g) => g.config.name === group.name)?.vips.length ?? 0,
    mac: mac === undefined ? undefined : formatMac(mac),
  };
}

/** The `status` reply: daemon, groups, interfaces, then every added section. */
export function statusOf(daemon: Daemon): Record<string, unknown> {
  return {
    daemon: {
      pid: process.pid,
      uptimeSec: Math.round((Date.now() - daemon.startedAt) / 1000),
      startedAt: new Date(daemon.startedAt).toISOString(),
      generation: daemon.generation,
    },
    groups: [...daemon.groups.values()].map((g) => groupStatus(daemon, g)),
    interfaces: [...daemon.links.values()].map((link) => ({
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
    })),
    ...daemon.commands.statusSections(),
  };
}

/**
 * VIPs to announce for `target`, a group name or a VIP, MASTER groups only.
 * @throws {VipArpdError} ENOTMASTER, ENOVIP.
 */
function garpTargets(daemon: Daemon, target: string): readonly VipSet[] {
  const group = daemon.groups.get(target);
  if (group !== undefined) {
    if (group.role !== 'MASTER') throw new VipArpdError('ENOTMASTER', `group "${target}" is ${group.role}; only a MASTER announces its VIPs (takeover first)`);
    const set = daemon.table.vipsOf(target);
    return set === undefined ? [] : [set];
  }
  const ip = parseIpv4(target);
  if (ip === undefined) throw new VipArpdError('ENOGROUP', `"${target}" is neither a group nor an IPv4 address; groups: ${[...daemon.groups.keys()].join(', ')}`);
  const bound = daemon.table.bindingsOfVip(ip);
  if (bound.length === 0) throw new VipArpdError('ENOVIP', `${target} is not a VIP of any group`);
  const master = bound.filter((b) => b.group.role === 'MASTER');
  if (master.length === 0) {
    throw new VipArpdError('ENOTMASTER', `${target} belongs to ${bound.map((b) => `"${b.group.name}" (${b.group.role})`).join(', ')}; only a MASTER announces`);
  }
  return master.map((b) => ({ group: b.group, iface: b.iface, ips: [b.ip] }));
}

function roleCommand(daemon: Daemon, cmd: string, to: Role): (args: string[]) => RoleChange {
  return (args) => {
    expectArgs(cmd, '<group>', args, 1, 1);
    requireGroup(daemon, args[0]!);
    return daemon.setRole(args[0]!, to, CONTROL_SOURCE);
  };
}

/**
 * Registers the core commands on `daemon.commands`.
 * @throws {Error} when one of them is registered already.
 */
export function registerCoreCommands(daemon: Daemon): void {
  const c = daemon.commands;
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
      return statusOf(daemon);
    },
  });
  c.register('vips', {
    usage: 'vips [<group>]',
    summary: 'the VIPs of every group, or of one',
    handler: (args) => {
      expectArgs('vips', '[<group>]', args, 0, 1);
      const groups = args.length === 1 ? [requireGroup(daemon, args[0]!)] : [...daemon.groups.values()];
      return groups.map((g) => ({ ...groupStatus(daemon, g), vips: Array.from(daemon.table.vipsOf(g.name)?.ips ?? [], formatIpv4) }));
    },
  });
  c.register('role', {
    usage: 'role <group>',
    summary: 'the role of one group (MASTER, BACKUP or FAULT), for scripts',
    handler: (args) => {
      expectArgs('role', '<group>', args, 1, 1);
      const g = requireGroup(daemon, args[0]!);
      return { group: g.name, role: g.role };
    },
  });
  c.register('takeover', { usage: 'takeover <group>', summary: 'become MASTER for a group: answer and announce its VIPs', handler: roleCommand(daemon, 'takeover', 'MASTER') });
  c.register('release', { usage: 'release <group>', summary: 'become BACKUP for a group: stop answering its VIPs', handler: roleCommand(daemon, 'release', 'BACKUP') });
  c.register('fault', { usage: 'fault <group>', summary: 'mark a group FAULT: silent, shown apart from BACKUP', handler: roleCommand(daemon, 'fault', 'FAULT') });
  c.register('garp', {
    usage: 'garp <group|vip>',
    summary: 'send one gratuitous ARP round now for a MASTER group or one VIP',
    handler: (args) => {
      expectArgs('garp', '<group|vip>', args, 1, 1);
      const sets = garpTargets(daemon, args[0]!);
      const announcer = daemon.announcer;
      if (announcer === undefined) throw new VipArpdError('ENOANNOUNCER', 'this daemon runs without an announcer; gratuitous ARP is unavailable');
      announcer.announceOnce(sets, CONTROL_SOURCE);
      return { announced: countVips(sets), groups: [...new Set(sets.map((s) => s.group.name))] };
    },
  });
  c.register('notify', {
    usage: 'notify TYPE NAME STATE [PRIORITY]',
    summary: "keepalived's notify arguments unchanged (INSTANCE|GROUP, name, MASTER|BACKUP|FAULT|STOP)",
    handler: (args) => {
      const r = parseNotifyArgs(args);
      if (!r.ok) throw new VipArpdError('EUSAGE', `notify: ${r.message}`);
      return applyNotify(daemon, r.event);
    },
  });
}
