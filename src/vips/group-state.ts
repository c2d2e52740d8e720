/**
 * The live state of one VIP group that the hot path reads: its role and the
 * MAC it answers with. One object per group name lives for the daemon's life,
 * so VIP tables rebuilt on reload point at the same state.
 */
import type { Role } from '../roles/role.js';

export interface GroupState {
  readonly name: string;
  role: Role;
  /** Configured MAC (e.g. a VRRP virtual MAC); undefined = the interface's MAC. */
  mac: number | undefined;
  /** Configured R flag of the group's NAs (`ndpRouter`); undefined = the interface's IPv6 forwarding. */
  ndpRouter?: boolean | undefined;
}
