/**
 * vip-arpctl's human output: a renderer per command, the status sections
 * through the formatters their features provide, and a readable fallback
 * (never a JSON dump) for commands and sections without one.
 */
import { DIAGNOSTICS_RENDERERS, DIAGNOSTICS_STATUS_FORMATTERS } from '../diagnostics/format.js';
import { CONFIG_STATUS_FORMATTERS } from '../config/status-format.js';
import { ACTIVITY_STATUS_FORMATTERS } from '../daemon/activity-format.js';
import { CONTROL_STATUS_FORMATTERS } from './control-status-format.js';
import { FAST_PATH_STATUS_FORMATTERS } from '../fastpath/fast-path-format.js';
import { renderValue, type RenderContext } from './generic-format.js';
import { renderStatus, type StatusSectionFormatter } from './status-format.js';
import { formatTable } from './table.js';
import { PLAIN } from './text-style.js';

type Renderer = (data: unknown, ctx: RenderContext) => string;

interface GroupRow {
  name: string;
  role: string;
  interface: string;
  vips: string[];
  ipv6Vips?: string[];
}
interface RoleChangeRow {
  group: string;
  from: string;
  to: string;
  source: string;
}

/** Every status section's formatter, by section name, from the feature that adds the section. */
const STATUS_SECTION_FORMATTERS: Readonly<Record<string, StatusSectionFormatter>> = {
  ...DIAGNOSTICS_STATUS_FORMATTERS,
  ...CONFIG_STATUS_FORMATTERS,
  ...CONTROL_STATUS_FORMATTERS,
  ...ACTIVITY_STATUS_FORMATTERS,
  ...FAST_PATH_STATUS_FORMATTERS,
};

function renderVips(data: unknown, ctx: RenderContext): string {
  return (data as GroupRow[])
    .map((g) => [`${g.name} (${ctx.style.role(g.role)}, ${g.interface})`, ...[...g.vips, ...(g.ipv6Vips ?? [])].map((v) => `  ${v}`)].join('\n'))
    .join('\n');
}

function renderChange(c: RoleChangeRow, ctx: RenderContext): string {
  return c.from === c.to ? `${c.group}: ${ctx.style.role(c.to)} (unchanged)` : `${c.group}: ${c.from} -> ${ctx.style.role(c.to)}`;
}

const RENDERERS: Record<string, Renderer> = {
  status: (d, ctx) => renderStatus(d, ctx, STATUS_SECTION_FORMATTERS),
  vips: renderVips,
  // `role` stays one bare word: scripts read it (the OCF agent, heartbeat).
  role: (d) => (d as { role: string }).role,
  takeover: (d, ctx) => renderChange(d as RoleChangeRow, ctx),
  release: (d, ctx) => renderChange(d as RoleChangeRow, ctx),
  fault: (d, ctx) => renderChange(d as RoleChangeRow, ctx),
  notify: (d, ctx) => (d as RoleChangeRow[]).map((c) => renderChange(c, ctx)).join('\n'),
  garp: renderAnnounced,
  announce: renderAnnounced,
  help: (d) => formatTable((d as Array<{ usage: string; summary: string }>).map((c) => [c.usage, c.summary])),
  ...DIAGNOSTICS_RENDERERS,
};

/** `garp` / `announce`: how many VIPs of each family went into the round. */
function renderAnnounced(d: unknown): string {
  const g = d as { announced: number; ipv4?: number; ipv6?: number; groups: string[] };
  const families = g.ipv6 === undefined || g.ipv6 === 0 ? '' : ` (${g.ipv4 ?? 0} IPv4, ${g.ipv6} IPv6)`;
  return `announced ${g.announced} VIP(s)${families} of ${g.groups.join(', ')}`;
}

/** Renders `cmd`'s response data for a person. */
export function renderHuman(cmd: string, data: unknown, ctx: RenderContext = { now: Date.now(), style: PLAIN }): string {
  const render = RENDERERS[cmd];
  if (render !== undefined) {
    try {
      return render(data, ctx);
    } catch {
      // A daemon of another version answered in another shape: show it readably as it is.
    }
  }
  return typeof data === 'string' ? data : renderValue(data, ctx);
}
