/**
 * PacketSocket: an AF_PACKET socket bound to one interface, receiving only
 * the frames of one protocol (ARP by default, arp-filter.ts; NDP,
 * ndp-socket.ts) through a memory-mapped receive ring and sending batches
 * with sendmmsg. Implements FrameConn.
 */
import { constants } from 'node:os';
import { check, native, systemError, type NativePoller, type NativeRxRing } from './addon.js';
import { SO_SNDBUF, SO_SNDBUFFORCE, SOL_SOCKET } from './socket-constants.js';
import { arpSocketFilter } from '../wire/arp-filter.js';
import { ETHERTYPE_ARP } from '../wire/arp.js';
import type { FrameBatch, FrameConn, RxBatch } from '../io/frame-conn.js';

/** What a packet socket receives and how much room each frame gets. */
export interface PacketProtocol {
  /** The EtherType bound to (packet(7) sll_protocol). */
  readonly ethertype: number;
  /** The classic BPF program, attached before bind (`struct sock_filter[]` bytes). */
  readonly filter: Buffer;
  /** Receive slot: at least the longest cut the filter returns. */
  readonly slotSize: number;
  /**
   * Ring frame: the TPACKET_V2 header and sockaddr_ll put the frame at offset
   * ~80, plus the slot, rounded up to a divisor of the page size.
   */
  readonly ringFrameSize: number;
  readonly ringFrames: number;
}

/** Receive slot: the filter passes at most the 42-byte ARP frame (arp-filter.ts). */
export const RX_SLOT_SIZE = 64;
/**
 * Frames handed to the responder per batch. Large batches amortise the
 * JS-to-native call and let the replies leave in few sendmmsg calls; 256 is
 * where the ARP flood benchmark (bench/arp-flood.bench.mjs) stopped improving.
 */
export const RX_BATCH = 256;
/**
 * Time a readiness event may spend draining the ring before yielding to the
 * event loop, so a flood cannot starve timers (GARP, watchdog) or the control
 * socket for longer than this. A time budget rather than a batch count: under
 * a flood every return to epoll is a wakeup the receive softirq competes
 * with; the unlimited ARP flood answered 307-351k/s with 10 ms against
 * 195-306k/s with the former 8 batches per wakeup (docs/benchmarks.md).
 * Without a flood the ring empties long before the budget.
 */
const RX_DRAIN_BUDGET_MS = 10;
/**
 * ARP: ring frames of 256 bytes (the 42-byte frame at offset ~80), 16384 of
 * them = 4 MiB, about 100 ms of a 150k/s flood, so a garbage collection or a
 * reload on the event loop does not drop requests. (The socket receive buffer
 * it replaces holds ~250 frames by default.)
 */
export const ARP_PACKET_PROTOCOL: PacketProtocol = {
  ethertype: ETHERTYPE_ARP,
  filter: arpSocketFilter(),
  slotSize: RX_SLOT_SIZE,
  ringFrameSize: 256,
  ringFrames: 16384,
};

/**
 * Send buffer: a reply stays charged to the socket until the peer consumes it
 * (on a veth, until the other side's backlog processes it), so the default
 * ~208 KiB (~270 ARP frames) turns a burst of replies after a pause into
 * EAGAIN, i.e. lost replies. 4 MiB holds several thousand.
 */
const TX_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * The `syscall` of the error opening the socket (socket, filter, bind): EPERM
 * or EACCES there means no CAP_NET_RAW, which the CLI tells apart by this field.
 */
export const OPEN_PACKET_SYSCALL = 'socket(AF_PACKET)';

const { ENETDOWN } = constants.errno;

export class PacketSocket implements FrameConn {
  readonly iface: string;
  readonly ifindex: number;
  private fd: number;
  private poller: NativePoller | undefined;
  private readonly ring: NativeRxRing;
  private readonly rx: RxBatch;
  private readonly slotSize: number;

