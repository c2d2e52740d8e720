// @ts-check
/**
 * The ARP flood lab the flood benchmarks share:
 *
 *   client netns                       director netns
 *   sender (CPU 0) ── eth0 ═veth═ eth0 ── responder (CPU 1)
 *
 * The client's eth0 is `arp off` (IFF_NOARP): its kernel drops the replies
 * at the top of arp_rcv, so the client measures the responder, not its own
 * ARP stack. RPS steers the director's receive softirq to its CPU (a veth
 * receives in the sender's context), and with `clientRps` the client's to
 * its own.
 */
import { createNamespace, createVeth, nsWrite, sh } from './netns.mjs';

export const FLOOD_IFACE = 'eth0';
export const CLIENT_CPU = 0;
export const DIRECTOR_CPU = 1;
const DIRECTOR_IP = '192.0.2.1/24';

/**
 * Builds the lab; resolves to the `{ client, director }` namespace names.
 * @param {{ clientRps?: boolean }} [opts]
 * @returns {Promise<{ client: string, director: string }>}
 */
export async function buildFloodLab({ clientRps = true } = {}) {
  const client = await createNamespace('client');
  const director = await createNamespace('director');
  await createVeth(client, FLOOD_IFACE, director, FLOOD_IFACE);
  sh('ip', ['-n', client, 'link', 'set', FLOOD_IFACE, 'arp', 'off']);
  sh('ip', ['-n', director, 'addr', 'add', DIRECTOR_IP, 'dev', FLOOD_IFACE]);
  nsWrite(director, `/sys/class/net/${FLOOD_IFACE}/queues/rx-0/rps_cpus`, (1 << DIRECTOR_CPU).toString(16));
  if (clientRps) nsWrite(client, `/sys/class/net/${FLOOD_IFACE}/queues/rx-0/rps_cpus`, (1 << CLIENT_CPU).toString(16));
  return { client, director };
}
