/**
 * XdpProgram: one loaded copy of native/xdp/arp_xdp.bpf.c, attached to one
 * interface through a BPF link, with typed access to its maps. Owning the
 * link fd is what keeps it attached: close() — or the process dying, SIGKILL
 * included — detaches it, so no program is left answering for a daemon that
 * no longer runs.
 */
import { constants, endianness } from 'node:os';
import path from 'node:path';
import { check, native, packageRoot, systemError } from '../native/addon.js';
import { BPF_ANY, XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE, bpf, type NativeBpf } from '../native/bpf.js';
import { VipArpdError } from '../util/errors.js';
import { writeIpv4 } from '../wire/ipv4.js';
import { writeMac } from '../wire/mac.js';
import { XDP_VERDICTS, sumPerCpu, zeroXdpCounts, type XdpCounts } from './xdp-counters.js';
import { fs } from '../util/node-builtins.js';

const { readFileSync } = fs;

/** Where node-gyp puts the BPF object (binding.gyp's arp_xdp_bpf_object action). */
export const XDP_OBJECT_PATH = path.join(packageRoot, 'build', 'Release', 'arp_xdp.bpf.o');
/** Bound to its interface, it asks the driver about VIDs stripped from the frame; the plain one cannot. */
const PROGRAM_HINTED = 'vip_arpd_xdp_hinted';
const PROGRAM_PLAIN = 'vip_arpd_xdp';
/** Array keys and per-CPU values are in host byte order; VIP keys in network order. */
const HOST_LE = endianness() === 'LE';
const MAPS = ['vips', 'iface', 'counters'] as const;
/**
 * VIP map capacity: entries are allocated as inserted (BPF_F_NO_PREALLOC),
 * but the kernel allocates a bucket per entry of capacity up front (16 bytes
 * each), so the map is sized to the interface's VIPs with room for reloads to
 * grow; one that outgrows it is reloaded bigger (xdp-interface.ts).
 */
const MIN_VIP_CAPACITY = 65536;

/** `native` (the driver runs it) or `generic` (the kernel runs it on the skb, any driver). */
export type XdpAttachMode = 'native' | 'generic';

/** Capacity for `vips` VIPs: a power of two, at least twice the count. */
export function vipCapacity(vips: number): number {
  let n = MIN_VIP_CAPACITY;
  while (n < vips * 2) n *= 2;
  return n;
}

/**
 * The BPF primitives, or a VipArpdError saying why there are none.
 * @throws {VipArpdError} EXDPUNAVAILABLE when the addon or the object was built without the toolchain.
 */
function requireBpf(): { api: NativeBpf; object: Buffer } {
  if (bpf === undefined) {
    throw new VipArpdError(
      'EXDPUNAVAILABLE',
      'the native addon was built without XDP support (clang, llvm and libbpf-dev were missing at build time); rebuild with them installed',
    );
  }
  try {
    return { api: bpf, object: readFileSync(XDP_OBJECT_PATH) };
  } catch (err) {
    throw new VipArpdError(
      'EXDPUNAVAILABLE',
      `cannot read the XDP object ${XDP_OBJECT_PATH} (${(err as NodeJS.ErrnoException).code ?? 'EIO'}); rebuild the addon`,
    );
  }
}

export class XdpProgram {
  readonly capacity: number;
  /** loaded bound to its interface, reading the driver's VLAN hint */
  readonly vlanHint: boolean;
  private readonly api: NativeBpf;
  private readonly progFd: number;
  private readonly vipsFd: number;
  private readonly ifaceFd: number;
  private readonly countersFd: number;
  private linkFd = -1;
  private readonly cpus: number;
  private readonly key4 = Buffer.alloc(4);
  private readonly vipValue = Buffer.alloc(8);
  private readonly perCpu: Buffer;