  /**
   * Opens the socket on `iface` (by index) for `protocol`; the filter is
   * attached before bind.
   * @throws {SystemError} EPERM without CAP_NET_RAW, ENODEV for a missing interface.
   */
  constructor(iface: string, ifindex: number, protocol: PacketProtocol = ARP_PACKET_PROTOCOL) {
    this.iface = iface;
    this.ifindex = ifindex;
    this.slotSize = protocol.slotSize;
    this.fd = check(native.openPacket(ifindex, protocol.ethertype, protocol.filter), OPEN_PACKET_SYSCALL, iface);
    this.rx = {
      buf: Buffer.alloc(protocol.slotSize * RX_BATCH),
      slotSize: protocol.slotSize,
      lengths: new Int32Array(RX_BATCH),
      packetTypes: new Uint8Array(RX_BATCH),
      vlanTags: new Int32Array(RX_BATCH),
      count: 0,
    };
    this.ring = new native.RxRing(this.fd, protocol.ringFrameSize, protocol.ringFrames);
    try {
      check(this.ring.open(), 'setsockopt(PACKET_RX_RING)', iface);
      // No PACKET_QDISC_BYPASS, on purpose: bypassed frames skip the taps of
      // the sending interface, so an operator's tcpdump on the director would
      // not show our replies and GARPs (LVS HOWTO §6.10 debugging starts
      // there). The flood benchmark showed no measurable gain from it.
      // SO_SNDBUFFORCE needs CAP_NET_ADMIN; without it the buffer is capped
      // at net.core.wmem_max, which the admin may raise.
      if (native.setSocketOption(this.fd, SOL_SOCKET, SO_SNDBUFFORCE, TX_SOCKET_BUFFER_BYTES) < 0) {
        check(native.setSocketOption(this.fd, SOL_SOCKET, SO_SNDBUF, TX_SOCKET_BUFFER_BYTES), 'setsockopt(SO_SNDBUF)', iface);
      }
    } catch (err) {
      this.close();
      throw err;
    }
    // Frames that arrived between bind and the ring's creation sit in the
    // socket queue, which would keep poll readable for ever: read them now.
    while (native.recvBatch(this.fd, this.rx.buf, this.slotSize, this.rx.lengths, RX_BATCH) > 0);
  }

  get closed(): boolean {
    return this.fd < 0;
  }

  start(onFrames: (batch: RxBatch) => void, onError: (err: Error) => void): void {
    if (this.fd < 0 || this.poller !== undefined) return;
    this.poller = new native.Poller(this.fd, (status) => {
      if (status < 0) {
        this.recoverFromPollError(onError);
        return;
      }
      this.drain(onFrames, onError);
    });
    const rc = this.poller.start();
    if (rc < 0) {
      this.close();
      throw systemError(rc, 'uv_poll_start', this.iface);
    }
  }

  /**
   * libuv reports POLLERR as UV_EBADF and stops the handle. On a packet socket
   * POLLERR means a pending sk_err (ENETDOWN when the link goes down, ENODEV
   * when it is unregistered): reading returns and clears it, and polling can
   * resume; the socket receives again once the link is up (packet(7)).
   * Since the ring exists every frame goes to it, none to the socket queue,
   * so the read only collects the error.
   */
  private recoverFromPollError(onError: (err: Error) => void): void {
    if (this.fd < 0) return;
    const rc = native.recvBatch(this.fd, this.rx.buf, this.slotSize, this.rx.lengths, RX_BATCH);
    if (rc < 0) {
      const err = systemError(rc, 'recvmmsg', this.iface);
      onError(err);
      if (err.code === 'EBADF') {
        this.close();
        return;
      }
    }
    const restart = this.poller?.start() ?? 0;
    if (restart < 0) onError(systemError(restart, 'uv_poll_start', this.iface));
  }

  private drain(onFrames: (batch: RxBatch) => void, onError: (err: Error) => void): void {
    const deadline = performance.now() + RX_DRAIN_BUDGET_MS;
    while (this.fd >= 0) {
      const n = this.ring.read(this.rx.buf, this.slotSize, this.rx.lengths, this.rx.packetTypes, this.rx.vlanTags, RX_BATCH);
      if (n <= 0) {
        if (n < 0) onError(systemError(n, 'rx ring', this.iface));
        return;
      }
      this.rx.count = n;
      onFrames(this.rx);
      if (n < RX_BATCH || performance.now() > deadline) return;
    }
  }

  /**
   * A link going down leaves ENETDOWN pending on the socket (sk_err), and the
   * next send returns it, clearing it, even when the link is up again by then.
   * After a flap seen in one netlink read the link-up's GARP is sent before
   * the poll callback has collected that error, so one ENETDOWN is retried:
   * the retry fails again only while the link really is down.
   */
  send(batch: FrameBatch): number {
    if (this.fd < 0) return 0;
    let n = native.sendBatch(this.fd, batch.buf, batch.slotSize, batch.lengths, batch.count);
    if (n === -ENETDOWN) n = native.sendBatch(this.fd, batch.buf, batch.slotSize, batch.lengths, batch.count);
    if (n < 0) throw systemError(n, 'sendmmsg', this.iface);
    return n;
  }

  close(): void {
    if (this.fd < 0) return;
    this.poller?.stop();
    this.poller = undefined;
    this.ring.close();
    native.closeFd(this.fd);
    this.fd = -1;
  }
}
