/**
 * Roles a director can hold for a VIP group. Only MASTER answers and
 * announces; BACKUP and FAULT are silent (FAULT is keepalived's state for a
 * failed instance, kept distinct so `status` tells the two apart).
 */
export type Role = 'MASTER' | 'BACKUP' | 'FAULT';

export const ROLES: readonly Role[] = ['MASTER', 'BACKUP', 'FAULT'];

/** Parses a role name in any case (`master`, `MASTER`); undefined otherwise. */
export function parseRole(text: string): Role | undefined {
  const upper = text.toUpperCase();
  return (ROLES as readonly string[]).includes(upper) ? (upper as Role) : undefined;
}
