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
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ARP_FRAME_LENGTH, ARP_HEADER_STUB_LENGTH } from './arp.js';
import { assembleFilter, BPF_JEQ_K, BPF_JGE_K, BPF_LD_B_ABS, BPF_LD_H_ABS, BPF_LD_W_LEN, BPF_RET_K, type BpfStep } from './cbpf.js';

type Label = 'whole' | 'stub' | 'drop';

const STEPS: BpfStep<Label>[] = [
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
  return assembleFilter(STEPS);
}
