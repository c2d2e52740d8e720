/**
 * XdpInterface: the XDP fast path of one interface: its program and a copy
 * of what the program's VIP map holds, so that a role change or a reload
 * writes only the entries that change (a reload of 100k unchanged VIPs makes
 * no system call).
 */
import type { GroupVips, InterfaceVips } from '../vips/vip-table.js';
import type { GroupState } from '../vips/group-state.js';
import { XdpProgram, type XdpAttachMode } from './xdp-program.js';
import type { XdpAttachPolicy } from '../config/fast-path.js';
import type { XdpCounts } from './xdp-counters.js';

/** One map entry as a number: the answering MAC (48 bits) times two, plus 1 when answered (MASTER). */
function entryOf(group: GroupState, ifaceMac: number): number {
  return (group.mac ?? ifaceMac) * 2 + (group.role === 'MASTER' ? 1 : 0);
}

export class XdpInterface {
  readonly iface: string;
  readonly ifindex: number;
  readonly mode: XdpAttachMode;
  private readonly program: XdpProgram;
  /** the ways to attach, best first: bound with the VLAN hint in the driver, plain in the driver, generic */
  private static readonly ATTEMPTS: ReadonlyArray<{ bound: boolean; mode: XdpAttachMode }> = [
    { bound: true, mode: 'native' },
    { bound: false, mode: 'native' },
    { bound: false, mode: 'generic' },
  ];
  /** ip → entryOf(...) as written to the map */
  private readonly written = new Map<number, number>();
  private ifaceMac = -1;

  /**
   * Loads the program sized for `vipCount` VIPs and attaches it to `ifindex`
   * the best way the kernel and driver allow (generic only, for `generic`).
   * @throws {VipArpdError} EXDPUNAVAILABLE; {SystemError} EPERM, EBUSY, the verifier's refusal (the last attempt's error).
   */
  constructor(iface: string, ifindex: number, vipCount: number, policy: XdpAttachPolicy) {
    this.iface = iface;
    this.ifindex = ifindex;
    let lastError: unknown;
    for (const a of XdpInterface.ATTEMPTS.filter((x) => policy === 'auto' || x.mode === 'generic')) {
      let program: XdpProgram | undefined;
      try {
        program = new XdpProgram(vipCount, a.bound ? ifindex : undefined);
        program.attach(ifindex, iface, a.mode);
        this.program = program;
        this.mode = a.mode;
        return;
      } catch (err) {
        program?.close();
        lastError = err;
        if ((err as { code?: string }).code === 'EXDPUNAVAILABLE') break;
      }
    }
    throw lastError;
  }

  /** The driver reports VLAN tags it stripped, so tagged frames are passed even then. */
  get vlanHint(): boolean {
    return this.program.vlanHint;
  }

  get capacity(): number {
    return this.program.capacity;
  }

  get vipCount(): number {
    return this.written.size;
  }

  /**
   * Makes the map hold exactly the VIPs of `sets` (this interface's groups):
   * changed entries are written, VIPs no longer here deleted.
   * @throws {SystemError} E2BIG when the map is full; the caller reloads it bigger.
   */
  sync(vips: InterfaceVips | undefined, sets: Iterable<GroupVips>, ifaceMac: number): void {
    if (ifaceMac !== this.ifaceMac) {
      this.program.setInterfaceMac(ifaceMac);
      this.ifaceMac = ifaceMac;
    }
    for (const set of sets) this.syncGroup(set);
    for (const ip of this.written.keys()) {
      if (vips?.has(ip) !== true) {
        this.program.deleteVip(ip);
        this.written.delete(ip);
      }
    }
  }

  /**
   * Writes the entries of one group's VIPs that differ (its role or MAC changed).
   * @throws {SystemError} E2BIG when the map is full.
   */
  syncGroup(set: GroupVips): void {
    const entry = entryOf(set.group, this.ifaceMac);
    const mac = Math.floor(entry / 2);
    const answer = entry % 2 === 1;
    for (const ip of set.ips) {
      if (this.written.get(ip) === entry) continue;
      this.program.setVip(ip, mac, answer);
      this.written.set(ip, entry);
    }
  }

  counts(): XdpCounts {
    return this.program.counts();
  }

  /** Detaches the program and frees it. */
  close(): void {
    this.program.close();
  }
}
