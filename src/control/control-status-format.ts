/**
 * vip-arpctl's line for the `control` status section: "control: socket
 * /run/vip-arpd/control.sock, 1 client connected, 0 refused, 0 idle evicted
 * since start".
 */
import { otherFields, type RenderContext } from './generic-format.js';
import { count } from './human-units.js';

interface ControlStatus {
  socket: string;
  clients: number;
  refusedClients: number;
  evictedClients?: number;
}

/** The `control` section, one line (plus any field this version does not know). */
function renderControlSection(data: unknown, ctx: RenderContext): string {
  const c = data as ControlStatus & Record<string, unknown>;
  if (typeof c.socket !== 'string' || typeof c.clients !== 'number') throw new TypeError('not a control status section');
  const evicted = c.evictedClients === undefined ? '' : `, ${c.evictedClients} idle evicted`;
  return `control: socket ${c.socket}, ${count(c.clients, 'client')} connected, ${c.refusedClients} refused${evicted} since start${otherFields(c, ['socket', 'clients', 'refusedClients', 'evictedClients'], ctx)}`;
}

/** vip-arpctl formatters of the control feature's status sections. */
export const CONTROL_STATUS_FORMATTERS = { control: renderControlSection } as const;
