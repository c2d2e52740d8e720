/**
 * The fixes diagnostics print, in one place so `doctor`, `probe` and the
 * conflict log give the same advice (LVS HOWTO §6.6-6.7, §6.14).
 */
import type { ConflictKind } from './conflict-kind.js';

/**
 * `sysctl -w` argument for `net.<family>.conf.<iface>.<key>`. sysctl treats "."
 * as the separator, so a VLAN name like eth0.100 needs the "/" form.
 */
export function sysctlKey(iface: string, key: string, family: 'ipv4' | 'ipv6' = 'ipv4'): string {
  return iface.includes('.') ? `net/${family}/conf/${iface}/${key}` : `net.${family}.conf.${iface}.${key}`;
}

/** The fix lines that set a sysctl now and at every boot. */
export function sysctlFixLines(iface: string, key: string, value: number, family: 'ipv4' | 'ipv6' = 'ipv4'): string[] {
  const name = sysctlKey(iface, key, family);
  return [`sysctl -w ${name}=${value}`, `echo '${name.replace(/\//g, '.')} = ${value}' >> /etc/sysctl.d/90-vip-arpd.conf`];
}

/** What to do on a host that claims our VIP, by how it claimed it. */
export function foreignHostFix(vip: string, kind: ConflictKind | 'probe-reply'): string {
  const sysctls = 'sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2';
  const lo = `keep ${vip} only as ${vip}/32 on lo (ip addr del ${vip}/<len> dev eth0; ip addr add ${vip}/32 dev lo)`;
  switch (kind) {
    case 'request-as-sender':
      // HOWTO §6.14 problem 3: the host picks the VIP as source of its own ARP requests.
      return `on that host: ${sysctls} (arp_announce=2 stops it asking "who-has … tell ${vip}")`;
    case 'gratuitous':
      return `if it is a peer director, list its MAC in diagnostics.peers and check that only one is MASTER; otherwise on that host: ${sysctls}; ${lo}`;
    case 'reply':
    case 'probe-reply':
      return `on that host: ${sysctls}; ${lo}`;
    case 'advertisement':
      return `if it is a peer director, list its MAC in diagnostics.peers and check that only one is MASTER; otherwise ${foreignHostFix6(vip)}`;
    case 'solicited-advertisement':
    case 'dad-probe':
      return foreignHostFix6(vip);
    case 'solicitation-source':
      // RFC 6724: a deprecated address is never chosen as a source, and it still receives (the DR traffic).
      return `on that host: ip -6 addr change ${vip}/128 dev lo preferred_lft 0 (a deprecated VIP is never picked as the source of its NS)`;
  }
}

/**
 * What to do on a host that answers NS for our IPv6 VIP: its kernel answers
 * only for an address of the receiving interface or a proxy entry there, so
 * the VIP moves to lo (ndisc_recv_ns needs no arp_ignore-like setting).
 */
export function foreignHostFix6(vip: string): string {
  return `on that host: keep ${vip} only as ${vip}/128 on lo (ip -6 addr del ${vip}/<len> dev eth0; ip -6 addr add ${vip}/128 dev lo nodad) and remove any proxy entry for it (ip -6 neigh del proxy ${vip} dev eth0)`;
}
