/**
 * Human output of the diagnostics commands for vip-arpctl (`doctor`, `probe`,
 * `conflicts`), and the verdict its exit status follows. The daemon's data is
 * the contract; these only lay it out.
 */
import type { DoctorReport } from './doctor-checks.js';
import type { ProbeResult } from './probe.js';
import type { ConflictView } from './conflict-monitor.js';
import type { SplitBrainView } from './split-brain-log.js';
import { extraColumns, extraKeys, otherFields, type RenderContext } from '../control/generic-format.js';
import { ago, count } from '../control/human-units.js';
import { formatTable } from '../control/table.js';

const STATUS_LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

function renderDoctor(data: unknown, ctx: RenderContext): string {
  const r = data as DoctorReport;
  const out: string[] = [];
  // Problems first: with thousands of VIPs the passes are the least interesting.
  const order = { fail: 0, warn: 1, pass: 2 };
  for (const c of [...r.checks].sort((a, b) => order[a.status] - order[b.status])) {
    out.push(`${ctx.style.verdict(STATUS_LABEL[c.status])}  ${c.check} (${c.subject}): ${c.message}`);
    for (const f of c.fix) out.push(`      fix: ${f}`);
  }
  out.push('', `doctor: ${r.summary.pass} pass, ${r.summary.warn} warn, ${r.summary.fail} fail${r.ok ? '' : ' — fix the FAIL lines above'}`);
  return out.join('\n');
}

function renderProbe(data: unknown, _ctx: RenderContext): string {
  const r = data as ProbeResult;
  const out: string[] = [];
  const from = [...Object.entries(r.sources), ...Object.entries(r.sources6 ?? {})].map(([i, s]) => `${s} on ${i}`).join(', ');
  for (const v of r.vips) {
    const foreign = v.responders.filter((x) => !x.ours).length;
    out.push(`${v.vip} (group ${v.group}, ${v.role}, ${v.iface}): ${v.clean ? 'clean' : `${foreign} foreign responder(s)`}`);
    if (v.responders.length === 0) out.push('  no other host answered');
    for (const x of v.responders) {
      out.push(
        `  ${x.mac}  ${(x.ip ?? '(IP unknown)').padEnd(15)}  ${x.ours ? `ours (${x.reason})` : 'NOT OURS'}  ${x.replies} repl${x.replies === 1 ? 'y' : 'ies'}`,
      );
      if (x.fix !== undefined) out.push(`      fix: ${x.fix}`);
    }
  }
  out.push('', `probe: asked from ${from} for ${r.windowMs} ms: ${r.clean ? 'clean, no foreign MAC answers for the VIP(s)' : 'NOT CLEAN'}`);
  return out.join('\n');
}

const CONFLICT_KEYS = ['vip', 'family', 'mac', 'ip', 'iface', 'group', 'kind', 'kinds', 'count', 'firstSeen', 'lastSeen', 'lastDefended', 'splitBrain', 'fix'];

/** VIP, MAC, host IP, kind, count, last seen, defended: one row per (VIP, MAC) pair. */
function conflictTable(conflicts: readonly ConflictView[], ctx: RenderContext): string {
  const rows = conflicts as unknown as Record<string, unknown>[];
  const extra = extraColumns(extraKeys(rows, CONFLICT_KEYS), ctx);
  return formatTable([
    ['VIP', 'MAC', 'HOST IP', 'KIND', 'COUNT', 'LAST SEEN', 'DEFENDED', 'SPLIT BRAIN', 'GROUP', ...extra.header],
    ...conflicts.map((c, i) => [
      ctx.style.paint('red', c.vip),
      c.mac,
      c.ip ?? '?',
      c.kind,
      count(c.count, 'frame'),
      ago(c.lastSeen, ctx.now),
      c.lastDefended === null ? 'no' : ago(c.lastDefended, ctx.now),
      c.splitBrain == null ? '-' : ago(c.splitBrain, ctx.now),
      `${c.group} (${c.iface})`,
      ...extra.cells(rows[i]!),
    ]),
  ]);
}

