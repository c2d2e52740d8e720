/**
 * TxBatch collects outgoing frames in one preallocated buffer so a whole
 * batch leaves with one sendmmsg and nothing is allocated per frame.
 */
import type { FrameBatch, FrameConn } from './frame-conn.js';
import type { SystemError } from '../util/errors.js';
import { trySend } from './send-errors.js';

/** Default slot size: outgoing ARP frames (42 bytes, rounded up). */
export const TX_SLOT_SIZE = 64;

export class TxBatch implements FrameBatch {
  readonly buf: Buffer;
  readonly slotSize: number;
  readonly lengths: Int32Array;
  readonly capacity: number;
  count = 0;

  /** @param slotSize bytes per frame: at least the longest frame queued (an 86-byte NA needs more than the default). */
  constructor(capacity: number, slotSize = TX_SLOT_SIZE) {
    this.capacity = capacity;
    this.slotSize = slotSize;
    this.buf = Buffer.alloc(capacity * slotSize);
    this.lengths = new Int32Array(capacity);
  }

  /** True when no slot is left; the caller flushes first. */
  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** Byte offset of the next free slot. */
  nextOffset(): number {
    return this.count * this.slotSize;
  }

  /** Marks the next slot as holding a frame of `length` bytes. */
  commit(length: number): void {
    this.lengths[this.count++] = length;
  }

  /**
   * Sends what is queued and empties the batch. Returns how many frames the
   * kernel did not take (socket buffer full or an error), for the caller to
   * count; a refusal's error goes to `onError`, its errno code intact.
   */
  flush(conn: FrameConn, onError?: (err: SystemError) => void): number {
    const queued = this.count;
    if (queued === 0) return 0;
    const { sent, error } = trySend(conn, this);
    this.count = 0;
    if (error !== undefined) onError?.(error);
    return queued - sent;
  }
}
