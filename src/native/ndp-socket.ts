/**
 * The NDP packet socket (issue 13): a PacketSocket bound to ETH_P_IPV6 with
 * the NS/NA filter (../wire/ndp-filter.ts). Why AF_PACKET and not an ICMPv6
 * raw socket, and what it costs per IPv6 packet that is not NDP, is in
 * docs/benchmarks.md ("NDP socket cost").
 */
import { PacketSocket, type PacketProtocol } from './packet-socket.js';
import { ndpSocketFilter, NDP_FILTER_CUT } from '../wire/ndp-filter.js';
import { ETHERTYPE_IPV6 } from '../wire/ndp.js';

/**
 * Slots of the filter's 256-byte cut; ring frames of 512 bytes (the frame
 * starts at offset ~80), 4096 of them = 2 MiB: NS arrive at a fraction of the
 * rate ARP floods reach, and a full ring drops in the kernel, counted there.
 */
export const NDP_PACKET_PROTOCOL: PacketProtocol = {
  ethertype: ETHERTYPE_IPV6,
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
