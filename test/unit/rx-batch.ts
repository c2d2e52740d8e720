/**
 * Receive batches for the responder unit tests, laid out as the packet
 * socket's ring delivers them: each frame at the start of its fixed-size
 * slot, with its length on the wire, sll_pkttype and VLAN tag.
 */
import type { RxBatch } from '../../src/io/frame-conn.js';

// sll_pkttype values (linux/if_packet.h)
export const PACKET_HOST = 0;
export const PACKET_BROADCAST = 1;
export const PACKET_MULTICAST = 2;
export const PACKET_OTHERHOST = 3;

/** One frame of a batch: its bytes (cut to the slot), its length on the wire (default: the bytes'), and what the ring says about it. */
export interface RxFrame {
  bytes: Uint8Array;
  length?: number;
  packetType: number;
  /** TCI left on the frame (default -1, none). */
  vlanTag?: number;
}

/** `frames` in a batch of `slotSize`-byte slots. */
export function rxBatch(slotSize: number, frames: readonly RxFrame[]): RxBatch {
  const buf = Buffer.alloc(slotSize * frames.length);
  const lengths = new Int32Array(frames.length);
  const packetTypes = new Uint8Array(frames.length);
  const vlanTags = new Int32Array(frames.length);
  frames.forEach((f, i) => {
    buf.set(f.bytes.subarray(0, slotSize), i * slotSize);
    lengths[i] = f.length ?? f.bytes.length;
    packetTypes[i] = f.packetType;
    vlanTags[i] = f.vlanTag ?? -1;
  });
  return { buf, slotSize, lengths, packetTypes, vlanTags, count: frames.length };
}
