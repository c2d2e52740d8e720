/**
 * vip-arpctl's human output: a renderer per command, and indented JSON for
 * commands without one (those registered by other features).
 */
import { DIAGNOSTICS_RENDERERS } from '../diagnostics/format.js';

type Renderer = (data: unknown) => string;

/** Pads columns to their widest cell; the first row is the header. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

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

interface GroupRow { name: string; role: string; interface: string; vips: number | string[]; mac?: string }
interface InterfaceRow { name: string; mac: string; present: boolean; counts: Record<string, number>; txDropped: number }
interface RoleChangeRow { group: string; from: string; to: string; source: string }

const CORE_STATUS_KEYS = new Set(['daemon', 'groups', 'interfaces']);

function malformed(counts: Record<string, number>): number {
  return Object.entries(counts).filter(([k]) => k.startsWith('malformed:')).reduce((sum, [, n]) => sum + n, 0);
}

function renderStatus(data: unknown): string {
  const s = data as { daemon: { pid: number; uptimeSec: number; generation: number }; groups: GroupRow[]; interfaces: InterfaceRow[] } & Record<string, unknown>;
  const out = [`vip-arpd pid ${s.daemon.pid}, up ${formatDuration(s.daemon.uptimeSec)}, config generation ${s.daemon.generation}`, ''];
  out.push(formatTable([['GROUP', 'ROLE', 'INTERFACE', 'VIPS', 'MAC'], ...s.groups.map((g) => [g.name, g.role, g.interface, String(g.vips), g.mac ?? '-'])]));
  out.push('');
  out.push(
    formatTable([
      ['INTERFACE', 'MAC', 'ANSWERED', 'NOT-MASTER', 'NOT-A-VIP', 'MALFORMED', 'TX-DROPPED'],
      ...s.interfaces.map((i) => [
        i.present ? i.name : `${i.name} (missing)`,
        i.mac,
        String(i.counts['answered'] ?? 0),
        String(i.counts['not-master'] ?? 0),
        String(i.counts['not-a-vip'] ?? 0),
        String(malformed(i.counts)),
        String(i.txDropped),
      ]),
    ]),
  );
  for (const [key, value] of Object.entries(s)) {
    if (!CORE_STATUS_KEYS.has(key)) out.push('', `${key}: ${JSON.stringify(value, null, 2)}`);
  }
  return out.join('\n');
}

function renderVips(data: unknown): string {
  return (data as GroupRow[]).map((g) => [`${g.name} (${g.role}, ${g.interface})`, ...(g.vips as string[]).map((v) => `  ${v}`)].join('\n')).join('\n');
}

function renderChange(c: RoleChangeRow): string {
  return c.from === c.to ? `${c.group}: ${c.to} (unchanged)` : `${c.group}: ${c.from} -> ${c.to}`;
}

const RENDERERS: Record<string, Renderer> = {
  status: renderStatus,
  vips: renderVips,
  role: (d) => (d as { role: string }).role,
  takeover: (d) => renderChange(d as RoleChangeRow),
  release: (d) => renderChange(d as RoleChangeRow),
  fault: (d) => renderChange(d as RoleChangeRow),
  notify: (d) => (d as RoleChangeRow[]).map(renderChange).join('\n'),
  garp: (d) => {
    const g = d as { announced: number; groups: string[] };
    return `announced ${g.announced} VIP(s) of ${g.groups.join(', ')}`;
  },
  help: (d) => formatTable((d as Array<{ usage: string; summary: string }>).map((c) => [c.usage, c.summary])),
  ...DIAGNOSTICS_RENDERERS,
};

/** Renders `cmd`'s response data for a person. */
export function renderHuman(cmd: string, data: unknown): string {
  const render = RENDERERS[cmd];
  if (render !== undefined) {
    try {
      return render(data);
    } catch {
      // A daemon of another version answered in another shape: show it as it is.
    }
  }
  return typeof data === 'string' ? data : JSON.stringify(data, null, 2);
}
