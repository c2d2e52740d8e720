/**
 * A part of the daemon started after the first snapshot is applied, in the
 * composition root's order, and stopped in reverse. A feature gets what it
 * uses in its constructor (ports, src/daemon/composition-root.ts); start()
 * takes nothing.
 */
export interface DaemonFeature {
  readonly name: string;
  start(): void | Promise<void>;
  stop?(): void | Promise<void>;
}
