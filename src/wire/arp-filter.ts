/**
 * The classic BPF program attached to every packet socket (packet(7),
 * SO_ATTACH_FILTER). Only Ethernet/IPv4 ARP with hlen 6 and plen 4 reaches
 * userspace, as its first 42 bytes: what follows the ARP frame (padding, a
 * trailer up to the MTU) is ignored, as the kernel ignores it. Other ARP frames
 * (htype, ptype, hlen, plen wrong) arrive as a 22-byte header stub so that they
 * are still counted by reason without copying them; non-ARP frames never leave
 * the kernel. A frame shorter than the ARP header also arrives as it is, to be
 * counted as `short`. The filter looks at bytes only: frames of a foreign VLAN
 * or for another host pass like any other and are counted from what the ring
 * says about them (../responder/arp-rules.ts).
 */
import os from 'node:os';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ARP_FRAME_LENGTH, ARP_HEADER_STUB_LENGTH } from './arp.js';

// linux/filter.h opcodes
const BPF_LD_W_LEN = 0x80;
const BPF_LD_H_ABS = 0x28;
const BPF_LD_B_ABS = 0x30;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;

type Label = 'whole' | 'stub' | 'drop';
/** One instruction; a conditional jump names where it goes when the test fails. */
type Step = { code: number; k: number; ifFalse?: Label } | { label: Label; code: number; k: number };

const STEPS: Step[] = [
  { code: BPF_LD_H_ABS, k: 12 }, // ethertype
  { code: BPF_JEQ_K, k: ETHERTYPE_ARP, ifFalse: 'drop' },
  { code: BPF_LD_W_LEN, k: 0 }, // a frame too short for the header loads below is a stub
  { code: BPF_JGE_K, k: ARP_HEADER_STUB_LENGTH, ifFalse: 'stub' },
  { code: BPF_LD_H_ABS, k: 14 }, // htype
  { code: BPF_JEQ_K, k: 1, ifFalse: 'stub' },
  { code: BPF_LD_H_ABS, k: 16 }, // ptype
  { code: BPF_JEQ_K, k: ETHERTYPE_IPV4, ifFalse: 'stub' },
  { code: BPF_LD_B_ABS, k: 18 }, // hlen
  { code: BPF_JEQ_K, k: 6, ifFalse: 'stub' },
  { code: BPF_LD_B_ABS, k: 19 }, // plen
  { code: BPF_JEQ_K, k: 4, ifFalse: 'stub' },
  { label: 'whole', code: BPF_RET_K, k: ARP_FRAME_LENGTH }, // a shorter frame stays as it is, to be counted short
  { label: 'stub', code: BPF_RET_K, k: ARP_HEADER_STUB_LENGTH },
  { label: 'drop', code: BPF_RET_K, k: 0 },
];

/** Returns the filter as `struct sock_filter[]` bytes (host byte order). */
export function arpSocketFilter(): Buffer {
  const at = new Map<Label, number>();
  STEPS.forEach((step, i) => {
    if ('label' in step) at.set(step.label, i);
  });
  const buf = Buffer.alloc(STEPS.length * 8);
  const little = os.endianness() === 'LE';
  STEPS.forEach((step, i) => {
    // Jump offsets count from the next instruction; a true test falls through.
    const jf = 'ifFalse' in step && step.ifFalse !== undefined ? at.get(step.ifFalse)! - i - 1 : 0;
    if (little) {
      buf.writeUInt16LE(step.code, i * 8);
      buf.writeUInt32LE(step.k, i * 8 + 4);
    } else {
      buf.writeUInt16BE(step.code, i * 8);
      buf.writeUInt32BE(step.k, i * 8 + 4);
    }
    buf.writeUInt8(0, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
  });
  return buf;
}
