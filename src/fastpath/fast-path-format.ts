/**
 * vip-arpctl's lines for the `fastPath` status section, one per interface:
 * "fast path eth0: xdp-native, 3 VIPs, answered 1.2M, passed 4.3k
 * (not-request 4.0k, not-a-vip 311)" or "fast path eth0: af_packet (EPERM:
 * … needs CAP_BPF …)"; "fast path off" when no interface asks for XDP.
 */
import type { FastPathReport } from './fast-path-report.js';
import { otherFields, type RenderContext } from '../control/generic-format.js';
import { count, firstLine, rate } from '../control/human-units.js';

type Row = FastPathReport & Record<string, unknown>;

const SHOWN: readonly string[] = ['iface', 'configured', 'mode', 'reason', 'code', 'vlanHint', 'vips', 'counts'];

/** `passed 4.3k (not-request 4.0k, not-a-vip 311)`: the pass reasons that counted, largest first. */
function passedText(counts: Record<string, number>): string {
  const passed = Object.entries(counts)
    .filter(([k, n]) => k.startsWith('pass:') && n > 0)
    .sort((a, b) => b[1] - a[1]);
  const total = passed.reduce((sum, [, n]) => sum + n, 0);
  const why = passed.map(([k, n]) => `${k.slice('pass:'.length)} ${rate(n)}`).join(', ');
  return `passed ${rate(total)}${why === '' ? '' : ` (${why})`}`;
}

function interfaceLine(r: Row, ctx: RenderContext): string {
  const rest = otherFields(r, SHOWN, ctx);
  if (r.mode === 'af_packet') {
    // The reason can carry libbpf's whole message; doctor shows all of it with the fix.
    const why =
      r.reason === undefined
        ? r.configured
          ? ''
          : ' (not configured for XDP)'
        : ` (${ctx.style.paint('yellow', `${r.code ?? 'error'}: ${firstLine(r.reason, 80)}`)}; vip-arpctl doctor names the fix)`;
    return `fast path ${r.iface}: af_packet${why}${rest}`;
  }
  // Without the hint a VLAN tag the NIC stripped is invisible to the program (docs/xdp.md, Caveat).
  const hint = r.vlanHint === false ? ', no VLAN hint' : '';
  const counts = r.counts === undefined ? '' : `, answered ${rate(r.counts.answered)}, ${passedText(r.counts)}`;
  return `fast path ${r.iface}: ${r.mode}${hint}, ${count(r.vips, 'VIP')}${counts}${rest}`;
}

/** The `fastPath` section: a line per interface, or one line when it is off everywhere. */
function renderFastPathSection(data: unknown, ctx: RenderContext): string {
  if (!Array.isArray(data) || !data.every((r: Row) => typeof r?.iface === 'string' && typeof r.mode === 'string'))
    throw new TypeError('not a fastPath status section');
  const rows = data as Row[];
  const off = rows.every((r) => !r.configured && r.mode === 'af_packet' && r.reason === undefined && otherFields(r, SHOWN, ctx) === '');
  return off ? 'fast path off' : rows.map((r) => interfaceLine(r, ctx)).join('\n');
}

/** vip-arpctl formatters of the XDP feature's status sections. */
export const FAST_PATH_STATUS_FORMATTERS = { fastPath: renderFastPathSection } as const;
