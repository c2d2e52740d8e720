/**
 * The NDP packet socket (issue 13): a PacketSocket with the NS/NA filter
 * (../wire/ndp-filter.ts), bound to ETH_P_ALL rather than ETH_P_IPV6. Bound
 * to ETH_P_IPV6 it would be a second handler of the IPv6 EtherType, called
 * after ipv6_rcv, which then gets every IPv6 packet shared and clones it
 * (skb_share_check in ip6_rcv_core); an ETH_P_ALL tap runs first and has
 * dropped the packet (the filter's second instruction) before ipv6_rcv sees
 * it. Measured per IPv6 packet that is not NDP: ETH_P_IPV6 +9-18 %, ETH_P_ALL
 * +2-5 %, an ICMPv6 raw socket within noise of none; why AF_PACKET and not the
 * raw socket is in docs/benchmarks.md ("NDP socket cost").
 * PACKET_IGNORE_OUTGOING (openPacket) keeps outgoing frames out of the tap.
 */
import { PacketSocket, type PacketProtocol } from './packet-socket.js';
import { ETH_P_ALL } from './socket-constants.js';
import { ndpSocketFilter, NDP_FILTER_CUT } from '../wire/ndp-filter.js';

/**
 * Slots of the filter's 256-byte cut; ring frames of 512 bytes (the frame
 * starts at offset ~80), 4096 of them = 2 MiB: NS arrive at a fraction of the
 * rate ARP floods reach, and a full ring drops in the kernel, counted there.
 */
export const NDP_PACKET_PROTOCOL: PacketProtocol = {
  ethertype: ETH_P_ALL, // the filter picks IPv6 (ndp-filter.ts)
  filter: ndpSocketFilter(),
  slotSize: NDP_FILTER_CUT,
  ringFrameSize: 512,
  ringFrames: 4096,
};

/**
 * Opens the NDP socket on `iface` (by index).
 * @throws {SystemError} EPERM without CAP_NET_RAW, ENODEV for a missing interface.
 */
export function openNdpSocket(iface: string, ifindex: number): PacketSocket {
  return new PacketSocket(iface, ifindex, NDP_PACKET_PROTOCOL);
}
