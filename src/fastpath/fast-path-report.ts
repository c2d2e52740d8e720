/**
 * What the fast path reports per interface, for `status`, `doctor`, metrics
 * and the log.
 */
import type { XdpCounts } from './xdp-counters.js';

/** `xdp-native` / `xdp-generic`: the XDP program answers; `af_packet`: the packet socket alone does. */
export type FastPathMode = 'xdp-native' | 'xdp-generic' | 'af_packet';

export interface FastPathReport {
  iface: string;
  /** `fastPath` asks for XDP on this interface */
  configured: boolean;
  mode: FastPathMode;
  /** why a configured interface is on AF_PACKET; undefined otherwise */
  reason?: string;
  /** the error code behind `reason` (EPERM, EXDPUNAVAILABLE, EBUSY, …) */
  code?: string;
  /**
   * the program asks the driver about VLAN tags it stripped (Linux >= 6.8,
   * native mode); without it a tag stripped before XDP cannot be seen
   */
  vlanHint?: boolean;
  /** VIPs in the program's map (MASTER and BACKUP) */
  vips: number;
  /** the program's verdict counters; undefined on AF_PACKET */
  counts?: XdpCounts;
}
