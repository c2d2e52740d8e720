/**
 * The `fast-path` doctor check: on each interface `fastPath` gives XDP, is
 * the program attached, in which mode, and if not, why and what fixes it.
 * Interfaces left on AF_PACKET are still answered, so this warns, never fails.
 */
import type { DoctorCheck } from './doctor-checks.js';
import type { DoctorFacts } from './doctor-facts.js';
import type { FastPathReport } from '../fastpath/fast-path-report.js';
import { passedTotal } from '../fastpath/xdp-counters.js';

function fixesFor(r: FastPathReport): string[] {
  switch (r.code) {
    case 'EPERM':
    case 'EACCES':
      return [
        'systemctl edit vip-arpd  # paste systemd/vip-arpd.service.d/xdp.conf.example (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON)',
        'systemctl restart vip-arpd',
      ];
    case 'EXDPUNAVAILABLE':
      return ["apt-get install clang llvm libbpf-dev  # then rebuild vip-arpd's native addon (npm rebuild)"];
    case 'EBUSY':
    case 'EEXIST':
      return [`ip link show ${r.iface}  # shows the XDP program attached already; remove it or leave ${r.iface} to AF_PACKET`];
    default:
      return [`journalctl -u vip-arpd | grep -i xdp  # why ${r.iface} is on AF_PACKET`];
  }
}

export function checkFastPath(facts: DoctorFacts): DoctorCheck[] {
  const out: DoctorCheck[] = [];
  for (const r of facts.fastPath ?? []) {
    if (!r.configured) continue;
    if (r.mode !== 'af_packet') {
      const c = r.counts;
      const tally = c === undefined ? '' : `; answered ${c.answered}, passed up ${passedTotal(c)}`;
      out.push({
        check: 'fast-path',
        subject: r.iface,
        status: 'pass',
        message: `XDP fast path attached on ${r.iface} (${r.mode}), ${r.vips} VIP(s) in its map${tally}`,
        fix: [],
      });
    } else {
      out.push({
        check: 'fast-path',
        subject: r.iface,
        status: 'warn',
        message: `fastPath asks for XDP on ${r.iface}, but it is answered on AF_PACKET: ${r.reason ?? 'not attached'}`,
        fix: fixesFor(r),
      });
    }
  }
  return out;
}
