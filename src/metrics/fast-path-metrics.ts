/**
 * The XDP fast path's metrics (src/fastpath/): the mode each interface is
 * answered in, and the program's verdicts, read from its per-CPU counters at
 * scrape time.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FastPathReport } from '../fastpath/fast-path-report.js';
import { XDP_VERDICTS } from '../fastpath/xdp-counters.js';

export function registerFastPathMetrics(registry: Registry, reports: () => FastPathReport[]): void {
  new Gauge({
    name: 'vip_arpd_fast_path_info',
    help: 'the path that answers ARP on each interface: mode = xdp-native, xdp-generic or af_packet (value 1)',
    labelNames: ['iface', 'mode'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of reports()) this.set({ iface: r.iface, mode: r.mode }, 1);
    },
  });
  new Counter({
    name: 'vip_arpd_xdp_frames_total',
    help: 'frames the XDP program saw, by interface and verdict: answered in XDP, or pass:<reason> (handed to the stack and the AF_PACKET path)',
    labelNames: ['iface', 'verdict'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of reports()) {
        if (r.counts === undefined) continue;
        for (const v of XDP_VERDICTS) this.inc({ iface: r.iface, verdict: v }, r.counts[v]);
      }
    },
  });
}
