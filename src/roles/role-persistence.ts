/**
 * The role-persistence feature: restores group roles from the state file at
 * start (same boot only) and rewrites the file after every role change and
 * reload. Start it before the announcer, so restored MASTER groups are
 * announced and groups restored to BACKUP never send a GARP on restart.
 */
import type { Daemon, DaemonFeature } from '../daemon/daemon.js';
import type { Logger } from '../log.js';
import type { Role } from './role.js';
import { readBootId, readStateFile, writeStateFile, BOOT_ID_PATH } from './state-file.js';

export interface RolePersistenceOptions {
  /** for tests: where the boot id is read from */
  bootIdPath?: string;
}

export class RolePersistenceFeature implements DaemonFeature {
  readonly name = 'role-persistence';
  private daemon: Daemon | undefined;
  private log: Logger | undefined;
  private bootId = '';
  private writeQueued = false;
  /** successful writes, for tests and metrics */
  writes = 0;
  /** failed writes */
  writeErrors = 0;
  private readonly bootIdPath: string;
  private readonly onChange = (): void => this.queueWrite();

  constructor(opts: RolePersistenceOptions = {}) {
    this.bootIdPath = opts.bootIdPath ?? BOOT_ID_PATH;
  }

  start(daemon: Daemon): void {
    const log = daemon.log.child({ feature: this.name });
    this.log = log;
    if (daemon.config.stateFile === '') {
      log.info('stateFile is empty: roles are not persisted; a restart starts every group in its configured role');
      return;
    }
    try {
      this.bootId = readBootId(this.bootIdPath);
    } catch (err) {
      log.warn({ err }, 'roles are not persisted: no boot id to tell a restart from a reboot');
      return;
    }
    this.daemon = daemon;
    this.restore(daemon, log);
    this.write();
    daemon.on('role-changed', this.onChange);
    daemon.on('snapshot-applied', this.onChange);
  }

  /** Stops listening and writes a pending change now. */
  stop(): void {
    const d = this.daemon;
    if (d === undefined) return;
    d.off('role-changed', this.onChange);
    d.off('snapshot-applied', this.onChange);
    if (this.writeQueued) this.write();
    this.daemon = undefined;
  }

  private restore(daemon: Daemon, log: Logger): void {
    const path = daemon.config.stateFile;
    const read = readStateFile(path, this.bootId);
    if (!read.ok) {
      switch (read.reason) {
        case 'missing':
          log.info({ path }, 'no role state file; groups start in their configured role');
          return;
        case 'other-boot':
          log.warn({ path, fileBootId: read.bootId, bootId: this.bootId }, 'role state file is from another boot; ignored, groups start in their configured role');
          return;
        case 'unreadable':
        case 'unparsable':
          log.warn({ path, reason: read.message }, 'role state file is unusable; ignored, groups start in their configured role');
          return;
      }
    }
    const unknown: string[] = [];
    const restored: Record<string, Role> = {};
    for (const [name, role] of Object.entries(read.state.groups)) {
      const group = daemon.groups.get(name);
      if (group === undefined) {
        unknown.push(name);
        continue;
      }
      restored[name] = role;
      if (group.role !== role) daemon.setRole(name, role, 'state-file');
    }
    log.info({ path, restored, ...(unknown.length > 0 ? { unknownGroups: unknown } : {}) }, 'roles restored from state file');
  }

  /**
   * Coalesces the changes of one synchronous burst (a sync group of several
   * groups, a reload) into one write, after the role-changed listeners (the
   * announcer's first GARP does not wait for an fsync) but before the control
   * command that caused it replies.
   */
  private queueWrite(): void {
    if (this.writeQueued) return;
    this.writeQueued = true;
    queueMicrotask(() => {
      if (this.writeQueued) this.write();
    });
  }

  private write(): void {
    this.writeQueued = false;
    const d = this.daemon;
    if (d === undefined || d.config.stateFile === '') return;
    const groups: Record<string, Role> = {};
    for (const g of d.groups.values()) groups[g.name] = g.role;
    try {
      writeStateFile(d.config.stateFile, { bootId: this.bootId, groups });
      this.writes++;
    } catch (err) {
      this.writeErrors++;
      this.log!.error({ err }, 'cannot persist roles; a restart will fall back to configured roles');
    }
  }
}
