/**
 * Which received frames may be answered: the rules, in the order the
 * responder applies them, each following what Linux does with the same frame
 * (arp_rcv and arp_process in net/ipv4/arp.c, the route check they call), so
 * vip-arpd answers exactly the requests the kernel would answer for an address
 * of its own. Whatever else answers for vip-arpd (the XDP fast path) must apply
 * the same rules in the same order and count the same outcomes.
 *
 *  1. Link layer ({@link linkDrop}), from what the kernel says about the frame:
 *     - a VLAN tag with a VID other than 0 still on the frame (tp_vlan_tci;
 *       the kernel clears it before an ARP socket sees the frame except where
 *       it skips its VLAN check, as on a DSA conduit) → `foreign-vlan`;
 *     - sll_pkttype PACKET_OTHERHOST: the kernel ignores these (arp_rcv). It
 *       marks a frame so when it is unicast to another MAC (seen on veth, or
 *       in promiscuous mode) → `other-host`, and when it carried a tag with a
 *       VID that no VLAN device on this interface takes: it removes the tag
 *       (tp_vlan_tci then says nothing), so such a frame is recognised by
 *       being addressed to broadcast, a multicast MAC or this interface's
 *       MAC → `foreign-vlan` (a tagged unicast to another MAC stays
 *       `other-host`: nothing tells them apart any more).
 *     A priority tag (VID 0, any PCP), even an 802.1ad one or a VID-0 tag over
 *     a VID-0 tag, is removed by the kernel and the frame passes as untagged;
 *     the reply is untagged, as the kernel's is. A QinQ frame whose outer VID
 *     is not 0 never reaches an ARP socket (after one tag the kernel sees
 *     EtherType 0x8100), so it is neither answered nor counted.
 *     In raw-frame terms (XDP, before the kernel's receive path, with any tag
 *     the NIC did not already strip still in the bytes; 0x8100 and 0x88a8
 *     tags alike), as seen on Linux 6.18 with scapy frames through a bridge:
 *     - leading tags with VID 0 (one, two, three) are skipped: as untagged;
 *     - then a tag with another VID followed by EtherType 0x0806 →
 *       `foreign-vlan`;
 *     - a tag with another VID followed by a further tag → not ARP: it never
 *       reaches an ARP socket, is not answered and not counted;
 *     - untagged or VID 0 only, unicast to a MAC other than the interface's
 *       (or one a macvlan on it holds) → `other-host`.
 *  2. ARP header (decodeArp in ../wire/arp.ts) → `malformed:<reason>`:
 *     EtherType, htype 1, ptype 0x0800, hlen 6, plen 4, op 1 or 2, at least
 *     42 bytes, a unicast sender MAC. Bytes after the 42-byte ARP frame
 *     (padding, trailers, a frame up to a jumbo MTU) are ignored, as the
 *     kernel ignores them; the socket filter passes only the first 42.
 *  3. Only requests are answered → `not-request`.
 *  4. Sender IP ({@link isMartianSender}) → `martian-sender`.
 *  5. Sender IP = target IP, an announcement → `gratuitous`.
 *  6. Target IP a VIP of this interface (`not-a-vip`, `wrong-interface`),
 *     Ethernet destination broadcast or the reply MAC or the interface MAC
 *     (`not-for-us`), group MASTER (`not-master`) → `answered` (responder.ts).
 */
import { isGroupMac, readMac } from '../wire/mac.js';
import type { Outcome } from './outcome.js';

/** sll_pkttype of a frame addressed to another host (linux/if_packet.h). */
export const PACKET_OTHERHOST = 3;

/** The VLAN ID bits of an 802.1Q TCI (the rest are PCP and DEI). */
const VLAN_VID_MASK = 0x0fff;

/**
 * Returns why the link layer rules out the frame at `buf[offset]` (rule 1), or
 * undefined when it passes. `packetType` is its sll_pkttype, `vlanTag` the TCI
 * left on it (-1 for none), `ifaceMac` the receiving interface's MAC. Reads
 * the destination MAC, the frame's first 6 bytes, only for PACKET_OTHERHOST.
 */
export function linkDrop(
  packetType: number,
  vlanTag: number,
  buf: Uint8Array,
  offset: number,
  ifaceMac: number,
): Extract<Outcome, 'foreign-vlan' | 'other-host'> | undefined {
  if (vlanTag > 0 && (vlanTag & VLAN_VID_MASK) !== 0) return 'foreign-vlan';
  if (packetType !== PACKET_OTHERHOST) return undefined;
  const ethDst = readMac(buf, offset);
  return isGroupMac(ethDst) || ethDst === ifaceMac ? 'foreign-vlan' : 'other-host';
}

/**
 * Returns true when `ip` can never be the sender of a request the kernel
 * answers (rule 4): 0.0.0.0/8 other than the RFC 5227 probe's 0.0.0.0 (which
 * is answered), 127.0.0.0/8, 224.0.0.0/4 and 240.0.0.0/4 with
 * 255.255.255.255, the addresses RFC 1122 §3.2.1.3 says must not be a source.
 * The kernel always rejects loopback, multicast and limited broadcast senders
 * (ip_route_input's martian source); 0/8 and 240/4 senders it rejects when
 * rp_filter is on and no route covers them, as none should.
 */
export function isMartianSender(ip: number): boolean {
  const first = ip >>> 24;
  return ip !== 0 && (first === 0 || first === 127 || first >= 224);
}
