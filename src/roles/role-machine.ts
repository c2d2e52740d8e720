/**
 * The role machine: the one place roles live. It owns each group's live state
 * (GroupState, read per frame by the responders), makes every transition
 * (control's takeover/release/fault, keepalived's notifications, the state
 * file at start), persists roles (role-persistence.ts) and raises the
 * 'role-changed' event the announcer, diagnostics, XDP, metrics and systemd
 * listen to. The daemon hands it each applied snapshot's groups.
 *
 * Start it before anything announces or answers on the roles: restored
 * MASTER groups are announced, groups restored to BACKUP never send a GARP on
 * restart.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log/log.js';
import type { DaemonFeature } from '../daemon/feature.js';
import type { GroupState } from '../vips/group-state.js';
import type { Role } from './role.js';
import type { RoleChange, RoleControl, RoleEvents } from './role-source.js';
import { RolePersistence } from './role-persistence.js';
import { BOOT_ID_PATH } from './state-file.js';

export interface RoleMachineOptions {
  log: Logger;
  /** the state file in force ('' = roles are not persisted), read at start and at every write */
  stateFile: () => string;
  /** for tests: where the boot id is read from */
  bootIdPath?: string;
}

/** What the daemon tells the role machine about a group of a snapshot being applied. */
export interface GroupSpec {
  name: string;
  initialRole: Role;
  /** the configured MAC; undefined = the interface's */
  mac: number | undefined;
  /** the configured NA R flag; undefined = the interface's forwarding */
  ndpRouter?: boolean | undefined;
}

/**
 * The group states of a snapshot being applied, from {@link RoleMachine.nextGroups}:
 * filled one group at a time (a reload of 65,535 groups fills it over several
 * event-loop turns, daemon/apply-steps.ts), put in force whole by
 * {@link RoleMachine.replaceGroups}. Nothing in force changes before that.
 */
export class NextGroups {
  readonly states = new Map<string, GroupState>();
  /** kept groups whose configured MAC or NA R flag changes, and their spec: set by replaceGroups */
  readonly updates: Array<readonly [GroupState, GroupSpec]> = [];
  private readonly current: ReadonlyMap<string, GroupState>;

  constructor(current: ReadonlyMap<string, GroupState>) {
    this.current = current;
  }

  /** The state `spec` will have: a kept group's own (its role kept), or a new one in its configured role. */
  add(spec: GroupSpec): GroupState {
    let state = this.current.get(spec.name);
    if (state === undefined) state = { name: spec.name, role: spec.initialRole, mac: spec.mac, ndpRouter: spec.ndpRouter };
    else if (state.mac !== spec.mac || state.ndpRouter !== spec.ndpRouter) this.updates.push([state, spec]);
    this.states.set(spec.name, state);
    return state;
  }
}

export class RoleMachine extends EventEmitter<RoleEvents> implements RoleControl, DaemonFeature {
  readonly name = 'role-machine';
  /** replaced whole by each apply (replaceGroups) */
  private states = new Map<string, GroupState>();
  private readonly opts: RoleMachineOptions;
  private readonly log: Logger;
  private persistence: RolePersistence | undefined;

  constructor(opts: RoleMachineOptions) {
    super();
    this.opts = opts;
    this.log = opts.log;
  }

  get groups(): ReadonlyMap<string, GroupState> {
    return this.states;
  }

  /** Persistence counters, for tests; undefined while roles are not persisted. */
  get persisted(): { writes: number; writeErrors: number } | undefined {
    return this.persistence;
  }

  /** Restores roles from the state file (same boot only) and persists from now on. */
  start(): void {
    const log = this.log.child({ feature: 'role-persistence' });
    if (this.opts.stateFile() === '') {
      log.info('stateFile is empty: roles are not persisted; a restart starts every group in its configured role');
      return;
    }
    let persistence: RolePersistence;
    try {
      persistence = new RolePersistence({ path: this.opts.stateFile, bootIdPath: this.opts.bootIdPath ?? BOOT_ID_PATH, log });
    } catch (err) {
      log.warn({ err }, 'roles are not persisted: no boot id to tell a restart from a reboot');
      return;
    }
    this.persistence = persistence;
    for (const [name, role] of persistence.restore(this.states)) if (this.states.get(name)!.role !== role) this.setRole(name, role, 'state-file');
    persistence.write(this.states.values());
  }

  /** Writes a pending change now; roles are not persisted afterwards. */
  stop(): void {
    this.persistence?.flush(this.states.values());
    this.persistence = undefined;
  }

  /** An empty set of next groups, to fill from the snapshot being applied and then {@link replaceGroups}. */
  nextGroups(): NextGroups {
    return new NextGroups(this.states);
  }

  /**
   * Makes `next` the groups in force (groups not among them are gone) and
   * sets the kept groups' new MACs and R flags: one assignment of the map,
   * not one entry per group (~60 ms at 65,535 groups).
   */
  replaceGroups(next: NextGroups): void {
    for (const [state, spec] of next.updates) {
      state.mac = spec.mac;
      state.ndpRouter = spec.ndpRouter;
    }
    this.states = next.states;
    this.persistence?.queueWrite(() => this.states.values());
  }

  setRole(groupName: string, to: Role, source: string): RoleChange {
    const group = this.states.get(groupName);
    if (group === undefined) throw new Error(`unknown group "${groupName}"`);
    const change = { group: groupName, from: group.role, to, source };
    group.role = to;
    this.emit('role-changed', change);
    this.persistence?.queueWrite(() => this.states.values());
    // Logged after the listeners ran: a synchronous log write must not delay the first GARP.
    this.log.info({ group: groupName, from: change.from, to, source }, 'role changed');
    return change;
  }
}
