/**
 * FrameConn is the seam between protocol logic and the wire: the responder
 * and announcer talk to it, the packet socket implements it, and unit tests
 * replace it with an in-memory fake (no root needed).
 */

/** A batch of frames laid out in fixed-size slots of one buffer. */
export interface FrameBatch {
  readonly buf: Buffer;
  readonly slotSize: number;
  /** lengths[i] is frame i's length on the wire (may exceed slotSize when truncated). */
  readonly lengths: Int32Array;
  count: number;
}

/**
 * A received batch: the frames, plus what the kernel knows about each that its
 * bytes do not say (packet(7): sockaddr_ll, tpacket2_hdr).
 */
export interface RxBatch extends FrameBatch {
  /** packetTypes[i] is frame i's sll_pkttype: PACKET_HOST, PACKET_BROADCAST, PACKET_OTHERHOST, ... */
  readonly packetTypes: Uint8Array;
  /** vlanTags[i] is the 802.1Q TCI the kernel left on frame i (tp_vlan_tci), -1 when none. */
  readonly vlanTags: Int32Array;
}

export interface FrameConn {
  /** Starts delivering received batches to `onFrames`; errors go to `onError`. */
  start(onFrames: (batch: RxBatch) => void, onError: (err: Error) => void): void;
  /** Sends `batch.count` frames; returns how many the kernel took. */
  send(batch: FrameBatch): number;
  /** Stops receiving and releases the socket; idempotent, safe inside `onFrames`. */
  close(): void;
}
