// Dual-stack LVS directors for the IPv6 announce e2e tests (ndp-failover,
// ndp-conflict, keepalived-ipv6): the lab, each director's VIPs on lo
// (the IPv6 one /128 nodad, the kernel silent for both on the wire), the
// client's on-link route to the VIPs, and the client's view through ndisc6.
import { createLab, run, silenceKernelArp, type Lab } from './lab.js';
import type { Test } from 'tap';

export const VIP4 = '198.51.100.10';
export const VIP6 = '2001:db8:100::10';
export const CLIENT6 = '2001:db8::1';
export const DIRECTOR6: Record<'a' | 'b', string> = { a: '2001:db8::11', b: '2001:db8::12' };

/** Client `c` and directors `a`, `b` on one bridge, IPv4 and IPv6, the VIPs on the directors' lo. */
export async function createDualStackLab(t: Test): Promise<Lab> {
  const lab = await createLab(t, {
    hosts: [
      { name: 'c', ip: '192.0.2.1/24' },
      { name: 'a', ip: '192.0.2.11/24' },
      { name: 'b', ip: '192.0.2.12/24' },
    ],
    disableIpv6: false,
  });
  await lab.exec('c', 'ip', ['-6', 'addr', 'add', `${CLIENT6}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  for (const host of ['a', 'b'] as const) {
    await lab.exec(host, 'ip', ['-6', 'addr', 'add', `${DIRECTOR6[host]}/64`, 'dev', 'eth0', 'nodad'], { check: true });
    await lab.addAddress(host, 'lo', `${VIP4}/32`);
    await lab.exec(host, 'ip', ['-6', 'addr', 'add', `${VIP6}/128`, 'dev', 'lo', 'nodad'], { check: true });
    await silenceKernelArp(lab, host, ['all', 'eth0']);
  }
  // The client reaches the VIPs on-link, as a router in front of the directors does.
  await lab.exec('c', 'ip', ['route', 'add', '198.51.100.0/24', 'dev', 'eth0'], { check: true });
  await lab.exec('c', 'ip', ['-6', 'route', 'add', '2001:db8:100::/64', 'dev', 'eth0'], { check: true });
  return lab;
}

/** The MACs that answer ndisc6's NS for `addr` from `host` (every reply, 3 tries), lower case. */
export async function ndiscAnswerers(lab: Lab, host: string, addr: string): Promise<string[]> {
  const r = await run('ip', ['netns', 'exec', lab.ns(host), 'ndisc6', '-m', '-n', '-r', '3', '-w', '300', addr, 'eth0']);
  return [...new Set([...r.stdout.matchAll(/Target link-layer address: ([0-9A-Fa-f:]+)/g)].map((m) => m[1]!.toLowerCase()))];
}
