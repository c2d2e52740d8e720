/**
 * `vip-arpctl status` for a person: the daemon line, the group and interface
 * tables, then every other section through the formatter its feature
 * provides, or the readable fallback when none does (or when the section's
 * shape is not the one its formatter knows).
 */
import { extraColumns, extraKeys, otherFields, renderNamed, type RenderContext } from './generic-format.js';
import { ago } from './human-units.js';
import { formatTable } from './table.js';

/** Lays out one status section, heading included; may throw on a shape it does not know. */
export type StatusSectionFormatter = (data: unknown, ctx: RenderContext) => string;

/** `3725` → `1h 2m 5s`. */
export function formatDuration(seconds: number): string {
  const parts: string[] = [];
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) parts.push(`${d}d`);
  if (h > 0) parts.push(`${h}h`);
  if (m > 0) parts.push(`${m}m`);
  parts.push(`${seconds % 60}s`);
  return parts.join(' ');
}

interface DaemonSection {
  pid: number;
  uptimeSec: number;
  generation: number;
}
type GroupRow = { name: string; role: string; interface: string; vips: number; ipv6Vips?: number; mac?: string | null } & Record<string, unknown>;
interface NdpSide {
  open: boolean;
  groups: string[];
  membershipFailures: number;
  pendingGroups?: number;
  allMulticast?: boolean;
  counts: Record<string, number>;
  txDropped: number;
}
type InterfaceRow = {
  name: string;
  mac: string;
  present: boolean;
  state?: string;
  missingSince?: string;
  flaps?: number;
  counts: Record<string, number>;
  txDropped: number;
  socketErrors?: number;
  sendErrors?: Record<string, number>;
  reopens?: number;
  ndp?: NdpSide;
} & Record<string, unknown>;

const CORE_SECTIONS = ['daemon', 'groups', 'interfaces'];
const GROUP_KEYS = ['name', 'role', 'interface', 'vips', 'ipv6Vips', 'mac'];
const INTERFACE_KEYS = ['name', 'mac', 'present', 'state', 'missingSince', 'flaps', 'counts', 'txDropped', 'socketErrors', 'sendErrors', 'reopens', 'ndp'];
/** Outcomes with a column of their own; every other one is summed under OTHER. */
const OUTCOME_COLUMNS = ['answered', 'not-master', 'not-a-vip', 'wrong-interface'];

function sumOf(counts: Record<string, number>, pick: (outcome: string) => boolean): number {
  return Object.entries(counts)
    .filter(([k]) => pick(k))
    .reduce((sum, [, n]) => sum + n, 0);
}

function renderDaemon(d: DaemonSection & Record<string, unknown>, ctx: RenderContext): string {
  return `vip-arpd pid ${d.pid}, up ${formatDuration(d.uptimeSec)}, config generation ${d.generation}${otherFields(d, ['pid', 'uptimeSec', 'startedAt', 'generation'], ctx)}`;
}

function renderGroups(groups: GroupRow[], ctx: RenderContext): string {
  if (groups.length === 0) return 'no groups configured';
  const extra = extraColumns(extraKeys(groups, GROUP_KEYS), ctx);
  // An older daemon (IPv4 only) sends no ipv6Vips: no column for it.
  const v6 = groups.some((g) => g.ipv6Vips !== undefined);
  return formatTable([
    ['GROUP', 'ROLE', 'INTERFACE', 'VIPS', ...(v6 ? ['IPV6-VIPS'] : []), 'MAC', ...extra.header],
    ...groups.map((g) => [
      g.name,
      ctx.style.role(g.role),
      g.interface,
      String(g.vips),
      ...(v6 ? [String(g.ipv6Vips ?? 0)] : []),
      g.mac ?? '-',
      ...extra.cells(g),
    ]),
  ]);
}

/** `up`, `down`, `missing 12 s` (red unless up); older daemons say only present or not. */
function linkState(i: InterfaceRow, ctx: RenderContext): string {
  const state = i.state ?? (i.present ? 'up' : 'missing');
  const text = state === 'missing' && i.missingSince !== undefined ? `missing since ${ago(i.missingSince, ctx.now)}` : state;
  return state === 'up' ? text : ctx.style.paint('red', text);
}

/** Send refusals summed, with the codes: `3 (ENOBUFS 2, ENETDOWN 1)`. */
function sendErrorsText(errors: Record<string, number> | undefined): string {
  const entries = Object.entries(errors ?? {}).filter(([, n]) => n > 0);
  if (entries.length === 0) return '0';
  return `${entries.reduce((sum, [, n]) => sum + n, 0)} (${entries.map(([code, n]) => `${code} ${n}`).join(', ')})`;
}

