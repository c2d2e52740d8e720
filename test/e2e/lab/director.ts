/**
 * The LVS-DR lab most daemon tests start from: a client and a director on one
 * LAN, the director's kernel silent for the VIPs it holds on lo (HOWTO "the
 * ARP problem"), the client reaching the VIP ranges on-link as a router in
 * front of the directors does. vip-arpd is started by the test.
 */
import type { Test } from 'tap';
import { createLab, silenceKernelArp, type HostSpec, type Lab } from './namespaces.js';

export const DIRECTOR_IP = '192.0.2.1';
export const CLIENT_IP = '192.0.2.2';

export interface DirectorLabOpts {
  /** Addresses put on the director's lo, each as /32. */
  vips?: readonly string[];
  /** Prefixes the client routes out of its eth0 (e.g. '198.51.100.0/24'). */
  clientRoutes?: readonly string[];
  /** The client keeps the kernel defaults that let a GARP move an entry ({@link followGratuitousArp}). */
  clientFollowsGarp?: boolean;
  /** More hosts on the same LAN. */
  extraHosts?: readonly HostSpec[];
}

/**
 * createDirectorLab builds hosts `client` ({@link CLIENT_IP}/24) and
 * `director` ({@link DIRECTOR_IP}/24) (plus `extraHosts`), with arp_ignore=1
 * and arp_announce=2 on the director's all, default and eth0.
 */
export async function createDirectorLab(t: Test, opts: DirectorLabOpts = {}): Promise<Lab> {
  const lab = await createLab(t, {
    hosts: [{ name: 'client', ip: `${CLIENT_IP}/24` }, { name: 'director', ip: `${DIRECTOR_IP}/24` }, ...(opts.extraHosts ?? [])],
  });
  await silenceKernelArp(lab, 'director', ['all', 'default', 'eth0']);
  for (const vip of opts.vips ?? []) await lab.addAddress('director', 'lo', `${vip}/32`);
  if (opts.clientFollowsGarp) await followGratuitousArp(lab, 'client', ['all', 'default', 'eth0']);
  for (const prefix of opts.clientRoutes ?? []) await lab.exec('client', 'ip', ['route', 'add', prefix, 'dev', 'eth0'], { check: true });
  return lab;
}

/**
 * followGratuitousArp sets arp_accept=0 and drop_gratuitous_arp=0 on each of
 * `keys` of `host`: a gratuitous ARP updates an existing neighbour entry
 * (arp_accept=0 only stops one from creating an entry), as on a stock client.
 */
export async function followGratuitousArp(lab: Lab, host: string, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    await lab.sysctl(host, `net.ipv4.conf.${key}.arp_accept`, 0);
    await lab.sysctl(host, `net.ipv4.conf.${key}.drop_gratuitous_arp`, 0);
  }
}
