/**
 * Role persistence, for the role machine (role-machine.ts): restores group
 * roles from the state file at start (same boot only) and rewrites the file
 * after every role change and reload, one write per synchronous burst.
 */
import type { Logger } from '../log/log.js';
import type { GroupState } from '../vips/group-state.js';
import type { Role } from './role.js';
import { readBootId, readStateFile, writeStateFile } from './state-file.js';

export interface RolePersistenceOptions {
  /** the state file in force (a reload may move it); '' = roles are not persisted */
  path: () => string;
  bootIdPath: string;
  log: Logger;
}

export class RolePersistence {
  private readonly opts: RolePersistenceOptions;
  private readonly bootId: string;
  private writeQueued = false;
  /** successful writes, for tests and metrics */
  writes = 0;
  /** failed writes */
  writeErrors = 0;

  /** @throws {Error} when the boot id cannot be read (a restart cannot be told from a reboot). */
  constructor(opts: RolePersistenceOptions) {
    this.opts = opts;
    this.bootId = readBootId(opts.bootIdPath);
  }

  /** The roles the state file holds for groups in `groups` (logged), or nothing when it is missing or unusable. */
  restore(groups: ReadonlyMap<string, GroupState>): Map<string, Role> {
    const { log } = this.opts;
    const path = this.opts.path();
    const found = new Map<string, Role>();
    const read = readStateFile(path, this.bootId);
    if (!read.ok) {
      switch (read.reason) {
        case 'missing':
          log.info({ path }, 'no role state file; groups start in their configured role');
          return found;
        case 'other-boot':
          log.warn(
            { path, fileBootId: read.bootId, bootId: this.bootId },
            'role state file is from another boot; ignored, groups start in their configured role',
          );
          return found;
        case 'unreadable':
        case 'unparsable':
          log.warn({ path, reason: read.message }, 'role state file is unusable; ignored, groups start in their configured role');
          return found;
      }
    }
    const unknown: string[] = [];
    const restored: Record<string, Role> = {};
    for (const [name, role] of Object.entries(read.state.groups)) {
      if (!groups.has(name)) {
        unknown.push(name);
        continue;
      }
      restored[name] = role;
      found.set(name, role);
    }
    log.info({ path, restored, ...(unknown.length > 0 ? { unknownGroups: unknown } : {}) }, 'roles restored from state file');
    return found;
  }

  /**
   * Coalesces the changes of one synchronous burst (a sync group of several
   * groups, a reload) into one write, after the role-changed listeners (the
   * announcer's first GARP does not wait for an fsync) but before the control
   * command that caused it replies.
   */
  queueWrite(groups: () => Iterable<GroupState>): void {
    if (this.writeQueued) return;
    this.writeQueued = true;
    queueMicrotask(() => {
      if (this.writeQueued) this.write(groups());
    });
  }

  /** Writes a queued change now. */
  flush(groups: Iterable<GroupState>): void {
    if (this.writeQueued) this.write(groups);
  }

  write(groups: Iterable<GroupState>): void {
    this.writeQueued = false;
    const path = this.opts.path();
    if (path === '') return;
    const roles: Record<string, Role> = {};
    for (const g of groups) roles[g.name] = g.role;
    try {
      writeStateFile(path, { bootId: this.bootId, groups: roles });
      this.writes++;
    } catch (err) {
      this.writeErrors++;
      this.opts.log.error({ err }, 'cannot persist roles; a restart will fall back to configured roles');
    }
  }
}