function renderInterfaces(interfaces: InterfaceRow[], ctx: RenderContext): string {
  if (interfaces.length === 0) return 'no interfaces open';
  const extra = extraColumns(extraKeys(interfaces, INTERFACE_KEYS), ctx);
  return formatTable([
    [
      'INTERFACE',
      'STATE',
      'MAC',
      'ANSWERED',
      'NOT-MASTER',
      'NOT-A-VIP',
      'WRONG-IF',
      'MALFORMED',
      'OTHER',
      'TX-DROPPED',
      'SOCK-ERRORS',
      'SEND-ERRORS',
      'FLAPS',
      'REOPENS',
      ...extra.header,
    ],
    ...interfaces.map((i) => [
      i.name,
      linkState(i, ctx),
      i.mac,
      ...OUTCOME_COLUMNS.map((o) => String(i.counts[o] ?? 0)),
      String(sumOf(i.counts, (k) => k.startsWith('malformed:'))),
      String(sumOf(i.counts, (k) => !k.startsWith('malformed:') && !OUTCOME_COLUMNS.includes(k))),
      String(i.txDropped),
      String(i.socketErrors ?? 0),
      sendErrorsText(i.sendErrors),
      String(i.flaps ?? 0),
      String(i.reopens ?? 0),
      ...extra.cells(i),
    ]),
  ]);
}

/** The NDP side of the interfaces that have one open or have counted NDP frames; '' when none. */
function renderNdp(interfaces: InterfaceRow[]): string {
  const rows = interfaces.filter((i) => i.ndp !== undefined && (i.ndp.open || Object.values(i.ndp.counts).some((n) => n > 0)));
  if (rows.length === 0) return '';
  return formatTable([
    ['NDP', 'SOCKET', 'ANSWERED', 'NOT-MASTER', 'NOT-A-VIP', 'WRONG-IF', 'MALFORMED', 'OTHER', 'TX-DROPPED', 'GROUPS', 'JOIN-FAILURES'],
    ...rows.map((i) => {
      const n = i.ndp!;
      return [
        i.name,
        n.open ? 'open' : 'closed',
        ...OUTCOME_COLUMNS.map((o) => String(n.counts[o] ?? 0)),
        String(sumOf(n.counts, (k) => k.startsWith('malformed'))),
        String(sumOf(n.counts, (k) => !k.startsWith('malformed') && !OUTCOME_COLUMNS.includes(k))),
        String(n.txDropped),
        groupsCell(n),
        String(n.membershipFailures),
      ];
    }),
  ]);
}

/** Groups joined, with the joins and leaves still pending; `allmulti` past ndp.maxSolicitedNodeGroups. */
function groupsCell(n: NdpSide): string {
  if (n.allMulticast === true) return 'allmulti';
  return (n.pendingGroups ?? 0) > 0 ? `${n.groups.length} (+${n.pendingGroups} pending)` : String(n.groups.length);
}

/** One section through `formatter`, or the fallback when there is none or it cannot read the shape. */
function renderSection(name: string, data: unknown, formatter: StatusSectionFormatter | undefined, ctx: RenderContext): string {
  if (formatter !== undefined) {
    try {
      return formatter(data, ctx);
    } catch {
      // another daemon version's shape: show it as it is, readably
    }
  }
  return renderNamed(name, data, ctx);
}

/**
 * The whole `status` reply.
 * @throws {TypeError} when the core sections are not there (not a vip-arpd status).
 */
export function renderStatus(data: unknown, ctx: RenderContext, formatters: Readonly<Record<string, StatusSectionFormatter>>): string {
  const s = data as { daemon: DaemonSection & Record<string, unknown>; groups: GroupRow[]; interfaces: InterfaceRow[] } & Record<string, unknown>;
  const ndp = renderNdp(s.interfaces);
  const out = [renderDaemon(s.daemon, ctx), '', renderGroups(s.groups, ctx), '', renderInterfaces(s.interfaces, ctx), '', ...(ndp === '' ? [] : [ndp, ''])];
  for (const [name, value] of Object.entries(s)) {
    if (CORE_SECTIONS.includes(name)) continue;
    const text = renderSection(name, value, formatters[name], ctx);
    // A table or list stands apart; one-line sections stay together.
    if (text.includes('\n')) out.push(...(out.at(-1) === '' ? [] : ['']), text, '');
    else out.push(text);
  }
  return out.join('\n').trimEnd();
}
