/**
 * XdpInterface: the XDP fast path of one interface: its program and a copy
 * of what the program's VIP map holds, so that a role change or a reload
 * writes only the entries that change (a reload of 100k unchanged VIPs makes
 * no system call).
 */
import type { GroupVips, InterfaceVips } from '../vips/vip-table.js';
import type { GroupState } from '../vips/group-state.js';
import { XdpProgram, type XdpAttachMode } from './xdp-program.js';
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
  /** ip → entryOf(...) as written to the map */
  private readonly written = new Map<number, number>();
  private ifaceMac = -1;

  /**
   * Loads the program sized for `vipCount` VIPs and attaches it to `ifindex`.
   * @throws {VipArpdError} EXDPUNAVAILABLE; {SystemError} EPERM, EBUSY, the verifier's refusal.
   */
  constructor(iface: string, ifindex: number, vipCount: number) {
    this.iface = iface;
    this.ifindex = ifindex;
    this.program = new XdpProgram(vipCount);
    try {
      this.mode = this.program.attach(ifindex, iface);
    } catch (err) {
      this.program.close();
      throw err;
    }
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
