/**
 * The IPv6 side's metrics, beside the ARP ones of collectors.ts and named
 * after them with `ndp_`: NS/NA outcomes per interface, NAs sent and
 * dropped, the solicited-node groups joined (or all-multicast reception in
 * their place), and each group's IPv6 VIPs.
 * Read from the NDP responders' plain counters at scrape time.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DaemonReadings } from './collectors.js';
import { NDP_OUTCOMES } from '../responder/ndp-outcome.js';
import { IPV6_WORDS } from '../vips/address-words.js';

export function registerNdpMetrics(registry: Registry, daemon: Pick<DaemonReadings, 'links' | 'roles' | 'vips'>): void {
  const ndps = function* () {
    for (const link of daemon.links.values()) if (link.ndp !== undefined) yield { iface: link.iface, ndp: link.ndp };
  };
  new Counter({
    name: 'vip_arpd_ndp_frames_total',
    help: 'NS and NA frames received, by interface and outcome (answered, not-master, malformed:<reason>, malformed-na:<reason>, ...)',
    labelNames: ['iface', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { iface, ndp } of ndps()) for (const o of NDP_OUTCOMES) this.inc({ iface, outcome: o }, ndp.responder.counts[o]);
    },
  });
  new Counter({
    name: 'vip_arpd_ndp_replies_sent_total',
    help: 'Neighbor Advertisements answering NS that the kernel accepted, by interface',
    labelNames: ['iface'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { iface, ndp } of ndps()) this.inc({ iface }, Math.max(0, ndp.responder.counts.answered - ndp.responder.txDropped));
    },
  });
  new Counter({
    name: 'vip_arpd_ndp_tx_dropped_total',
    help: 'Neighbor Advertisements the kernel did not accept, by interface',
    labelNames: ['iface'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { iface, ndp } of ndps()) this.inc({ iface }, ndp.responder.txDropped);
    },
  });
  new Gauge({
    name: 'vip_arpd_ndp_solicited_node_groups',
    help: 'solicited-node multicast groups joined for the IPv6 VIPs, by interface',
    labelNames: ['iface'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { iface, ndp } of ndps()) this.set({ iface }, ndp.joinedGroups().length);
    },
  });
  new Gauge({
    name: 'vip_arpd_ndp_all_multicast',
    help: '1 while the interface receives all multicast instead of joining its solicited-node groups (more than ndp.maxSolicitedNodeGroups), else 0, by interface',
    labelNames: ['iface'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { iface, ndp } of ndps()) this.set({ iface }, ndp.allMulticast ? 1 : 0);
    },
  });
  new Gauge({
    name: 'vip_arpd_group_ipv6_vips',
    help: 'IPv6 VIPs configured per group',
    labelNames: ['group'],
    registers: [registry],
    collect() {
      this.reset();
      for (const name of daemon.roles.groups.keys()) this.set({ group: name }, (daemon.vips.ipv6Table.vipsOf(name)?.ips.length ?? 0) / IPV6_WORDS);
    },
  });
}
