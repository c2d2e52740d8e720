/**
 * Resolves `control.group` to a gid. Node has no getgrnam(3), so the name is
 * looked up in /etc/group (group(5)); a number is taken as a gid.
 */
import { VipArpdError } from '../util/errors.js';
import { fs } from '../util/node-builtins.js';

const { readFileSync } = fs;

/** Finds `name` in group(5) text (`name:password:gid:members`); undefined when absent. */
export function findGroupId(groupFile: string, name: string): number | undefined {
  for (const line of groupFile.split('\n')) {
    const [entry, , gid] = line.split(':');
    if (entry === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/**
 * The gid of `group` (a name or a number).
 * @throws {VipArpdError} ENOGROUPID when the name is not in /etc/group.
 */
export function resolveGroupId(group: string, groupFilePath = '/etc/group'): number {
  if (/^\d+$/.test(group)) return Number(group);
  let text = '';
  try {
    text = readFileSync(groupFilePath, 'utf8');
  } catch {
    // treated as "not found" below
  }
  const gid = findGroupId(text, group);
  if (gid === undefined) throw new VipArpdError('ENOGROUPID', `control.group "${group}" is not a group in ${groupFilePath}; create it (groupadd) or use a gid`);
  return gid;
}
