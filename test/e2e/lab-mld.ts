// Multicast reception for the NDP e2e tests: a director and a client with
// IPv6 on one bridge, the bridge made an MLD-snooping switch with a querier,
// its port for a host and its mdb, and the director's all-multicast count.
import type { Test } from 'tap';
import { createLab, run, sleep, waitFor, type Lab } from './lab.js';

export const DIR_IP6 = '2001:db8::1';
export const CLIENT_IP6 = '2001:db8::2';

/** Hosts `dir` and `client` with IPv6 on (DIR_IP6, CLIENT_IP6 on eth0) and `vips` as /128 nodad on dir's lo. */
export async function createIpv6Pair(t: Test, vips: readonly string[]): Promise<Lab> {
  const lab = await createLab(t, {
    hosts: [
      { name: 'dir', ip: '192.0.2.1/24' },
      { name: 'client', ip: '192.0.2.2/24' },
    ],
    disableIpv6: false,
  });
  for (const v of vips) await lab.exec('dir', 'ip', ['-6', 'addr', 'add', `${v}/128`, 'dev', 'lo', 'nodad'], { check: true });
  await lab.exec('dir', 'ip', ['-6', 'addr', 'add', `${DIR_IP6}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  await lab.exec('client', 'ip', ['-6', 'addr', 'add', `${CLIENT_IP6}/64`, 'dev', 'eth0', 'nodad'], { check: true });
  return lab;
}

/**
 * Makes the lab's bridge an MLD-snooping switch that is its own querier and
 * resolves once the querier counts as present: from then on the bridge sends
 * a multicast group's frames only to ports that reported it and to
 * multicast-router ports. It counts only once its link-local address is
 * usable (a query from a tentative one fails and turns the querier off until
 * the next) and a query response interval after it was enabled
 * (br_multicast_set_querier; 1 s here instead of 10).
 */
export async function makeSnoopingQuerier(lab: Lab): Promise<void> {
  await waitFor(
    async () => {
      const r = await run('ip', ['-n', lab.switchNs, '-6', '-j', 'addr', 'show', 'dev', 'br0', 'scope', 'link'], { check: true });
      const info = (JSON.parse(r.stdout) as Array<{ addr_info: Array<{ tentative?: boolean }> }>)[0]?.addr_info ?? [];
      return info.some((a) => a.tentative !== true);
    },
    { timeoutMs: 10_000, what: "the bridge's link-local address" },
  );
  await run('ip', ['-n', lab.switchNs, 'link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '1', 'mcast_query_response_interval', '100'], { check: true });
  await run('ip', ['-n', lab.switchNs, 'link', 'set', 'br0', 'type', 'bridge', 'mcast_querier', '1'], { check: true });
  await sleep(1500);
}

/** The bridge port `host` is plugged into. */
export async function switchPort(lab: Lab, host: string): Promise<string> {
  const ports = JSON.parse((await run('ip', ['-n', lab.switchNs, '-j', 'link', 'show', 'master', 'br0'], { check: true })).stdout) as Array<{ ifname: string }>;
  const port = ports.find((p) => p.ifname.endsWith(host))?.ifname;
  if (port === undefined) throw new Error(`no bridge port for ${host} among ${ports.map((p) => p.ifname).join(', ')}`);
  return port;
}

/** `bridge mdb show dev br0`: the groups the bridge learnt, with their ports. */
export async function bridgeMdb(lab: Lab): Promise<string> {
  return (await run('bridge', ['-n', lab.switchNs, 'mdb', 'show', 'dev', 'br0'], { check: true })).stdout;
}

/**
 * All-multicast users of `iface` on `host` (IFLA_ALLMULTI, `ip -d link`:
 * "allmulti N"); the ALLMULTI flag of `ip link` shows only `ip link set allmulticast on`.
 */
export async function allmultiCount(lab: Lab, host: string, iface: string): Promise<number> {
  const r = await lab.exec(host, 'ip', ['-j', '-d', 'link', 'show', 'dev', iface], { check: true });
  return (JSON.parse(r.stdout) as Array<{ allmulti: number }>)[0]!.allmulti;
}
