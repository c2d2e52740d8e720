/**
 * The addon's BPF/XDP primitives (native/bpf_loader.cc), present only when
 * the addon was built with libbpf. Same style as addon.ts: numbers that are
 * a result or -errno.
 */
import { native } from './addon.js';

export interface NativeBpf {
  /**
   * Loads `program` of an ELF BPF object (bound to `boundIfindex` when > 0);
   * fds[0] = the program, fds[1+i] = maps[i]. maxEntries[i] > 0 resizes map i first. Returns 0 or -errno.
   */
  bpfLoad(object: Buffer, program: string, maps: string[], maxEntries: Int32Array, fds: Int32Array, boundIfindex: number): number;
  /** Attaches an XDP program to `ifindex` as a BPF link. Returns the link fd (close it to detach) or -errno. */
  xdpAttach(progFd: number, ifindex: number, flags: number): number;
  bpfMapUpdate(mapFd: number, key: Buffer, value: Buffer, flags: number): number;
  bpfMapDelete(mapFd: number, key: Buffer): number;
  /** For a per-CPU map `out` holds one 8-byte slot per possible CPU. */
  bpfMapLookup(mapFd: number, key: Buffer, out: Buffer): number;
  bpfPossibleCpus(): number;
  /** libbpf's warnings of the last bpfLoad (the verifier's log, say), joined; "" if none. */
  bpfLastMessage(): string;
}

/** The BPF primitives, or undefined when the addon was built without libbpf. */
export const bpf: NativeBpf | undefined =
  typeof (native as unknown as Partial<NativeBpf>).bpfLoad === 'function' ? (native as unknown as NativeBpf) : undefined;

// linux/if_link.h
export const XDP_FLAGS_SKB_MODE = 1 << 1;
export const XDP_FLAGS_DRV_MODE = 1 << 2;
// linux/bpf.h
export const BPF_ANY = 0;
