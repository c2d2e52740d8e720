/**
 * vip-arpd as most daemon tests start it, to be asked through its control
 * socket: the config in a fresh temp dir (state file and control socket
 * there, no file watch, info logs) and `ctl`, `vip-arpctl --json` on that
 * socket.
 */
import { join } from 'node:path';
import { run } from '../../../lab/run.mjs';
import { startDaemon, type DaemonOpts, type DaemonProcess } from './daemon.js';
import { REPO_ROOT } from './environment.js';
import type { Lab } from './namespaces.js';

/** Path of the built control client. */
export const CTL_ENTRY = join(REPO_ROOT, 'dist', 'cli', 'vip-arpctl.js');

/** One of the checks in `vip-arpctl --json doctor` (docs/schema/doctor.schema.json). */
export interface DoctorCheck {
  check: string;
  subject: string;
  status: string;
  message: string;
  fix: string[];
}

/** What {@link ControlledDaemon.ctl} got: the exit code, stdout parsed as JSON (undefined when empty), stderr. */
export interface CtlResult<T> {
  code: number;
  data: T;
  stderr: string;
}

/** A running vip-arpd (see startDaemon) with its control socket. */
export interface ControlledDaemon extends DaemonProcess {
  socket: string;
  /** Runs `vip-arpctl --socket SOCKET --json --timeout 15000 ...args` and parses its output. */
  ctl<T = unknown>(...args: string[]): Promise<CtlResult<T>>;
}

/** The config {@link startControlledDaemon} writes for `dir`, with `config` (groups, any setting) over it: for a reload to write again. */
export function controlledConfig(dir: string, config: object): object {
  return { stateFile: join(dir, 'state.json'), control: { socket: join(dir, 'control.sock') }, watch: { enabled: false }, log: { level: 'info' }, ...config };
}

/**
 * Starts vip-arpd on `host` with {@link controlledConfig} in `opts.dir` (by
 * default a fresh temp dir named from `prefix`) and resolves once it is ready.
 */
export async function startControlledDaemon(lab: Lab, host: string, config: object, opts: DaemonOpts & { prefix?: string } = {}): Promise<ControlledDaemon> {
  const dir = opts.dir ?? lab.tempDir(opts.prefix ?? 'vip-arpd-ctl-');
  const socket = join(dir, 'control.sock');
  const daemon = await startDaemon(lab, host, controlledConfig(dir, config), { ...opts, dir });
  const ctl = async <T = unknown>(...args: string[]): Promise<CtlResult<T>> => {
    const r = await run(process.execPath, [CTL_ENTRY, '--socket', socket, '--json', '--timeout', '15000', ...args], { timeoutMs: 20_000 });
    return { code: r.code, data: (r.stdout.trim() === '' ? undefined : JSON.parse(r.stdout)) as T, stderr: r.stderr };
  };
  return { ...daemon, socket, ctl };
}
