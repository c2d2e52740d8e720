/**
 * keepalived's notifications, as a notify script gets them
 * (`TYPE NAME STATE PRIORITY` arguments) and as keepalived writes them to its
 * `notify_fifo` (`INSTANCE "VI_1" MASTER 100`, one per line), and how a
 * notification maps to vip-arpd groups and roles. Pure.
 *
 * See keepalived.conf(5), "notify" and "notify_fifo": TYPE is INSTANCE or
 * GROUP (a sync group); STATE is MASTER, BACKUP, FAULT or STOP (sent when
 * keepalived shuts down); keepalived 2.1+ also sends DELETED for an instance
 * removed by a reload. The FIFO also carries checker lines (`VS …`, `RS …`)
 * and other VRRP events (`MASTER_RX_LOWER_PRI`), which are not role changes.
 */
import type { Role } from '../roles/role.js';
import type { GroupConfig } from '../config/group-config.js';

export type NotifyType = 'INSTANCE' | 'GROUP';

export interface NotifyEvent {
  type: NotifyType;
  /** the VRRP instance or sync-group name */
  name: string;
  /** keepalived's state word, upper case */
  state: string;
  /** the role vip-arpd gives the mapped groups */
  role: Role;
  priority: number | undefined;
}

/** keepalived state → vip-arpd role. STOP and DELETED: keepalived no longer holds the VIPs, so be silent. */
const ROLE_OF_STATE: Readonly<Record<string, Role>> = {
  MASTER: 'MASTER',
  BACKUP: 'BACKUP',
  FAULT: 'FAULT',
  STOP: 'BACKUP',
  DELETED: 'BACKUP',
};

export const NOTIFY_STATES = Object.keys(ROLE_OF_STATE);

/** VRRP priorities are 0-255 (RFC 5798 §5.2.4). */
const MAX_PRIORITY = 255;

export type ParseNotifyResult = { ok: true; event: NotifyEvent } | { ok: false; message: string };

/**
 * Parses a notify script's arguments, as keepalived passes them:
 * `TYPE NAME STATE [PRIORITY]`.
 */
export function parseNotifyArgs(args: readonly string[]): ParseNotifyResult {
  if (args.length < 3 || args.length > 4) {
    return { ok: false, message: `expected TYPE NAME STATE [PRIORITY] (keepalived's notify arguments), got ${args.length} argument(s)` };
  }
  const [rawType, name, rawState, rawPriority] = args as [string, string, string, string | undefined];
  const type = rawType.toUpperCase();
  if (type !== 'INSTANCE' && type !== 'GROUP') return { ok: false, message: `TYPE must be INSTANCE or GROUP, got "${rawType}"` };
  if (name === '') return { ok: false, message: 'NAME is empty' };
  const state = rawState.toUpperCase();
  const role = ROLE_OF_STATE[state];
  if (role === undefined) return { ok: false, message: `STATE must be one of ${NOTIFY_STATES.join(', ')}, got "${rawState}"` };
  let priority: number | undefined;
  if (rawPriority !== undefined) {
    priority = /^\d{1,3}$/.test(rawPriority) ? Number(rawPriority) : NaN;
    if (!(priority <= MAX_PRIORITY)) return { ok: false, message: `PRIORITY must be 0-${MAX_PRIORITY}, got "${rawPriority}"` };
  }
  return { ok: true, event: { type, name, state, role, priority } };
}

export type ParseFifoLineResult =
  | { kind: 'event'; event: NotifyEvent }
  /** a well-formed line that is not a VRRP role change (checker lines, other events) */
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; message: string };

/** `TYPE "NAME" STATE [PRIORITY]`; keepalived quotes the name (which may hold spaces). */
const FIFO_LINE = /^(\S+) "([^"]*)" (\S+)(?: (\S+))?$/;

/**
 * Parses one `notify_fifo` line, e.g. `INSTANCE "VI_1" MASTER 100`.
 */
export function parseFifoLine(line: string): ParseFifoLineResult {
  const m = FIFO_LINE.exec(line.trim());
  if (m === null) {
    const first = line.trim().split(' ', 1)[0] ?? '';
    if (first === 'VS' || first === 'RS') return { kind: 'ignored', reason: 'checker (LVS) notification' };
    return { kind: 'invalid', message: `not a keepalived notify_fifo line: ${JSON.stringify(line.slice(0, 120))}` };
  }
  const [, type, name, state, priority] = m as unknown as [string, string, string, string, string | undefined];
  if (type !== 'INSTANCE' && type !== 'GROUP') return { kind: 'ignored', reason: `${type} notification` };
  if (ROLE_OF_STATE[state] === undefined) return { kind: 'ignored', reason: `state ${state} is not a role change` };
  const r = parseNotifyArgs(priority === undefined ? [type, name, state] : [type, name, state, priority]);
  return r.ok ? { kind: 'event', event: r.event } : { kind: 'invalid', message: r.message };
}

/**
 * The groups a keepalived instance or sync group drives: those listing `name`
 * in `keepalived`, else the group whose own name is `name`.
 */
export function groupsForKeepalivedName(groups: readonly Pick<GroupConfig, 'name' | 'keepalived'>[], name: string): string[] {
  const listed = groups.filter((g) => g.keepalived.includes(name)).map((g) => g.name);
  if (listed.length > 0) return listed;
  return groups.some((g) => g.name === name) ? [name] : [];
}
