/**
 * The `solicited-node` doctor check (issue 13): on each wire interface with
 * IPv6 VIPs, has the daemon joined the solicited-node groups its VIPs need,
 * or does it receive all multicast in their place (more groups than
 * ndp.maxSolicitedNodeGroups)? Either way the NIC passes the NS; what differs
 * is the MLD report. A snooping switch or bridge forwards a group's NS only
 * to ports that reported it (or that it treats as multicast routers), and
 * floods unregistered groups only while it is set to, so all-multicast
 * reception warns, never fails: NS still arrive wherever multicast is flooded.
 */
import type { DoctorCheck } from './doctor-check.js';
import { pass } from './doctor-check.js';
import type { DoctorFacts } from './doctor-facts.js';

export function checkSolicitedNode(facts: DoctorFacts): DoctorCheck[] {
  const out: DoctorCheck[] = [];
  for (const [iface, s] of facts.solicitedNode ?? []) {
    const limit = `ndp.maxSolicitedNodeGroups (${s.limit})`;
    if (s.allMulticast) {
      out.push({
        check: 'solicited-node',
        subject: iface,
        status: 'warn',
        message:
          `the IPv6 VIPs on ${iface} need ${s.needed} solicited-node groups, more than ${limit}, so vip-arpd joined none and ${iface} receives all multicast instead ` +
          `(ip -d link: allmulti). NS for the VIPs still reach vip-arpd, but no MLD report goes out for their groups: an MLD-snooping switch, or a Linux bridge ` +
          `with multicast_snooping, forwards them to this port only while it floods unregistered multicast, so clients behind it may fail to resolve the VIPs. ` +
          `Raise the limit to at least ${s.needed} (each join walks the interface's membership list: docs/benchmarks.md "Solicited-node joins"), ` +
          `or make this director's switch port a static multicast-router port`,
        fix: [
          `vip-arpctl reload  # after setting "ndp": {"maxSolicitedNodeGroups": ${s.needed}} or more in the config`,
          `bridge link set dev PORT mcast_router 2  # or, on the Linux bridge in front of ${iface}: PORT is this director's port; on a switch, its static mrouter port setting`,
        ],
      });
    } else if (s.pending === 0 && s.joined < s.needed) {
      out.push({
        check: 'solicited-node',
        subject: iface,
        status: 'warn',
        message: `${s.joined} of the ${s.needed} solicited-node groups the IPv6 VIPs on ${iface} need are joined; an MLD-snooping switch does not forward NS for the VIPs of the others to this port (the joins are retried on the next reload)`,
        fix: [`journalctl -u vip-arpd | grep 'solicited-node group not joined'  # the errno of each failed join`, 'vip-arpctl reload'],
      });
    } else {
      const pending = s.pending > 0 ? `, ${s.pending} joins and leaves still running` : '';
      out.push(
        pass(
          'solicited-node',
          iface,
          `${s.joined} solicited-node group(s) joined on ${iface} for its IPv6 VIPs (${s.needed} needed, at most ${limit}${pending}): their MLD reports make snooping switches forward the VIPs' NS to this port`,
        ),
      );
    }
  }
  return out;
}
