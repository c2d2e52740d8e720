/**
 * The screen of `vip-arpctl top`, as lines: a header, groups (role, VIPs),
 * interfaces (requests, answers and drops by outcome, GARP frames, each per
 * second), active conflicts and the last role changes and reloads. Pure: the
 * loop passes the last status reply, the rates and the clock.
 */
import type { RenderContext } from '../control/generic-format.js';
import { ago, count, firstLine, rate } from '../control/human-units.js';
import { formatDuration } from '../control/status-format.js';
import { formatTable } from '../control/table.js';
import { eventRows, type EventsSection } from '../daemon/activity-format.js';
import type { ConflictView } from '../diagnostics/conflict-monitor.js';
import type { InterfaceRates } from './top-rates.js';

/** Drop outcomes with a column of their own; the rest are summed under OTHER/S. */
const DROP_COLUMNS: ReadonlyArray<[string, string]> = [
  ['not-master', 'NOT-MASTER/S'],
  ['not-a-vip', 'NOT-A-VIP/S'],
  ['wrong-interface', 'WRONG-IF/S'],
];
const SHOWN_EVENTS = 6;
const SHOWN_CONFLICTS = 5;

interface TopStatus {
  daemon: { pid: number; uptimeSec: number; generation: number };
  groups: Array<{ name: string; role: string; interface: string; vips: number }>;
  interfaces: Array<{ name: string; present: boolean; state?: string }>;
  conflicts?: { active: number; latest: ConflictView[] };
  events?: EventsSection;
}

export interface TopFrame {
  /** the last status reply, if any came */
  status: unknown;
  /** rates since the sample before, undefined on the first (or after a restart) */
  rates: Map<string, InterfaceRates> | undefined;
  /** set while the daemon does not answer */
  unreachable?: { since: number; message: string };
  /** when `status` was received */
  receivedAt?: number;
  intervalMs: number;
  socket: string;
}

function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

function interfaceTable(s: TopStatus, rates: Map<string, InterfaceRates> | undefined): string {
  // '-' until two samples give a rate; an outcome a sample lacks is 0/s then.
  const cell = (n: number | undefined, known: boolean): string => (!known ? '-' : rate(n ?? 0));
  return formatTable([
    ['INTERFACE', 'REQ/S', 'ANSWERED/S', ...DROP_COLUMNS.map(([, h]) => h), 'MALFORMED/S', 'OTHER/S', 'TX-DROP/S', 'GARP/S'],
    ...s.interfaces.map((i) => {
      const r = rates?.get(i.name);
      const o = r?.outcomes;
      const known = r !== undefined;
      const sum = (pick: (k: string) => boolean): number =>
        Object.entries(o ?? {})
          .filter(([k]) => pick(k))
          .reduce((a, [, n]) => a + n, 0);
      const named = new Set(['answered', ...DROP_COLUMNS.map(([k]) => k)]);
      return [
        // 'missing' or 'down' beside the name: the rates of such a link are zero for a reason.
        (i.state ?? (i.present ? 'up' : 'missing')) === 'up' ? i.name : `${i.name} (${i.state ?? 'missing'})`,
        cell(r?.requests, known),
        cell(o?.['answered'], known),
        ...DROP_COLUMNS.map(([k]) => cell(o?.[k], known)),
        cell(
          sum((k) => k.startsWith('malformed:')),
          known,
        ),
        cell(
          sum((k) => !k.startsWith('malformed:') && !named.has(k)),
          known,
        ),
        cell(r?.txDropped, known),
        cell(r?.garp, known),
      ];
    }),
  ]);
}

/** What OTHER/S and MALFORMED/S are made of, per interface: the outcomes with a rate now. */
function otherOutcomeLines(s: TopStatus, rates: Map<string, InterfaceRates> | undefined): string[] {
  const named = new Set(['answered', ...DROP_COLUMNS.map(([k]) => k)]);
  return s.interfaces.flatMap((i) => {
    const parts = Object.entries(rates?.get(i.name)?.outcomes ?? {})
      .filter(([k, r]) => !named.has(k) && r > 0)
      .map(([k, r]) => `${k} ${rate(r)}`);
    return parts.length === 0 ? [] : [`  ${i.name} other and malformed, per second: ${parts.join(', ')}`];
  });
}

function conflictLines(s: TopStatus, ctx: RenderContext): string[] {
  const c = s.conflicts;
  if (c === undefined) return [];
  if (c.active === 0) return ['conflicts: none in the last 5 min'];
  const rows = c.latest
    .slice(0, SHOWN_CONFLICTS)
    .map((x) => [ctx.style.paint('red', x.vip), x.mac, x.ip ?? '?', x.kind, count(x.count, 'frame'), ago(x.lastSeen, ctx.now), `${x.group} (${x.iface})`]);
  return [
    `conflicts: ${ctx.style.paint('red', `${c.active} active`)}`,
    formatTable([['VIP', 'MAC', 'HOST IP', 'KIND', 'COUNT', 'LAST SEEN', 'GROUP'], ...rows]),
  ];
}

function eventLines(s: TopStatus, ctx: RenderContext): string[] {
  if (s.events === undefined) return [];
  const rows = eventRows(s.events, ctx, SHOWN_EVENTS);
  return rows.length === 0 ? ['recent: no role change or reload since start'] : ['recent:', formatTable(rows).replace(/^/gm, '  ')];
}

/** The lines of one screen. */
export function renderTop(f: TopFrame, ctx: RenderContext): string[] {
  const out: string[] = [];
  const s = f.status as TopStatus | undefined;
  const head =
    s === undefined ? 'vip-arpd' : `vip-arpd pid ${s.daemon.pid}, up ${formatDuration(s.daemon.uptimeSec)}, config generation ${s.daemon.generation}`;
  out.push(`${head}  ${clock(ctx.now)}  every ${f.intervalMs / 1000} s, q to quit`);
  if (f.unreachable !== undefined) {
    const since = Math.round((ctx.now - f.unreachable.since) / 1000);
    out.push(ctx.style.paint('red', `daemon unreachable, retrying (${since} s): ${firstLine(f.unreachable.message, 100)}`));
    if (s !== undefined && f.receivedAt !== undefined) out.push(`(last answer ${ago(f.receivedAt, ctx.now)}; figures below are from then)`);
  }
  if (s === undefined) {
    if (f.unreachable === undefined) out.push(`waiting for ${f.socket}`);
    return out;
  }
  out.push('');
  out.push(
    s.groups.length === 0
      ? 'no groups configured'
      : formatTable([['GROUP', 'ROLE', 'INTERFACE', 'VIPS'], ...s.groups.map((g) => [g.name, ctx.style.role(g.role), g.interface, String(g.vips)])]),
  );
  out.push('', interfaceTable(s, f.rates), ...otherOutcomeLines(s, f.rates), '');
  out.push(...conflictLines(s, ctx), '', ...eventLines(s, ctx));
  return out.flatMap((l) => l.split('\n'));
}
