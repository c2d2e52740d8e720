/**
 * The network-namespace lab of an e2e test: lab/topology.mjs's switched lab
 * (see there for the layout), made by the test that uses it and removed when
 * that test ends (`t.teardown`), with lab/processes.mjs's exit clean-up for
 * crashes. Stale labs of a crashed run are swept by the next one and by
 * `.ci/run` (lab/sweep-stale.mjs).
 */
import type { Test } from 'tap';
import { buildLab, type LabOpts, type NetLab } from '../../../lab/topology.mjs';
import { tempDir } from './environment.js';

export type { HostSpec, LabOpts } from '../../../lab/topology.mjs';

/** A running lab; see {@link createLab}. */
export interface Lab extends NetLab {
  /** teardown registers `fn` with the test that made the lab (`t.teardown`). */
  teardown(fn: () => unknown): void;
  /** tempDir makes a directory removed when the test that made the lab ends. */
  tempDir(prefix?: string): string;
}

/**
 * createLab builds the namespaces, bridges and veths described by `opts` and
 * registers their removal with `t.teardown`. Interfaces come up with their
 * addresses, `lo` is up, IPv6 is off (unless `disableIpv6: false`).
 *
 * @throws RangeError for a bad host name or duplicate host.
 */
export async function createLab(t: Test, opts: LabOpts): Promise<Lab> {
  const net = await buildLab(opts);
  t.teardown(net.destroy);
  return { ...net, teardown: (fn) => t.teardown(fn), tempDir: (prefix) => tempDir(t, prefix) };
}

/**
 * The LVS director's kernel setup (HOWTO "the ARP problem"): arp_ignore=1 and
 * arp_announce=2 on each of `keys` (`all`, `default`, interface names), so the
 * kernel never speaks ARP on the wire for a VIP it holds on lo.
 */
export async function silenceKernelArp(lab: Lab, host: string, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    await lab.sysctl(host, `net.ipv4.conf.${key}.arp_ignore`, 1);
    await lab.sysctl(host, `net.ipv4.conf.${key}.arp_announce`, 2);
  }
}
