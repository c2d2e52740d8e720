/**
 * The one-line `STATUS=` systemd shows in `systemctl status vip-arpd`:
 * roles per group, VIP count, conflicts. Pure.
 */
import { ROLES, type Role } from '../roles/role.js';

/** Group names listed per role before the rest are summarised as "+N". */
export const MAX_NAMES_PER_ROLE = 4;

export interface StatusInput {
  groups: ReadonlyArray<{ name: string; role: Role }>;
  vips: number;
  interfaces: number;
  /** conflicts seen since start; undefined when diagnostics keep no count */
  conflicts?: number | undefined;
  /** configured interfaces that do not exist (waited for) */
  missingInterfaces?: readonly string[];
}

/**
 * Returns e.g. `MASTER web, mail; BACKUP db; 6 VIPs on 2 interfaces; 0 conflicts`,
 * with `waiting for interface bond0.100` before the conflicts while one is missing.
 * Roles come in {@link ROLES} order; names in the order given, at most {@link MAX_NAMES_PER_ROLE} per role.
 */
export function statusLine(s: StatusInput): string {
  const parts: string[] = [];
  for (const role of ROLES) {
    const names = s.groups.filter((g) => g.role === role).map((g) => g.name);
    if (names.length === 0) continue;
    const shown = names.slice(0, MAX_NAMES_PER_ROLE).join(', ');
    const more = names.length > MAX_NAMES_PER_ROLE ? ` +${names.length - MAX_NAMES_PER_ROLE}` : '';
    parts.push(`${role} ${shown}${more}`);
  }
  if (s.groups.length === 0) parts.push('no groups');
  parts.push(`${plural(s.vips, 'VIP')} on ${plural(s.interfaces, 'interface')}`);
  const missing = s.missingInterfaces ?? [];
  if (missing.length > 0)
    parts.push(
      `waiting for interface${missing.length === 1 ? '' : 's'} ${missing.slice(0, MAX_NAMES_PER_ROLE).join(', ')}${missing.length > MAX_NAMES_PER_ROLE ? ` +${missing.length - MAX_NAMES_PER_ROLE}` : ''}`,
    );
  if (s.conflicts !== undefined) parts.push(plural(s.conflicts, 'conflict'));
  // One line by construction, but a group name is config input: keep it so.
  return parts.join('; ').replace(/[\r\n]+/g, ' ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
