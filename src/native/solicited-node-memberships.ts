/**
 * SolicitedNodeMemberships: the solicited-node multicast groups (RFC 4291
 * §2.7.1) of an interface's IPv6 VIPs, joined on that interface (issue 13).
 * Joining with IPV6_ADD_MEMBERSHIP makes the kernel put 33:33:ffxx:xxxx in the
 * NIC's multicast filter, so multicast NS for a VIP reach the NDP socket, and
 * send an MLD report, so MLD-snooping switches and Linux bridges with
 * multicast_snooping forward those NS to this port at all. (A packet socket's
 * PACKET_ADD_MEMBERSHIP would program the NIC but send no report.)
 *
 * Many VIPs share a group (it holds only the address's low 24 bits): each
 * group is counted by the VIPs that need it, joined once and left when the
 * last one goes.
 *
 * Limits, measured on Linux 6.18: each membership is charged to its socket's
 * option memory (net.core.optmem_max, 128 KiB by default: 2,340 groups per
 * socket, then ENOMEM); the interface itself has no limit. So the groups
 * spread over as many AF_INET6 datagram sockets as they need, a new one opened
 * when the last refuses (10,000 distinct groups: 5 sockets). Closing a socket
 * leaves its groups (the kernel drops a socket's memberships with it).
 */
import { constants, endianness } from 'node:os';
import { native, systemError, type SystemError } from './addon.js';
import { formatIpv6, type Ipv6Address } from '../wire/ipv6.js';

// linux/in6.h, linux/socket.h
const AF_INET6 = 10;
const SOCK_DGRAM = 2;
const IPPROTO_IPV6 = 41;
const IPV6_ADD_MEMBERSHIP = 20;
const IPV6_DROP_MEMBERSHIP = 21;
const { ENOMEM, ENOBUFS } = constants.errno;
/** struct ipv6_mreq: the group (16 bytes), then the interface index (host-order int). */
const MREQ_LENGTH = 20;

/** The fd-level calls memberships need; the native addon in production, a fake in unit tests. */
export interface MembershipSocketOps {
  /** Opens an AF_INET6 datagram socket: fd or -errno. */
  open(): number;
  /** setsockopt(fd, IPPROTO_IPV6, name, mreq): 0 or -errno. */
  setOption(fd: number, name: number, mreq: Buffer): number;
  close(fd: number): void;
}

const nativeOps: MembershipSocketOps = {
  open: () => native.openSocket(AF_INET6, SOCK_DGRAM, 0),
  setOption: (fd, name, mreq) => native.setSocketOptionBytes(fd, IPPROTO_IPV6, name, mreq),
  close: (fd) => void native.closeFd(fd),
};

/** What one reconcile did: the groups joined and left, and those that failed with the error. */
export interface MembershipChange {
  joined: number;
  left: number;
  failures: { group: string; error: SystemError }[];
}

/** A group is named by the low 24 bits of the addresses that share it. */
type GroupKey = number;

export class SolicitedNodeMemberships {
  readonly iface: string;
  private readonly ops: MembershipSocketOps;
  /** Sockets holding memberships, each with how many. */
  private readonly sockets: { fd: number; groups: number }[] = [];
  /** Joined groups: the index in {@link sockets} of the socket holding each. */
  private readonly joinedOn = new Map<GroupKey, number>();
  /** VIPs per wanted group, from the last reconcile. */
  private refs = new Map<GroupKey, number>();
  private readonly mreq = Buffer.alloc(MREQ_LENGTH);

  constructor(iface: string, ifindex: number, ops: MembershipSocketOps = nativeOps) {
    this.iface = iface;
    this.ops = ops;
    this.mreq.writeUInt32BE(0xff02_0000, 0);
    this.mreq.writeUInt32BE(1, 8);
    if (endianness() === 'LE') this.mreq.writeUInt32LE(ifindex, 16);
    else this.mreq.writeUInt32BE(ifindex, 16);
  }

  /**
   * Makes the joined groups exactly those of `vips` (four words per VIP, as
   * the IPv6 VIP table holds them): joins the new ones, leaves the ones no VIP
   * needs any more. A group that fails to join is retried on the next
   * reconcile; one that fails to leave is forgotten (its socket still holds
   * it until closed).
   */
  reconcile(vips: Uint32Array): MembershipChange {
    const wanted = new Map<GroupKey, number>();
    for (let i = 3; i < vips.length; i += 4) {
      const key = vips[i]! & 0xff_ffff;
      wanted.set(key, (wanted.get(key) ?? 0) + 1);
    }
    const change: MembershipChange = { joined: 0, left: 0, failures: [] };
    for (const [key, at] of this.joinedOn) {
      if (wanted.has(key)) continue;
      this.joinedOn.delete(key);
      this.sockets[at]!.groups--;
      const rc = this.ops.setOption(this.sockets[at]!.fd, IPV6_DROP_MEMBERSHIP, this.request(key));
      if (rc < 0) change.failures.push({ group: groupName(key), error: systemError(rc, 'setsockopt(IPV6_DROP_MEMBERSHIP)', this.iface) });
      else change.left++;
    }
    for (const key of wanted.keys()) {
      if (this.joinedOn.has(key)) continue;
      const error = this.join(key);
      if (error === undefined) change.joined++;
      else change.failures.push({ group: groupName(key), error });
    }
    this.refs = wanted;
    return change;
  }

  /** Joins `key` on the first socket with room, opening one when all refuse for lack of option memory. */
  private join(key: GroupKey): SystemError | undefined {
    const mreq = this.request(key);
    for (let at = 0; ; at++) {
      if (at === this.sockets.length) {
        const fd = this.ops.open();
        if (fd < 0) return systemError(fd, 'socket(AF_INET6)', this.iface);
        this.sockets.push({ fd, groups: 0 });
      }
      const socket = this.sockets[at]!;
      const rc = this.ops.setOption(socket.fd, IPV6_ADD_MEMBERSHIP, mreq);
      if (rc === 0) {
        socket.groups++;
        this.joinedOn.set(key, at);
        return undefined;
      }
      // A full socket says ENOMEM (sock_kmalloc against optmem_max); try the next.
      if (rc !== -ENOMEM && rc !== -ENOBUFS) return systemError(rc, 'setsockopt(IPV6_ADD_MEMBERSHIP)', this.iface);
      if (socket.groups === 0) return systemError(rc, 'setsockopt(IPV6_ADD_MEMBERSHIP)', this.iface);
    }
  }

  private request(key: GroupKey): Buffer {
    this.mreq.writeUInt32BE((0xff00_0000 | key) >>> 0, 12);
    return this.mreq;
  }

  /** The joined groups in RFC 5952 form, sorted, for `status`. */
  joined(): string[] {
    return [...this.joinedOn.keys()].sort((a, b) => a - b).map(groupName);
  }

  /** How many VIPs need the group of `vip` (0: not wanted). */
  vipsSharing(vip: Ipv6Address): number {
    return this.refs.get(vip[3]! & 0xff_ffff) ?? 0;
  }

  /** Sockets holding memberships (each holds up to ~2,340 with the default optmem_max). */
  get socketCount(): number {
    return this.sockets.length;
  }

  /** Leaves every group by closing the sockets; idempotent. */
  close(): void {
    for (const s of this.sockets) this.ops.close(s.fd);
    this.sockets.length = 0;
    this.joinedOn.clear();
    this.refs = new Map();
  }
}

const groupWords = new Uint32Array([0xff02_0000, 0, 1, 0]);

function groupName(key: GroupKey): string {
  groupWords[3] = (0xff00_0000 | key) >>> 0;
  return formatIpv6(groupWords);
}