/** One line per group whose handover grace ran out while both directors stayed MASTER. */
function splitBrainLines(splits: readonly SplitBrainView[] | undefined, ctx: RenderContext): string[] {
  return (splits ?? []).map(
    (b) =>
      `${ctx.style.paint('red', 'SPLIT BRAIN')}  group ${b.group} on ${b.iface}: ${b.vip}${b.vips > 1 ? ` (+${count(b.vips - 1, 'VIP')})` : ''} claimed by ${b.mac}${b.peer ? ' (peer)' : ''}, ${count(b.count, 'time')}, last ${ago(b.lastSeen, ctx.now)}, defence ${b.defence}`,
  );
}

function renderConflicts(data: unknown, ctx: RenderContext): string {
  const r = data as { total: number; frames: number; defencesSent: number; conflicts: ConflictView[]; splitBrains?: SplitBrainView[]; cleared: boolean };
  // A split brain with a configured peer leaves no conflict pair, so it is listed first, on its own.
  const splits = splitBrainLines(r.splitBrains, ctx);
  if (r.total === 0 && splits.length === 0) return `no conflicts (${count(r.frames, 'conflicting frame')} since start)`;
  const out = [
    ...splits,
    `${count(r.total, '(VIP, MAC) pair')} seen, ${count(r.frames, 'frame')}, ${count(r.defencesSent, 'defence')} sent${r.cleared ? '; now cleared' : ''}`,
  ];
  if (r.conflicts.length > 0) out.push(conflictTable(r.conflicts, ctx));
  for (const fix of new Set(r.conflicts.map((c) => c.fix))) out.push(`fix: ${fix}`);
  if (r.conflicts.length < r.total) out.push(`… ${r.total - r.conflicts.length} more (conflicts --limit N)`);
  return out.join('\n');
}

interface ConflictsSection {
  active: number;
  counters: { frames: number; pairs: number; defencesSent: number } & Record<string, number>;
  latest: ConflictView[];
  splitBrains?: SplitBrainView[];
}

/** The `conflicts` status section: a table of the pairs seen in the last 5 min, or one line. */
function renderConflictsSection(data: unknown, ctx: RenderContext): string {
  const s = data as ConflictsSection & Record<string, unknown>;
  if (typeof s.active !== 'number' || !Array.isArray(s.latest)) throw new TypeError('not a conflicts status section');
  const rest = otherFields(s, ['active', 'counters', 'latest', 'splitBrains'], ctx);
  const since = `${count(s.counters.frames, 'conflicting frame')}, ${count(s.counters.pairs, 'pair')} since start`;
  const splits = splitBrainLines(s.splitBrains, ctx)
    .map((l) => `\n${l}`)
    .join('');
  if (s.active === 0) return `conflicts: no conflicts in the last 5 min (${since})${rest}${splits}`;
  const head = `conflicts: ${ctx.style.paint('red', `${s.active} active`)} (${since}, ${count(s.counters.defencesSent, 'defence')} sent)`;
  const more = s.active > s.latest.length ? `\n… ${s.active - s.latest.length} more: vip-arpctl conflicts` : '';
  return `${head}${rest}${splits}\n${conflictTable(s.latest, ctx)}${more}`;
}

/** vip-arpctl formatters of the diagnostics features' status sections. */
export const DIAGNOSTICS_STATUS_FORMATTERS = { conflicts: renderConflictsSection } as const;

/** vip-arpctl renderers for the diagnostics commands, by command name. */
export const DIAGNOSTICS_RENDERERS: Readonly<Record<string, (data: unknown, ctx: RenderContext) => string>> = {
  doctor: renderDoctor,
  probe: renderProbe,
  conflicts: renderConflicts,
};

/**
 * True when a successful reply still reports a problem: `doctor` with a
 * failed check, `probe` with a foreign responder (both carry `ok: false`).
 * vip-arpctl exits non-zero then, so scripts can trust the status.
 */
export function verdictFailed(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { ok?: unknown }).ok === false;
}
