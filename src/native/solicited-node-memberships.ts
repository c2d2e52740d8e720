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
 *
 * Cost: each join walks the device's and the socket's membership lists, so n
 * joins cost O(n²) (docs/benchmarks.md "Solicited-node joins"). Joins and
 * leaves therefore run in slices of at most `sliceMs` with the event loop free
 * in between (the responder keeps answering both families), a newer reconcile
 * replacing the pending work; and past `maxGroups` distinct groups the
 * interface receives all multicast instead (PACKET_MR_ALLMULTI on a packet
 * socket of protocol 0, which receives nothing itself) and no group is joined.
 */
import { constants, endianness } from 'node:os';
import { performance } from 'node:perf_hooks';
import { native, systemError, type SystemError } from './addon.js';
import {
  AF_INET6,
  AF_PACKET,
  IPPROTO_IPV6,
  IPV6_ADD_MEMBERSHIP,
  IPV6_DROP_MEMBERSHIP,
  PACKET_ADD_MEMBERSHIP,
  PACKET_MR_ALLMULTI,
  SOCK_DGRAM,
  SOCK_RAW,
  SOL_PACKET,
} from './socket-constants.js';
import { formatIpv6 } from '../wire/ipv6.js';

const { ENOMEM, ENOBUFS } = constants.errno;
/** struct ipv6_mreq: the group (16 bytes), then the interface index (host-order int). */
const MREQ_LENGTH = 20;
/** struct packet_mreq: int ifindex, u16 type, u16 alen, u8 address[8]. */
const PACKET_MREQ_LENGTH = 16;

/** The fd-level calls memberships need; the native addon in production, a fake in unit tests. */
export interface MembershipSocketOps {
  /** Opens an AF_INET6 datagram socket: fd or -errno. */
  open(): number;
  /** setsockopt(fd, IPPROTO_IPV6, name, mreq): 0 or -errno. */
  setOption(fd: number, name: number, mreq: Buffer): number;
  /** Opens an AF_PACKET socket of protocol 0 (receives nothing): fd or -errno. */
  openPacket(): number;
  /** setsockopt(fd, SOL_PACKET, name, mreq): 0 or -errno. */
  setPacketOption(fd: number, name: number, mreq: Buffer): number;
  close(fd: number): void;
}

const nativeOps: MembershipSocketOps = {
  open: () => native.openSocket(AF_INET6, SOCK_DGRAM, 0),
  setOption: (fd, name, mreq) => native.setSocketOptionBytes(fd, IPPROTO_IPV6, name, mreq),
  openPacket: () => native.openSocket(AF_PACKET, SOCK_RAW, 0),
  setPacketOption: (fd, name, mreq) => native.setSocketOptionBytes(fd, SOL_PACKET, name, mreq),
  close: (fd) => void native.closeFd(fd),
};

/** What one slice of work did: the groups joined and left, and those that failed with the error. */
export interface MembershipChange {
  joined: number;
  left: number;
  failures: { group: string; error: SystemError }[];
}

export interface MembershipOptions {
  ops?: MembershipSocketOps;
  /** more distinct groups than this: all-multicast reception instead of joins (read per reconcile; default: no limit) */
  maxGroups?: () => number;
  /** longest run of joins and leaves before the event loop gets a turn (default 2 ms) */
  sliceMs?: number;
  /** told of what each slice after the first did */
  onChange?: (change: MembershipChange) => void;
  /** tests inject these two */
  now?: () => number;
  defer?: (run: () => void) => void;
}

/** A group is named by the low 24 bits of the addresses that share it. */
type GroupKey = number;

export class SolicitedNodeMemberships {
  readonly iface: string;
  private readonly ifindex: number;
  private readonly ops: MembershipSocketOps;
  private readonly maxGroups: () => number;
  private readonly sliceMs: number;
  private readonly onChange: (change: MembershipChange) => void;
  private readonly now: () => number;
  private readonly defer: (run: () => void) => void;
  /** Sockets holding memberships, each with how many, and whether it last refused one for lack of memory. */
  private readonly sockets: { fd: number; groups: number; full: boolean }[] = [];
  /** The first socket that may have room: joins start here rather than at 0. */
  private roomAt = 0;
  /** Joined groups: the index in {@link sockets} of the socket holding each. */
  private readonly joinedOn = new Map<GroupKey, number>();
  /** Work of the last reconcile: groups to leave, then to join, each done up to its cursor. */
  private leaves: GroupKey[] = [];
  private joins = NO_KEYS;
  private leftUpTo = 0;
  private joinedUpTo = 0;
  /** The all-multicast packet socket while over the limit (or until joins below it are done). */
  private allMulticastFd: number | undefined;
  private wantAllMulticast = false;
  /** Distinct groups the last reconcile's VIPs need, joined or not. */
  private needed = 0;
  private scheduled = false;
  private readonly mreq = Buffer.alloc(MREQ_LENGTH);

