/**
 * Whether an interface forwards IPv6 (net.ipv6.conf.<iface>.forwarding), the
 * default of the NA's R flag (RFC 4861 §7.2.4: a router sets it; a host that
 * sends R=1 makes its neighbours treat it as a router, a router that sends
 * R=0 makes them drop it from their default router list). An LVS-DR director
 * usually forwards.
 */
import { fs } from '../util/node-builtins.js';

const { readFileSync } = fs;

/**
 * Returns true when `iface` forwards IPv6, false when it does not or when
 * the value cannot be read (no IPv6 on the interface: nothing to route).
 */
export function ipv6Forwarding(iface: string, procRoot = '/proc/sys/net/ipv6/conf'): boolean {
  try {
    return readFileSync(`${procRoot}/${iface}/forwarding`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}
