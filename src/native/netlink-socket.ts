/**
 * NetlinkSocket: an AF_NETLINK socket bound to multicast groups, delivering
 * each datagram the kernel sends to a callback. The bytes are parsed
 * elsewhere (src/iface/rtnetlink.ts); this file only moves them.
 */
import { check, native, systemError, type NativePoller } from './addon.js';
import { SO_RCVBUF, SO_RCVBUFFORCE, SOL_SOCKET } from './socket-constants.js';

/** The nl_groups bind mask for `group` (bit group-1, netlink(7)). */
export function groupMask(group: number): number {
  return 2 ** (group - 1);
}

/**
 * Receive buffer for one datagram. An RTM_NEWLINK with every attribute
 * (stats, VF info, …) is a few KiB; 64 KiB is what the kernel's own
 * rtnetlink dumps use per message batch, so nothing real is ever cut.
 */
const RECV_BUFFER_BYTES = 64 * 1024;
/**
 * Socket receive buffer: a burst of link events (a bond with 100 VLANs coming
 * up) must not overflow it while the event loop is busy; overflow is survived
 * (ENOBUFS → resync) but costs a full re-read.
 */
const SOCKET_BUFFER_BYTES = 1024 * 1024;

export interface NetlinkHandlers {
  /** One datagram from the kernel: `buf[0..length)` (valid only during the call). */
  onDatagram(buf: Buffer, length: number): void;
  /** Messages were lost (ENOBUFS: receive buffer overflow, or a cut datagram): re-read the state. */
  onOverflow(): void;
  /** Any other receive error. */
  onError(err: Error): void;
}

export class NetlinkSocket {
  private fd: number;
  private poller: NativePoller | undefined;
  private readonly buf = Buffer.alloc(RECV_BUFFER_BYTES);
  private readonly sender = new Uint32Array(1);

  /**
   * Opens and binds the socket.
   * @throws {SystemError} EAFNOSUPPORT/EPERM where AF_NETLINK is not allowed (a sandbox's RestrictAddressFamilies).
   */
  constructor(protocol: number, groups: number) {
    this.fd = check(native.openNetlink(protocol, groups), 'socket(AF_NETLINK)');
    // SO_RCVBUFFORCE needs CAP_NET_ADMIN; without it, net.core.rmem_max caps SO_RCVBUF.
    if (native.setSocketOption(this.fd, SOL_SOCKET, SO_RCVBUFFORCE, SOCKET_BUFFER_BYTES) < 0) {
      native.setSocketOption(this.fd, SOL_SOCKET, SO_RCVBUF, SOCKET_BUFFER_BYTES);
    }
  }

  /** Starts delivering datagrams; each readiness event drains the socket. */
  start(h: NetlinkHandlers): void {
    if (this.fd < 0 || this.poller !== undefined) return;
    // libuv reports POLLERR (a pending ENOBUFS) as a negative status; reading clears it.
    this.poller = new native.Poller(this.fd, () => this.drain(h));
    const rc = this.poller.start();
    if (rc < 0) {
      this.close();
      throw systemError(rc, 'uv_poll_start');
    }
  }

  private drain(h: NetlinkHandlers): void {
    while (this.fd >= 0) {
      const n = native.recvNetlink(this.fd, this.buf, this.sender);
      if (n < 0) {
        const err = systemError(n, 'recvfrom(AF_NETLINK)');
        if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK') break;
        if (err.code === 'ENOBUFS') {
          h.onOverflow();
          continue;
        }
        h.onError(err);
        break;
      }
      // Only the kernel speaks on RTNLGRP_LINK; anything else is ignored.
      if (this.sender[0] !== 0) continue;
      if (n > this.buf.length) {
        h.onOverflow();
        continue;
      }
      h.onDatagram(this.buf, n);
    }
    // A POLLERR stops the libuv handle; start() resumes it (a no-op when running).
    if (this.fd >= 0) this.poller?.start();
  }

  close(): void {
    if (this.fd < 0) return;
    this.poller?.stop();
    this.poller = undefined;
    native.closeFd(this.fd);
    this.fd = -1;
  }
}
