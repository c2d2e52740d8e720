/**
 * The classic BPF program attached to the NDP packet socket (issue 13): only
 * Ethernet/IPv6 frames whose next header is ICMPv6 (58) and whose ICMPv6 type
 * is Neighbor Solicitation (135) or Neighbor Advertisement (136, for conflict
 * detection) reach userspace, as their first {@link NDP_FILTER_CUT} bytes.
 * Every other IPv6 packet a director forwards or receives is dropped by the
 * first instructions, in the kernel, before any copy (docs/benchmarks.md,
 * "NDP socket cost").
 *
 * The hop limit is not checked here, on purpose: an NS or NA with a hop limit
 * other than 255 (RFC 4861 §7.1.1) must be counted as malformed, not vanish,
 * and such frames are as rare as NDP itself. A frame with an extension header
 * before ICMPv6 is dropped (neighbour messages carry none in practice). A
 * frame too short to hold the ICMPv6 type is dropped (a load past the end
 * ends a classic BPF program with 0); one that holds the type but is cut
 * later arrives to be counted `short`.
 */
import { ETHERTYPE_IPV6, ICMPV6_NEIGHBOR_ADVERTISEMENT, ICMPV6_NEIGHBOR_SOLICITATION, IPPROTO_ICMPV6 } from './ndp.js';
import { assembleFilter, BPF_JEQ_K, BPF_LD_B_ABS, BPF_LD_H_ABS, BPF_RET_K, type BpfStep } from './cbpf.js';

/**
 * Bytes of a neighbour message passed to userspace: an 86-byte NS or NA with
 * room for more options (a nonce, RFC 3971 options). A longer message arrives
 * cut and is counted `short`: its checksum cannot be verified.
 */
export const NDP_FILTER_CUT = 256;

type Label = 'pass' | 'drop';

/**
 * The steps passing Ethernet/IPv6/ICMPv6 frames of the `types` given (at
 * least one), cut at {@link NDP_FILTER_CUT} bytes, and dropping every other.
 */
function icmpv6TypeSteps(types: readonly number[]): BpfStep<Label>[] {
  return [
    { code: BPF_LD_H_ABS, k: 12 }, // ethertype
    { code: BPF_JEQ_K, k: ETHERTYPE_IPV6, ifFalse: 'drop' },
    { code: BPF_LD_B_ABS, k: 20 }, // IPv6 next header
    { code: BPF_JEQ_K, k: IPPROTO_ICMPV6, ifFalse: 'drop' },
    { code: BPF_LD_B_ABS, k: 54 }, // ICMPv6 type
    ...types.map((k, i): BpfStep<Label> => (i < types.length - 1 ? { code: BPF_JEQ_K, k, ifTrue: 'pass' } : { code: BPF_JEQ_K, k, ifFalse: 'drop' })),
    { label: 'pass', code: BPF_RET_K, k: NDP_FILTER_CUT },
    { label: 'drop', code: BPF_RET_K, k: 0 },
  ];
}

/** Returns the filter as `struct sock_filter[]` bytes (host byte order). */
export function ndpSocketFilter(): Buffer {
  return assembleFilter(icmpv6TypeSteps([ICMPV6_NEIGHBOR_SOLICITATION, ICMPV6_NEIGHBOR_ADVERTISEMENT]));
}

/** The same for Neighbor Advertisements only (`probe`'s socket, diagnostics/probe6.ts). */
export function naSocketFilter(): Buffer {
  return assembleFilter(icmpv6TypeSteps([ICMPV6_NEIGHBOR_ADVERTISEMENT]));
}
