/**
 * The ports of the role machine (role-machine.ts): reading roles and
 * hearing about their changes (RoleSource), and asking for one (RoleControl).
 */
import type { Subscribable } from '../daemon/subscribable.js';
import type { GroupState } from '../vips/group-state.js';
import type { Role } from './role.js';

export interface RoleChange {
  group: string;
  from: Role;
  to: Role;
  /** who asked: `config`, `control`, `keepalived`, `state-file`, … */
  source: string;
}

export interface RoleEvents {
  'role-changed': [RoleChange];
}

/** Reads the live role of every group and hears each change, after it took effect. */
export interface RoleSource extends Subscribable<RoleEvents> {
  /** The groups of the snapshot in force, by name (the state the responders read per frame). */
  readonly groups: ReadonlyMap<string, GroupState>;
}

/** Changes roles: control commands and keepalived call this, nothing else sets a role. */
export interface RoleControl extends RoleSource {
  /**
   * Sets a group's role; leaving MASTER takes effect before this returns.
   * @throws {Error} for an unknown group.
   */
  setRole(group: string, to: Role, source: string): RoleChange;
}
