/**
 * The role state file: every group's role plus the kernel boot id, so a
 * daemon restarted in the same boot (systemd Restart=, a crash) resumes its
 * MASTER groups at once, while a file surviving a reboot (a persistent
 * `stateFile` path) is not trusted: after a reboot keepalived or Pacemaker
 * decides afresh.
 *
 * Format (version 1):
 *   {"version":1,"bootId":"<uuid>","writtenAt":"<ISO time>","groups":{"web":"MASTER","mail":"BACKUP"}}
 */
import { dirname } from 'node:path';
import { VipArpdError } from '../util/errors.js';
import { parseRole, type Role } from './role.js';
import { isObject } from '../util/is-object.js';
import { fs } from '../util/node-builtins.js';

const { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } = fs;

export const STATE_FILE_VERSION = 1;

/** Where the kernel publishes this boot's random id (random(4)). */
export const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

export interface RoleState {
  bootId: string;
  /** group name → role */
  groups: Record<string, Role>;
}

/** Why a state file was not used. */
export type StateFileRejection =
  | { reason: 'missing' }
  | { reason: 'unreadable'; message: string }
  | { reason: 'unparsable'; message: string }
  | { reason: 'other-boot'; bootId: string };

export type StateFileRead = { ok: true; state: RoleState } | ({ ok: false } & StateFileRejection);

/**
 * Parses state file text. Pure; never throws.
 * Returns the state, or a message saying what is wrong with the text.
 */
export function parseStateFile(text: string): { ok: true; state: RoleState } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `not JSON: ${(err as Error).message}` };
  }
  if (!isObject(value)) return { ok: false, message: 'not a JSON object' };
  if (value.version !== STATE_FILE_VERSION) return { ok: false, message: `version is ${JSON.stringify(value.version)}, expected ${STATE_FILE_VERSION}` };
  if (typeof value.bootId !== 'string' || value.bootId === '') return { ok: false, message: 'bootId is missing' };
  if (!isObject(value.groups)) return { ok: false, message: 'groups is not an object' };
  const groups: Record<string, Role> = {};
  for (const [name, role] of Object.entries(value.groups)) {
    const parsed = typeof role === 'string' ? parseRole(role) : undefined;
    if (parsed === undefined) return { ok: false, message: `group "${name}" has role ${JSON.stringify(role)}, expected MASTER, BACKUP or FAULT` };
    groups[name] = parsed;
  }
  return { ok: true, state: { bootId: value.bootId, groups } };
}

/** Serialises `state` (with the time of writing) as one line of JSON. */
export function formatStateFile(state: RoleState, writtenAt: Date): string {
  return `${JSON.stringify({ version: STATE_FILE_VERSION, bootId: state.bootId, writtenAt: writtenAt.toISOString(), groups: state.groups })}\n`;
}

/**
 * Reads this boot's id.
 * @throws {VipArpdError} EBOOTID when the file cannot be read (not Linux, /proc not mounted).
 */
export function readBootId(path = BOOT_ID_PATH): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new VipArpdError('EBOOTID', `cannot read the boot id from ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}); is /proc mounted?`, {
      cause: err,
    });
  }
}

/** Reads and checks the state file against `bootId`; never throws. */
export function readStateFile(path: string, bootId: string): StateFileRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: 'missing' };
    return { ok: false, reason: 'unreadable', message: code ?? String(err) };
  }
  const parsed = parseStateFile(text);
  if (!parsed.ok) return { ok: false, reason: 'unparsable', message: parsed.message };
  if (parsed.state.bootId !== bootId) return { ok: false, reason: 'other-boot', bootId: parsed.state.bootId };
  return parsed;
}

/**
 * Writes the state file atomically: a temp file in the same directory,
 * fsync, rename over the old one (rename(2) is atomic within a file system),
 * then fsync of the directory so the rename itself survives a crash. A
 * reader sees the old file or the new one, never half of one. Creates the
 * directory (mode 0755) when missing.
 * @throws {VipArpdError} ESTATEFILE naming the path and errno when any step fails.
 */
export function writeStateFile(path: string, state: RoleState, now = new Date()): void {
  const dir = dirname(path);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const fd = openSync(temp, 'w', 0o644);
    try {
      writeSync(fd, formatStateFile(state, now));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // the temp file was never made or is already renamed
    }
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new VipArpdError('ESTATEFILE', `cannot write role state file ${path} (${code}): check that its directory is writable, or set stateFile`, {
      cause: err,
    });
  }
}