  constructor(iface: string, ifindex: number, opts: MembershipOptions = {}) {
    this.iface = iface;
    this.ifindex = ifindex;
    this.ops = opts.ops ?? nativeOps;
    this.maxGroups = opts.maxGroups ?? (() => Infinity);
    this.sliceMs = opts.sliceMs ?? 2;
    this.onChange = opts.onChange ?? (() => {});
    this.now = opts.now ?? (() => performance.now());
    this.defer = opts.defer ?? ((run) => void setImmediate(run));
    this.mreq.writeUInt32BE(0xff02_0000, 0);
    this.mreq.writeUInt32BE(1, 8);
    writeHostInt(this.mreq, ifindex, 16);
  }

  /**
   * Makes the joined groups exactly those of `vipSets` (four words per VIP, as
   * the IPv6 VIP table holds its groups' VIPs), or none with all-multicast reception when
   * they are more than `maxGroups`: leaves the ones not wanted, joins the new
   * ones. Does one slice now and returns what it did; the rest follows in
   * later slices (reported to `onChange`), replaced by the next reconcile. A
   * group that fails to join is retried on the next reconcile; one that fails
   * to leave is forgotten (its socket still holds it until closed).
   */
  reconcile(...vipSets: Uint32Array[]): MembershipChange {
    const wanted = groupKeysOf(vipSets);
    const change: MembershipChange = { joined: 0, left: 0, failures: [] };
    this.needed = wanted.length;
    this.wantAllMulticast = wanted.length > this.maxGroups();
    if (this.wantAllMulticast) this.enterAllMulticast(change);
    const target = this.allMulticastFd !== undefined && this.wantAllMulticast ? NO_KEYS : wanted;
    this.leaves = [...this.joinedOn.keys()].filter((key) => !includesKey(target, key));
    this.joins = target.filter((key) => !this.joinedOn.has(key));
    this.leftUpTo = 0;
    this.joinedUpTo = 0;
    this.slice(change);
    return change;
  }

  /** Joins and leaves not done yet. */
  get pending(): number {
    return this.leaves.length - this.leftUpTo + this.joins.length - this.joinedUpTo;
  }

  /** Distinct groups the VIPs of the last reconcile need (what `maxGroups` is compared with). */
  get neededGroups(): number {
    return this.needed;
  }

  /** True while the interface receives all multicast in place of the groups. */
  get allMulticast(): boolean {
    return this.allMulticastFd !== undefined;
  }

  /** Runs queued work for up to `sliceMs`, then defers the rest. */
  private slice(change: MembershipChange): void {
    const until = this.now() + this.sliceMs;
    while (this.leftUpTo < this.leaves.length && this.now() < until) this.leave(this.leaves[this.leftUpTo++]!, change);
    while (this.leftUpTo === this.leaves.length && this.joinedUpTo < this.joins.length && this.now() < until) {
      const key = this.joins[this.joinedUpTo++]!;
      const error = this.join(key);
      if (error === undefined) change.joined++;
      else change.failures.push({ group: groupName(key), error });
    }
    if (this.pending === 0 && !this.wantAllMulticast) this.leaveAllMulticast();
    if (this.pending > 0 && !this.scheduled) {
      this.scheduled = true;
      this.defer(() => {
        this.scheduled = false;
        if (this.pending === 0) return;
        const next: MembershipChange = { joined: 0, left: 0, failures: [] };
        this.slice(next);
        this.onChange(next);
      });
    }
  }

  private leave(key: GroupKey, change: MembershipChange): void {
    const at = this.joinedOn.get(key);
    if (at === undefined) return;
    this.joinedOn.delete(key);
    const socket = this.sockets[at]!;
    socket.groups--;
    socket.full = false;
    this.roomAt = Math.min(this.roomAt, at);
    const rc = this.ops.setOption(socket.fd, IPV6_DROP_MEMBERSHIP, this.request(key));
    if (rc < 0) change.failures.push({ group: groupName(key), error: systemError(rc, 'setsockopt(IPV6_DROP_MEMBERSHIP)', this.iface) });
    else change.left++;
  }

