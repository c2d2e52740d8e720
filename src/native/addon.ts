/**
 * The one module that loads the native addon (native/packet_socket.cc,
 * native/netlink_socket.cc) and types its surface. Every native call returns a number that is the result or
 * -errno; {@link check} turns -errno into a Node-style SystemError (errors.ts).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { systemError } from '../util/errors.js';

// Native modules build their errors through here; the constructor is pure and lives in errors.ts.
export { systemError, type SystemError } from '../util/errors.js';

export interface NativePoller {
  /** Starts (or resumes) readability polling. Returns 0 or -errno. */
  start(): number;
  /** Stops polling and frees the libuv handle; idempotent, safe inside the callback. */
  stop(): number;
}

/** A mapped PACKET_RX_RING (TPACKET_V2) on a packet socket. */
export interface NativeRxRing {
  /** Switches the socket to TPACKET_V2, creates and maps the ring. Returns 0 or -errno. */
  open(): number;
  /**
   * Copies up to `max` ready frames into `slotSize` slots of `buf`, with each
   * frame's sll_pkttype in `packetTypes` and its tp_vlan_tci (-1 when none)
   * in `vlanTags`, returning the frames to the kernel. Returns the count or -errno.
   */
  read(buf: Buffer, slotSize: number, lengths: Int32Array, packetTypes: Uint8Array, vlanTags: Int32Array, max: number): number;
  /** Unmaps the ring; idempotent. */
  close(): number;
}

interface NativeAddon {
  interfaceIndex(name: string): number;
  interfaceFlags(name: string): number;
  interfaceMac(name: string, out: Buffer): number;
  openPacket(ifindex: number, ethertype: number, bpf: Buffer): number;
  recvBatch(fd: number, buf: Buffer, slotSize: number, lengths: Int32Array, max: number): number;
  sendBatch(fd: number, buf: Buffer, slotSize: number, lengths: Int32Array, count: number): number;
  setSocketOption(fd: number, level: number, name: number, value: number): number;
  setSocketOptionBytes(fd: number, level: number, name: number, value: Buffer): number;
  openSocket(domain: number, type: number, protocol: number): number;
  closeFd(fd: number): number;
  sendUnixDatagram(path: string, payload: Buffer): number;
  openNetlink(protocol: number, groups: number): number;
  recvNetlink(fd: number, buf: Buffer, sender: Uint32Array): number;
  Poller: new (fd: number, onReady: (status: number, events: number) => void) => NativePoller;
  RxRing: new (fd: number, frameSize: number, frameCount: number) => NativeRxRing;
}

const require = createRequire(import.meta.url);
/** The package directory (where build/Release lives). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const loadBinding = require('node-gyp-build') as (dir: string) => unknown;

/** The loaded addon. */
export const native = loadBinding(packageRoot) as NativeAddon;

/**
 * Returns `result` when it is not negative.
 * @throws {SystemError} when `result` is -errno.
 */
export function check(result: number, syscall: string, iface?: string): number {
  if (result < 0) throw systemError(result, syscall, iface);
  return result;
}
