/**
 * Gathers the IPv6 facts of doctor6-facts.ts from this host (the network
 * namespace the process runs in). Never throws: what cannot be read is left
 * undefined with the reason, and the checks say so.
 */
import { fs } from '../util/node-builtins.js';
import { errorMessage } from '../util/errors.js';
import { addressesByText, parseAnycast6, parseIfInet6, parseProxyNeighbours, type Ipv6Facts, type Ipv6SysctlFacts } from './doctor6-facts.js';
import { readNumberFile as readNumber, runIproute } from './host-read.js';

async function readSysctls(iface: string): Promise<Ipv6SysctlFacts> {
  const dir = `/proc/sys/net/ipv6/conf/${iface}`;
  return {
    disableIpv6: await readNumber(`${dir}/disable_ipv6`),
    forwarding: await readNumber(`${dir}/forwarding`),
    proxyNdp: await readNumber(`${dir}/proxy_ndp`),
  };
}

/** The IPv6 facts for wire interfaces `ifaces` (sysctls of each, plus 'all'; addresses of every interface). */
export async function gatherIpv6Facts(ifaces: readonly string[]): Promise<Ipv6Facts> {
  const sysctl = new Map<string, Ipv6SysctlFacts>();
  for (const name of ['all', ...new Set(ifaces)]) sysctl.set(name, await readSysctls(name));
  const facts: Ipv6Facts = { addresses: undefined, anycast: undefined, sysctl, proxies: undefined };
  try {
    facts.addresses = addressesByText(parseIfInet6(await fs.promises.readFile('/proc/net/if_inet6', 'utf8')));
  } catch (err) {
    facts.addressError = `cannot read /proc/net/if_inet6: ${errorMessage(err)}`;
  }
  try {
    facts.anycast = parseAnycast6(await fs.promises.readFile('/proc/net/anycast6', 'utf8'));
  } catch {
    // The check says the anycast list could not be read.
  }
  try {
    facts.proxies = parseProxyNeighbours(await runIproute('ip', ['-6', '-j', 'neigh', 'show', 'proxy']));
  } catch (err) {
    const stderr = (err as { stderr?: unknown }).stderr;
    facts.proxyError = `ip -6 -j neigh show proxy failed: ${typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : errorMessage(err)}`;
  }
  return facts;
}