  /**
   * Loads the program with room for `vips` VIPs (not attached yet): bound to
   * `boundIfindex` with the VLAN hint when given, else the plain one.
   * @throws {VipArpdError} EXDPUNAVAILABLE without the toolchain's build products.
   * @throws {SystemError} EPERM without CAP_BPF, or the verifier's refusal (message from libbpf).
   */
  constructor(vips: number, boundIfindex?: number) {
    const { api, object } = requireBpf();
    this.api = api;
    this.capacity = vipCapacity(vips);
    this.vlanHint = boundIfindex !== undefined;
    const fds = new Int32Array(1 + MAPS.length).fill(-1);
    const program = this.vlanHint ? PROGRAM_HINTED : PROGRAM_PLAIN;
    const rc = api.bpfLoad(object, program, [...MAPS], Int32Array.from([this.capacity, 0, 0]), fds, boundIfindex ?? 0);
    if (rc < 0) {
      const err = systemError(rc, 'bpf(BPF_PROG_LOAD)');
      const detail = api.bpfLastMessage();
      if (detail !== '') err.message += `; libbpf: ${detail}`;
      throw err;
    }
    [this.progFd, this.vipsFd, this.ifaceFd, this.countersFd] = [fds[0]!, fds[1]!, fds[2]!, fds[3]!];
    this.cpus = Math.max(1, api.bpfPossibleCpus());
    this.perCpu = Buffer.alloc(8 * this.cpus);
  }

  /**
   * Attaches to `ifindex` in `mode`.
   * @throws {SystemError} EBUSY: another XDP program is attached; EOPNOTSUPP: no native XDP in the driver.
   */
  attach(ifindex: number, iface: string, mode: XdpAttachMode): void {
    const flags = mode === 'native' ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
    this.linkFd = check(this.api.xdpAttach(this.progFd, ifindex, flags), `bpf(BPF_LINK_CREATE, BPF_XDP, ${mode})`, iface);
  }

  /**
   * Sets `ip`'s entry: answered with `mac` when `answer`, else only known (a BACKUP VIP).
   * @throws {SystemError} E2BIG when the map is full, ENOMEM.
   */
  setVip(ip: number, mac: number, answer: boolean): void {
    writeIpv4(this.key4, 0, ip);
    writeMac(this.vipValue, 0, mac);
    this.vipValue[6] = answer ? 1 : 0;
    check(this.api.bpfMapUpdate(this.vipsFd, this.key4, this.vipValue, BPF_ANY), 'bpf(BPF_MAP_UPDATE_ELEM)');
  }

  /** Removes `ip`'s entry (absent is fine). @throws {SystemError} on any other error. */
  deleteVip(ip: number): void {
    writeIpv4(this.key4, 0, ip);
    const rc = this.api.bpfMapDelete(this.vipsFd, this.key4);
    if (rc === -constants.errno.ENOENT) return;
    check(rc, 'bpf(BPF_MAP_DELETE_ELEM)');
  }

  /** The interface's own MAC: a unicast request to it is answered too. */
  setInterfaceMac(mac: number): void {
    const value = Buffer.alloc(8);
    writeMac(value, 0, mac);
    this.hostKey(0);
    check(this.api.bpfMapUpdate(this.ifaceFd, this.key4, value, BPF_ANY), 'bpf(BPF_MAP_UPDATE_ELEM)');
  }

  /** The verdict counters summed over CPUs (zeros for any that cannot be read). */
  counts(): XdpCounts {
    const out = zeroXdpCounts();
    XDP_VERDICTS.forEach((verdict, i) => {
      this.hostKey(i);
      if (this.api.bpfMapLookup(this.countersFd, this.key4, this.perCpu) === 0) out[verdict] = sumPerCpu(this.perCpu, this.cpus, HOST_LE);
    });
    return out;
  }

  /** Detaches (closing the link) and frees program and maps. Idempotent. */
  close(): void {
    for (const fd of [this.linkFd, this.progFd, this.vipsFd, this.ifaceFd, this.countersFd]) if (fd >= 0) native.closeFd(fd);
    this.linkFd = -1;
    Object.assign(this, { progFd: -1, vipsFd: -1, ifaceFd: -1, countersFd: -1 });
  }

  /** Array map keys are u32 in host byte order. */
  private hostKey(i: number): void {
    if (HOST_LE) this.key4.writeUInt32LE(i, 0);
    else this.key4.writeUInt32BE(i, 0);
  }
}
