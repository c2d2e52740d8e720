/**
 * The listening half of an EventEmitter: what a port hands out, so that a
 * listener can subscribe but never emit.
 */
import type { EventEmitter } from 'node:events';

export type Subscribable<Events extends Record<keyof Events, unknown[]>> = Pick<EventEmitter<Events>, 'on' | 'off' | 'prependListener'>;
