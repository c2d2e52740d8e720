/**
 * The Linux socket numbers the native wrappers pass to the addon's fd-level
 * calls (socket, setsockopt, bind), in one place. The addon takes them as
 * plain integers so that it stays thin; the values are those of the Linux
 * UAPI headers named beside each, as on x86-64 and arm64 (asm-generic; MIPS,
 * SPARC, PA-RISC and Alpha number SOL_SOCKET, SO_* and SOCK_* otherwise).
 */

// linux/socket.h (address families), linux/net.h (socket types)
export const AF_INET6 = 10;
export const AF_PACKET = 17;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;

// asm-generic/socket.h: socket-level options
export const SOL_SOCKET = 1;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;

// linux/in.h, linux/in6.h: IPv6 multicast membership
export const IPPROTO_IPV6 = 41;
export const IPV6_ADD_MEMBERSHIP = 20;
export const IPV6_DROP_MEMBERSHIP = 21;

// linux/socket.h, linux/if_packet.h, linux/if_ether.h: packet sockets
export const SOL_PACKET = 263;
export const PACKET_ADD_MEMBERSHIP = 1;
export const PACKET_MR_ALLMULTI = 2;
/** packet(7): every protocol. */
export const ETH_P_ALL = 0x0003;

// linux/netlink.h, linux/rtnetlink.h
/** rtnetlink(7) protocol number. */
export const NETLINK_ROUTE = 0;
/** RTNLGRP_LINK: link created, changed or deleted. */
export const RTNLGRP_LINK = 1;
