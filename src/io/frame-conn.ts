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

export interface FrameConn {
  /** Starts delivering received batches to `onFrames`; errors go to `onError`. */
  start(onFrames: (batch: FrameBatch) => void, onError: (err: Error) => void): void;
  /** Sends `batch.count` frames; returns how many the kernel took. */
  send(batch: FrameBatch): number;
  /** Stops receiving and releases the socket; idempotent, safe inside `onFrames`. */
  close(): void;
}
