/**
 * InterfaceWatch polls an interface by name, so the daemon notices it going
 * down, coming back, or being deleted and recreated with a new index (after
 * which the old packet socket is dead: packet(7) unbinds it on unregister).
 */
import { interfaceInfo, IFF_UP, IFF_RUNNING, type InterfaceInfo } from '../native/interface-info.js';

/**
 * Poll period. Recovery must happen within 2 s; 500 ms keeps that with room
 * to spare, and one ioctl trio per interface per 500 ms costs nothing.
 */
export const INTERFACE_POLL_MS = 500;

export type InterfaceState =
  | { present: false; error: string }
  | { present: true; info: InterfaceInfo; up: boolean };

/** Reads an interface's state now; never throws. */
export function readInterfaceState(name: string): InterfaceState {
  try {
    const info = interfaceInfo(name);
    return { present: true, info, up: (info.flags & IFF_UP) !== 0 && (info.flags & IFF_RUNNING) !== 0 };
  } catch (err) {
    return { present: false, error: (err as { code?: string }).code ?? String(err) };
  }
}

/** True when two states differ in a way that needs the socket reopened or reported. */
export function stateChanged(a: InterfaceState, b: InterfaceState): boolean {
  if (a.present !== b.present) return true;
  if (!a.present || !b.present) return false;
  return a.info.index !== b.info.index || a.up !== b.up || !a.info.mac.equals(b.info.mac);
}

export class InterfaceWatch {
  private timer: NodeJS.Timeout | undefined;
  private last: InterfaceState;

  constructor(readonly name: string, private readonly onChange: (now: InterfaceState, before: InterfaceState) => void, initial?: InterfaceState) {
    this.last = initial ?? readInterfaceState(name);
  }

  get state(): InterfaceState {
    return this.last;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.check(), INTERFACE_POLL_MS);
    this.timer.unref();
  }

  /** Reads the interface now and reports a change. */
  check(): void {
    const now = readInterfaceState(this.name);
    if (!stateChanged(this.last, now)) return;
    const before = this.last;
    this.last = now;
    this.onChange(now, before);
  }

  /** Makes the next poll report the interface as changed (to retry after a failed reopen). */
  forget(): void {
    this.last = { present: false, error: 'retry' };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
