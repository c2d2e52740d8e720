/**
 * InterfaceWatch follows one interface by name, so the daemon notices it
 * going down, coming back, or being deleted and recreated with a new index
 * (after which the old packet socket is dead: packet(7) unbinds it on
 * unregister). Link events (link-monitor.ts) drive it message by message; a
 * slow poll is only the safety net, and the fast poll is kept for hosts where
 * link events are not available.
 */
import { interfaceInfo, type InterfaceInfo } from '../native/interface-info.js';
import { isRunning, type LinkMessage } from './rtnetlink.js';
import type { LinkListener, LinkMonitor } from './link-monitor.js';

/**
 * Poll period without link events: recovery must happen within 2 s; 500 ms
 * keeps that with room to spare, and one ioctl trio per 500 ms costs nothing.
 */
export const INTERFACE_POLL_MS = 500;
/**
 * Poll period with link events: events are the source; the poll only catches
 * what a lost event would hide (an overflow is resynchronised at once anyway).
 */
export const SAFETY_POLL_MS = 5000;

export type InterfaceState = { present: false; error: string } | { present: true; info: InterfaceInfo; up: boolean };

/** Reads an interface's state now; never throws. */
export function readInterfaceState(name: string): InterfaceState {
  try {
    const info = interfaceInfo(name);
    return { present: true, info, up: isRunning(info.flags) };
  } catch (err) {
    return { present: false, error: (err as { code?: string }).code ?? String(err) };
  }
}

/**
 * The state of `name` after message `m`, given the state before; undefined
 * when `m` is about another link. Pure.
 */
export function stateAfterMessage(name: string, before: InterfaceState, m: LinkMessage): InterfaceState | undefined {
  if (m.name === name) {
    if (m.kind === 'del') return { present: false, error: 'ENODEV' };
    const mac = m.mac ?? (before.present ? before.info.mac : Buffer.alloc(6));
    return { present: true, info: { name, index: m.index, mac, flags: m.flags, hwType: m.hwType }, up: isRunning(m.flags) };
  }
  // Our link renamed away, or deleted by a message without a name.
  if (before.present && m.index === before.info.index) return { present: false, error: m.kind === 'del' ? 'ENODEV' : `renamed to ${m.name ?? '?'}` };
  return undefined;
}

/** True when two states differ in a way that needs the socket reopened or reported. */
export function stateChanged(a: InterfaceState, b: InterfaceState): boolean {
  if (a.present !== b.present) return true;
  if (!a.present || !b.present) return false;
  return a.info.index !== b.info.index || a.up !== b.up || !a.info.mac.equals(b.info.mac);
}

export class InterfaceWatch implements LinkListener {
  private timer: NodeJS.Timeout | undefined;
  private last: InterfaceState;
  private unsubscribe: (() => void) | undefined;

  /**
   * Subscribes to `monitor` first and reads the state second, so no event
   * between the two is lost.
   */
  constructor(
    readonly name: string,
    private readonly onChange: (now: InterfaceState, before: InterfaceState) => void,
    private readonly monitor?: LinkMonitor,
  ) {
    this.unsubscribe = monitor?.subscribe(this);
    this.last = readInterfaceState(name);
  }

  get state(): InterfaceState {
    return this.last;
  }

  /** The poll period in use. */
  get pollMs(): number {
    return this.monitor?.available === true ? SAFETY_POLL_MS : INTERFACE_POLL_MS;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.check(), this.pollMs);
    this.timer.unref();
  }

  onLinkMessage(m: LinkMessage): void {
    const now = stateAfterMessage(this.name, this.last, m);
    if (now !== undefined) this.report(now);
  }

  /**
   * Messages were lost, so a down and up may have passed unseen: an up link
   * is reported as having come up again (re-announcing is harmless, missing
   * a flap is not).
   */
  onLinkResync(): void {
    const before = this.last;
    const now = readInterfaceState(this.name);
    if (!stateChanged(before, now) && now.present && now.up && before.present) {
      this.last = now;
      this.onChange(now, { ...before, up: false });
      return;
    }
    this.report(now);
  }

  /** Reads the interface now and reports a change. */
  check(): void {
    this.report(readInterfaceState(this.name));
  }

  private report(now: InterfaceState): void {
    if (!stateChanged(this.last, now)) {
      this.last = now;
      return;
    }
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
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