  /** Joins `key` on the first socket that may have room, opening one when all refuse for lack of option memory. */
  private join(key: GroupKey): SystemError | undefined {
    const mreq = this.request(key);
    for (let at = this.roomAt; ; at++) {
      if (at === this.sockets.length) {
        const fd = this.ops.open();
        if (fd < 0) return systemError(fd, 'socket(AF_INET6)', this.iface);
        this.sockets.push({ fd, groups: 0, full: false });
      }
      const socket = this.sockets[at]!;
      if (socket.full) continue;
      const rc = this.ops.setOption(socket.fd, IPV6_ADD_MEMBERSHIP, mreq);
      if (rc === 0) {
        socket.groups++;
        this.joinedOn.set(key, at);
        this.roomAt = at;
        return undefined;
      }
      // A full socket says ENOMEM (sock_kmalloc against optmem_max); try the next.
      if (rc !== -ENOMEM && rc !== -ENOBUFS) return systemError(rc, 'setsockopt(IPV6_ADD_MEMBERSHIP)', this.iface);
      if (socket.groups === 0) return systemError(rc, 'setsockopt(IPV6_ADD_MEMBERSHIP)', this.iface);
      socket.full = true;
    }
  }

  /** Puts the interface into all-multicast reception; a failure is reported and the groups are joined instead. */
  private enterAllMulticast(change: MembershipChange): void {
    if (this.allMulticastFd !== undefined) return;
    const fd = this.ops.openPacket();
    if (fd < 0) {
      change.failures.push({ group: 'all-multicast', error: systemError(fd, 'socket(AF_PACKET)', this.iface) });
      return;
    }
    const mreq = Buffer.alloc(PACKET_MREQ_LENGTH);
    writeHostInt(mreq, this.ifindex, 0);
    writeHostShort(mreq, PACKET_MR_ALLMULTI, 4);
    const rc = this.ops.setPacketOption(fd, PACKET_ADD_MEMBERSHIP, mreq);
    if (rc < 0) {
      this.ops.close(fd);
      change.failures.push({ group: 'all-multicast', error: systemError(rc, 'setsockopt(PACKET_ADD_MEMBERSHIP)', this.iface) });
      return;
    }
    this.allMulticastFd = fd;
  }

  /** Closing the packet socket drops its all-multicast membership. */
  private leaveAllMulticast(): void {
    if (this.allMulticastFd === undefined) return;
    this.ops.close(this.allMulticastFd);
    this.allMulticastFd = undefined;
  }

  private request(key: GroupKey): Buffer {
    this.mreq.writeUInt32BE((0xff00_0000 | key) >>> 0, 12);
    return this.mreq;
  }

  /** The joined groups in RFC 5952 form, sorted, for `status`. */
  joined(): string[] {
    return [...this.joinedOn.keys()].sort((a, b) => a - b).map(groupName);
  }

  /** Sockets holding memberships (each holds up to ~2,340 with the default optmem_max). */
  get socketCount(): number {
    return this.sockets.length;
  }

  /** Leaves every group and all-multicast reception by closing the sockets, drops pending work; idempotent. */
  close(): void {
    for (const s of this.sockets) this.ops.close(s.fd);
    this.sockets.length = 0;
    this.roomAt = 0;
    this.joinedOn.clear();
    this.leaves = [];
    this.joins = NO_KEYS;
    this.leftUpTo = 0;
    this.joinedUpTo = 0;
    this.wantAllMulticast = false;
    this.needed = 0;
    this.leaveAllMulticast();
  }
}

const NO_KEYS = new Uint32Array(0);

/**
 * The distinct groups of the VIPs in `vipSets` (four words per VIP), ascending:
 * in typed arrays, not a Map (or a copy of the sets joined), so 100,000 IPv6
 * VIPs cost 400 KB for a moment instead of several MB of garbage on every
 * reload (docs/benchmarks.md).
 */
function groupKeysOf(vipSets: readonly Uint32Array[]): Uint32Array {
  const keys = new Uint32Array(vipSets.reduce((n, vips) => n + vips.length / 4, 0));
  let k = 0;
  for (const vips of vipSets) for (let i = 3; i < vips.length; i += 4) keys[k++] = vips[i]! & 0xff_ffff;
  keys.sort();
  let n = 0;
  for (let i = 0; i < keys.length; i++) if (n === 0 || keys[i] !== keys[n - 1]) keys[n++] = keys[i]!;
  return keys.subarray(0, n);
}

/** Whether ascending `keys` has `key`. */
function includesKey(keys: Uint32Array, key: GroupKey): boolean {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo < keys.length && keys[lo] === key;
}

const groupWords = new Uint32Array([0xff02_0000, 0, 1, 0]);

function groupName(key: GroupKey): string {
  groupWords[3] = (0xff00_0000 | key) >>> 0;
  return formatIpv6(groupWords);
}

function writeHostInt(buf: Buffer, value: number, offset: number): void {
  if (endianness() === 'LE') buf.writeUInt32LE(value, offset);
  else buf.writeUInt32BE(value, offset);
}

function writeHostShort(buf: Buffer, value: number, offset: number): void {
  if (endianness() === 'LE') buf.writeUInt16LE(value, offset);
  else buf.writeUInt16BE(value, offset);
}
