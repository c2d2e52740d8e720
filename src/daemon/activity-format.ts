/**
 * vip-arpctl's lines for the activity feature's status sections: `events`
 * (recent role changes and reloads, newest first) and `garp` (frames sent
 * per interface). `top` shows the same event lines.
 */
import type { GarpInterfaceCounts, ReloadEvent, RoleChangeEvent } from './activity-feature.js';
import { otherFields, type RenderContext } from '../control/generic-format.js';
import { ago, count, firstLine } from '../control/human-units.js';
import { formatTable } from '../control/table.js';

export interface EventsSection {
  roleChanges: RoleChangeEvent[];
  reloads: ReloadEvent[];
}

/** Role changes and reloads merged, newest first: `[when, what]` rows. */
export function eventRows(s: EventsSection, ctx: RenderContext, limit: number): string[][] {
  const rows: Array<{ at: string; what: string }> = [
    ...s.roleChanges.map((c) => ({
      at: c.at,
      what: `${c.group} ${c.from === c.to ? `${ctx.style.role(c.to)} again` : `${c.from} -> ${ctx.style.role(c.to)}`} (${c.source})`,
    })),
    ...s.reloads.map((r) => ({
      at: r.at,
      what: r.ok
        ? `reload: generation ${r.generation} applied`
        : `${ctx.style.paint('red', 'reload failed')}, generation ${r.generation} kept: ${firstLine(r.error ?? '', 80)}`,
    })),
  ];
  rows.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return rows.slice(0, limit).map((r) => [ago(r.at, ctx.now), r.what]);
}

function renderEventsSection(data: unknown, ctx: RenderContext): string {
  const s = data as EventsSection & Record<string, unknown>;
  if (!Array.isArray(s.roleChanges) || !Array.isArray(s.reloads)) throw new TypeError('not an events status section');
  const rows = eventRows(s, ctx, 10);
  const rest = otherFields(s, ['roleChanges', 'reloads'], ctx);
  if (rows.length === 0) return `recent events: no role change or reload since start${rest}`;
  return `recent events:${rest}\n${formatTable(rows).replace(/^/gm, '  ')}`;
}

function renderGarpSection(data: unknown, ctx: RenderContext): string {
  const s = data as { rounds: number; interfaces: GarpInterfaceCounts[] } & Record<string, unknown>;
  if (typeof s.rounds !== 'number' || !Array.isArray(s.interfaces)) throw new TypeError('not a garp status section');
  // `na` is absent in a section from a daemon older than IPv6 announcements.
  const per = s.interfaces.map(
    (i) =>
      `${i.name} ${count(i.request + i.reply + (i.na ?? 0), 'frame')} sent${i.na > 0 ? ` (${i.na} NA)` : ''}${i.dropped > 0 ? `, ${i.dropped} dropped` : ''}${i.cancelled > 0 ? `, ${i.cancelled} cancelled` : ''}`,
  );
  return `gratuitous ARP: ${count(s.rounds, 'round')}${per.length > 0 ? `; ${per.join('; ')}` : ''}${otherFields(s, ['rounds', 'interfaces'], ctx)}`;
}

/** vip-arpctl formatters of the activity feature's status sections. */
export const ACTIVITY_STATUS_FORMATTERS = { events: renderEventsSection, garp: renderGarpSection } as const;
