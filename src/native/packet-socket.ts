/**
 * PacketSocket: an AF_PACKET socket bound to one interface, receiving only
 * ARP (arp-filter.ts) in batches and sending batches. Implements FrameConn.
 */
import { check, native, systemError, type NativePoller } from './addon.js';
import { arpSocketFilter } from '../wire/arp-filter.js';
import { ETHERTYPE_ARP } from '../wire/arp.js';
import type { FrameBatch, FrameConn } from '../io/frame-conn.js';

/** Receive slot: whole frames up to 64 bytes plus the filter's extra byte. */
export const RX_SLOT_SIZE = 128;
/** Frames per recvmmsg call. */
export const RX_BATCH = 64;
/**
 * recvmmsg calls per readiness event before yielding to the event loop, so a
 * flood cannot starve timers (GARP, watchdog) or the control socket.
 */
const RX_CALLS_PER_WAKEUP = 16;

export class PacketSocket implements FrameConn {
  readonly iface: string;
  readonly ifindex: number;
  private fd: number;
  private poller: NativePoller | undefined;
  private readonly rx: FrameBatch;

  /**
   * Opens the socket on `iface` (by index); the filter is attached before bind.
   * @throws {SystemError} EPERM without CAP_NET_RAW, ENODEV for a missing interface.
   */
  constructor(iface: string, ifindex: number) {
    this.iface = iface;
    this.ifindex = ifindex;
    this.fd = check(native.openPacket(ifindex, ETHERTYPE_ARP, arpSocketFilter()), 'socket(AF_PACKET)', iface);
    this.rx = {
      buf: Buffer.alloc(RX_SLOT_SIZE * RX_BATCH),
      slotSize: RX_SLOT_SIZE,
      lengths: new Int32Array(RX_BATCH),
      count: 0,
    };
  }

  get closed(): boolean {
    return this.fd < 0;
  }

  start(onFrames: (batch: FrameBatch) => void, onError: (err: Error) => void): void {
    if (this.fd < 0 || this.poller !== undefined) return;
    this.poller = new native.Poller(this.fd, (status) => {
      if (status < 0) {
        this.recoverFromPollError(onFrames, onError);
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
   */
  private recoverFromPollError(onFrames: (batch: FrameBatch) => void, onError: (err: Error) => void): void {
    if (this.fd < 0) return;
    const rc = native.recvBatch(this.fd, this.rx.buf, RX_SLOT_SIZE, this.rx.lengths, RX_BATCH);
    if (rc > 0) {
      this.rx.count = rc;
      onFrames(this.rx);
    } else if (rc < 0) {
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

  private drain(onFrames: (batch: FrameBatch) => void, onError: (err: Error) => void): void {
    for (let call = 0; call < RX_CALLS_PER_WAKEUP && this.fd >= 0; call++) {
      const n = native.recvBatch(this.fd, this.rx.buf, RX_SLOT_SIZE, this.rx.lengths, RX_BATCH);
      if (n < 0) {
        const err = systemError(n, 'recvmmsg', this.iface);
        if (err.code !== 'EAGAIN' && err.code !== 'EWOULDBLOCK') onError(err);
        return;
      }
      this.rx.count = n;
      onFrames(this.rx);
      if (n < RX_BATCH) return;
    }
  }

  send(batch: FrameBatch): number {
    if (this.fd < 0) return 0;
    const n = native.sendBatch(this.fd, batch.buf, batch.slotSize, batch.lengths, batch.count);
    if (n < 0) throw systemError(n, 'sendmmsg', this.iface);
    return n;
  }

  close(): void {
    if (this.fd < 0) return;
    this.poller?.stop();
    this.poller = undefined;
    native.closeFd(this.fd);
    this.fd = -1;
  }
}
