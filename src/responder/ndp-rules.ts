/**
 * Which received neighbour messages may be answered: the rules, in the order
 * the NDP responder (ndp-responder.ts) applies them, each following what
 * Linux does with the same frame for an address of its own (ip6_rcv_core,
 * ndisc_rcv, ndisc_recv_ns in net/ipv6/), so vip-arpd answers exactly the NS
 * the kernel would answer if the VIP were on the wire interface. Pure.
 *
 *  1. Link layer (linkDrop in arp-rules.ts, the same for both protocols) →
 *     `foreign-vlan`, `other-host`.
 *  2. An NA (ICMPv6 type 136) is checked as RFC 4861 §7.1.2 says
 *     (decodeNa, ../wire/ndp-advert.ts) → `malformed-na:<reason>`, else
 *     `advertisement`: never answered, but an NA for our VIP from another MAC
 *     is a foreign claim, an answer or an announcement by its S flag
 *     ({@link classifyAdvertisement}).
 *  3. Anything else is checked as an NS, RFC 4861 §7.1.1 (decodeNs) →
 *     `malformed:<reason>`: hop limit 255, code 0, valid checksum, ICMPv6
 *     length ≥ 24, target not multicast, no zero-length option, a DAD probe
 *     (source ::) to a solicited-node group and without a Source LLA option.
 *  4. Source address multicast or loopback ({@link isMartianSource}), which
 *     ip6_rcv_core drops before NDP sees it → `martian-source`.
 *     (An NS from our VIP at another MAC, or a DAD probe for our VIP from
 *     another host, is a foreign claim: {@link NdpClaimKind}.)
 *  5. Target a VIP of this interface (`not-a-vip`, `wrong-interface`).
 *  6. Addressed to us ({@link isForUs}) → `not-for-us`: to the target's
 *     solicited-node group at its 33:33 MAC (RFC 2464 §7), or a unicast NUD
 *     probe to the VIP itself at the MAC that answers for it or the
 *     interface's MAC. (The kernel answers an NS to any group it joined; NS
 *     for a VIP go to its solicited-node group, RFC 4861 §7.2.2.)
 *  7. Group MASTER (`not-master`) → `answered`, with an NA (encodeNaReply).
 */
import { isIpv6Loopback, isIpv6Multicast, isSolicitedNodeMulticast, multicastMac, type Ipv6Address } from '../wire/ipv6.js';
import type { NeighborSolicitation } from '../wire/ndp.js';
import type { NeighborAdvertisement } from '../wire/ndp-advert.js';

/** True for a source address ip6_rcv_core drops on a frame from the wire: multicast or loopback. */
export function isMartianSource(source: Ipv6Address): boolean {
  return isIpv6Multicast(source) || isIpv6Loopback(source);
}

function sameAddress(a: Ipv6Address, b: Ipv6Address): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/**
 * True when `ns` is addressed to the VIP it asks for (rule 6): to the
 * target's solicited-node group at that group's MAC, or to the target itself
 * at `replyMac` (the group's MAC) or `ifaceMac`.
 */
export function isForUs(ns: Readonly<NeighborSolicitation>, replyMac: number, ifaceMac: number): boolean {
  if (isIpv6Multicast(ns.destination)) {
    return (
      isSolicitedNodeMulticast(ns.destination) && (ns.destination[3]! & 0xff_ffff) === (ns.target[3]! & 0xff_ffff) && ns.ethDst === multicastMac(ns.destination)
    );
  }
  return sameAddress(ns.destination, ns.target) && (ns.ethDst === replyMac || ns.ethDst === ifaceMac);
}

/**
 * How a neighbour message claims one of our VIPs for another host (the ARP
 * kinds they mirror: ../diagnostics/conflict-kind.ts):
 * - `advertisement`: an unsolicited NA (S=0) for the VIP with another MAC: a
 *   host announcing the VIP as its own (a second director taking over, or a
 *   realserver bringing it up on eth0 with ndisc_notify), as a gratuitous ARP;
 * - `solicited-advertisement`: an NA with S=1, an answer to somebody's NS for
 *   the VIP: a realserver whose kernel answers NS for it (the VIP on its
 *   eth0, or a proxy entry), as an ARP `reply`;
 * - `dad-probe`: a DAD probe for the VIP from another host (someone about to
 *   configure the VIP on the wire);
 * - `solicitation-source`: an NS from the VIP at another MAC (a realserver
 *   resolving its gateway with the VIP as source; every listener caching the
 *   Source LLA learns the wrong MAC, as with ARP's request-as-sender).
 */
export type NdpClaimKind = 'advertisement' | 'solicited-advertisement' | 'dad-probe' | 'solicitation-source';

/** The claim a valid NA for our VIP makes, by its Solicited flag: an answer (S=1) or an announcement (S=0). */
export function classifyAdvertisement(na: Readonly<Pick<NeighborAdvertisement, 'solicited'>>): 'solicited-advertisement' | 'advertisement' {
  return na.solicited ? 'solicited-advertisement' : 'advertisement';
}

/** The MAC an NS says its source is at: its Source LLA option, else the frame's source. */
export function solicitorMac(ns: Readonly<NeighborSolicitation>): number {
  return ns.hasSourceLla ? ns.sourceLla : ns.ethSrc;
}
