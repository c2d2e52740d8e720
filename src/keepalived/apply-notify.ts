/**
 * Applies a keepalived notification to the daemon: every group the
 * instance or sync group drives takes the notified role.
 */
import { VipArpdError } from '../util/errors.js';
import type { DaemonConfig } from '../config/load-config.js';
import type { RoleChange, RoleControl } from '../roles/role-source.js';
import { groupsForKeepalivedName, type NotifyEvent } from './notify.js';

/** `source` of the role changes made for keepalived (see RoleControl.setRole). */
export const KEEPALIVED_SOURCE = 'keepalived';

/**
 * Sets the role of every group of `config` mapped to `event.name`.
 * @throws {VipArpdError} ENOGROUP when no group is mapped to the name.
 */
export function applyNotify(roles: RoleControl, config: DaemonConfig, event: NotifyEvent): RoleChange[] {
  const names = groupsForKeepalivedName(config.groups, event.name);
  if (names.length === 0) {
    throw new VipArpdError(
      'ENOGROUP',
      `no group is driven by keepalived ${event.type.toLowerCase()} "${event.name}": add "${event.name}" to a group's "keepalived" list, or name a group "${event.name}"`,
    );
  }
  return names.map((name) => roles.setRole(name, event.role, KEEPALIVED_SOURCE));
}
