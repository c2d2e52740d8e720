/**
 * Human output of the diagnostics commands for vip-arpctl (`doctor`, `probe`,
 * `conflicts`), and the verdict its exit status follows. The daemon's data is
 * the contract; these only lay it out.
 */
import type { DoctorReport } from './doctor-checks.js';
import type { ProbeResult } from './probe.js';
import type { ConflictView } from './conflict-monitor.js';
import type { SplitBrainView } from './split-brain-log.js';

const STATUS_LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

function renderDoctor(data: unknown): string {
  const r = data as DoctorReport;
  const out: string[] = [];
  // Problems first: with thousands of VIPs the passes are the least interesting.
  const order = { fail: 0, warn: 1, pass: 2 };
  for (const c of [...r.checks].sort((a, b) => order[a.status] - order[b.status])) {
    out.push(`${STATUS_LABEL[c.status]}  ${c.check} (${c.subject}): ${c.message}`);
    for (const f of c.fix) out.push(`      fix: ${f}`);
  }
  out.push('', `doctor: ${r.summary.pass} pass, ${r.summary.warn} warn, ${r.summary.fail} fail${r.ok ? '' : ' — fix the FAIL lines above'}`);
  return out.join('\n');
}

function renderProbe(data: unknown): string {
  const r = data as ProbeResult;
  const out: string[] = [];
  const from = Object.entries(r.sources).map(([i, s]) => `${s} on ${i}`).join(', ');
  for (const v of r.vips) {
    const foreign = v.responders.filter((x) => !x.ours).length;
    out.push(`${v.vip} (group ${v.group}, ${v.role}, ${v.iface}): ${v.clean ? 'clean' : `${foreign} foreign responder(s)`}`);
    if (v.responders.length === 0) out.push('  no other host answered');
    for (const x of v.responders) {
      out.push(`  ${x.mac}  ${(x.ip ?? '(IP unknown)').padEnd(15)}  ${x.ours ? `ours (${x.reason})` : 'NOT OURS'}  ${x.replies} repl${x.replies === 1 ? 'y' : 'ies'}`);
      if (x.fix !== undefined) out.push(`      fix: ${x.fix}`);
    }
  }
  out.push('', `probe: asked from ${from} for ${r.windowMs} ms: ${r.clean ? 'clean, no foreign MAC answers for the VIP(s)' : 'NOT CLEAN'}`);
  return out.join('\n');
}

function renderConflicts(data: unknown): string {
  const r = data as { total: number; frames: number; defencesSent: number; conflicts: ConflictView[]; splitBrains?: SplitBrainView[]; cleared: boolean };
  // A split brain with a configured peer leaves no conflict pair, so it is listed first, on its own.
  const splits = (r.splitBrains ?? []).map((b) =>
    `SPLIT BRAIN  group ${b.group} on ${b.iface}: ${b.vip}${b.vips > 1 ? ` (+${b.vips - 1} VIP(s))` : ''} claimed by ${b.mac}${b.peer ? ' (peer)' : ''}, ${b.count} time(s), last ${b.lastSeen}, defence ${b.defence}`);
  if (r.total === 0 && splits.length === 0) return `no ARP conflicts seen (${r.frames} conflicting frame(s) since start)`;
  const out = [...splits, `${r.total} (VIP, MAC) pair(s) seen, ${r.frames} frame(s), ${r.defencesSent} defence(s) sent${r.cleared ? '; now cleared' : ''}`];
  for (const c of r.conflicts) {
    out.push(`${c.vip}  ${c.mac}  ${c.ip ?? '(IP unknown)'}  ${c.kind}  ×${c.count}  last ${c.lastSeen}  group ${c.group} on ${c.iface}${c.lastDefended === null ? '' : `  defended ${c.lastDefended}`}${c.splitBrain == null ? '' : `  split brain ${c.splitBrain}`}`);
    out.push(`      fix: ${c.fix}`);
  }
  if (r.conflicts.length < r.total) out.push(`… ${r.total - r.conflicts.length} more (conflicts --limit N)`);
  return out.join('\n');
}

/** vip-arpctl renderers for the diagnostics commands, by command name. */
export const DIAGNOSTICS_RENDERERS: Readonly<Record<string, (data: unknown) => string>> = {
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
