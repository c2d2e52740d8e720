/**
 * The IPv6 `doctor` checks (issue 13): pure functions over DoctorFacts, for
 * the groups with IPv6 VIPs (GroupFacts.ipv6Vips) and their wire interfaces.
 *
 * Unlike ARP, the kernel needs no arp_ignore-like setting for IPv6: it answers
 * an NS only for an address or anycast address of the interface the NS came
 * in on, or for a proxy entry of that interface while proxy_ndp and
 * forwarding are on (net/ipv6/ndisc.c ndisc_recv_ns, strict address lookup).
 * So a VIP that is a /128 on lo and nowhere on the wire, and no active proxy
 * entry for it, leaves the answering to vip-arpd alone.
 */
import { sysctlFixLines, sysctlKey } from './advice.js';
import { isVipHome, pass, vipCheck, type CheckStatus, type DoctorCheck, type VipHit } from './doctor-check.js';
import type { DoctorFacts, GroupFacts } from './doctor-facts.js';
import { IFA_F_DADFAILED, IFA_F_NODAD, IFA_F_TENTATIVE, ipv6VipTexts, type Ipv6Facts, type Ipv6SysctlFacts } from './doctor6-facts.js';

type Hit = VipHit<string>;
const text = (vip: string): string => vip;

/** Groups that have IPv6 VIPs, with their VIPs as text. */
function ipv6Groups(facts: DoctorFacts): Array<{ g: GroupFacts; vips: string[] }> {
  return facts.groups.filter((g) => (g.ipv6Vips?.length ?? 0) > 0).map((g) => ({ g, vips: ipv6VipTexts(g.ipv6Vips!) }));
}

function sysctl(v6: Ipv6Facts, iface: string, key: keyof Ipv6SysctlFacts): number | undefined {
  return v6.sysctl.get(iface)?.[key];
}

/** proxy_ndp counts when set on `all` or on the interface (ndisc_recv_ns ORs them). */
function proxyNdpOn(v6: Ipv6Facts, iface: string): boolean {
  return (sysctl(v6, 'all', 'proxyNdp') ?? 0) > 0 || (sysctl(v6, iface, 'proxyNdp') ?? 0) > 0;
}

/** True when the kernel answers NS for proxy entries of `iface`. */
function proxyActive(v6: Ipv6Facts, iface: string): boolean {
  return proxyNdpOn(v6, iface) && (sysctl(v6, iface, 'forwarding') ?? 0) > 0;
}

/** The interfaces whose groups have IPv6 VIPs, each with those VIPs. */
function wireInterfaces(facts: DoctorFacts): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const { g, vips } of ipv6Groups(facts)) {
    const set = out.get(g.iface) ?? new Set<string>();
    for (const v of vips) set.add(v);
    out.set(g.iface, set);
  }
  return out;
}

/** disable_ipv6, proxy_ndp and forwarding on each wire interface with IPv6 VIPs. */
export function checkIpv6Interfaces(facts: DoctorFacts): DoctorCheck[] {
  const v6 = facts.ipv6;
  const wires = wireInterfaces(facts);
  if (v6 === undefined || wires.size === 0) return [];
  const out: DoctorCheck[] = [];
  for (const [iface, vips] of wires) {
    out.push(checkDisableIpv6(v6, iface));
    out.push(...checkProxyNdp(v6, iface, vips));
    out.push(checkForwarding(v6, iface));
  }
  return out;
}

function checkDisableIpv6(v6: Ipv6Facts, iface: string): DoctorCheck {
  const disabled = sysctl(v6, iface, 'disableIpv6');
  const subject = iface;
  if (disabled === undefined) {
    return {
      check: 'disable_ipv6',
      subject,
      status: 'fail',
      message: `cannot read ${sysctlKey(iface, 'disable_ipv6', 'ipv6')}: the kernel has no IPv6 on ${iface} (booted with ipv6.disable=1, or ${iface} is missing), so its IPv6 VIPs cannot be served`,
      fix: [`grep -o 'ipv6.disable=1' /proc/cmdline  # remove it from the kernel command line and reboot`],
    };
  }
  if (disabled === 0) return pass('disable_ipv6', subject, `IPv6 is enabled on ${iface}`);
  return {
    check: 'disable_ipv6',
    subject,
    status: 'fail',
    message: `IPv6 is disabled on ${iface} (disable_ipv6=${disabled}) while groups on it have IPv6 VIPs: the kernel drops every IPv6 packet arriving there, so no VIP traffic reaches IPVS, and ${iface} has no link-local address to probe from`,
    fix: sysctlFixLines(iface, 'disable_ipv6', 0, 'ipv6'),
  };
}

/**
 * A proxy entry for a VIP makes the kernel answer NS for it with the wire
 * interface's MAC whenever proxy_ndp and forwarding are on, MASTER or not.
 */
function checkProxyNdp(v6: Ipv6Facts, iface: string, vips: ReadonlySet<string>): DoctorCheck[] {
  const on = proxyNdpOn(v6, iface);
  const state = `proxy_ndp is ${on ? 'on' : 'off'} (all=${sysctl(v6, 'all', 'proxyNdp') ?? '?'}, ${iface}=${sysctl(v6, iface, 'proxyNdp') ?? '?'}), forwarding=${sysctl(v6, iface, 'forwarding') ?? '?'}`;
  if (v6.proxies === undefined) {
    if (!on)
      return [
        pass('proxy_ndp', iface, `${state}: the kernel answers no NS as a proxy on ${iface} (proxy entries not read: ${v6.proxyError ?? 'unknown error'})`),
      ];
    return [
      {
        check: 'proxy_ndp',
        subject: iface,
        status: 'warn',
        message: `${state}, and the proxy entries cannot be read: ${v6.proxyError ?? 'unknown error'}`,
        fix: [`ip -6 neigh show proxy dev ${iface}`],
      },
    ];
  }
  const hits: Hit[] = [...(v6.proxies.get(iface) ?? [])].filter((a) => vips.has(a)).map((vip) => ({ vip, iface, prefixlen: 128 }));
  const fixOf = (vip: string): string => `ip -6 neigh del proxy ${vip} dev ${iface}`;
  if (hits.length === 0) return [pass('proxy_ndp', iface, `${state}; no proxy entry on ${iface} names an IPv6 VIP`)];
  if (proxyActive(v6, iface)) {
    return [
      vipCheck(
        'proxy_ndp',
        iface,
        'fail',
        hits,
        (list) =>
          `${state}, and ${hits.length} IPv6 VIP(s) have a proxy entry on ${iface}: the kernel answers NS for them with ${iface}'s MAC even while BACKUP: ${list}`,
        fixOf,
        text,
      ),
    ];
  }
  return [
    vipCheck(
      'proxy_ndp',
      iface,
      'warn',
      hits,
      (list) =>
        `${state}, but ${hits.length} IPv6 VIP(s) have a proxy entry on ${iface}, which the kernel answers as soon as proxy_ndp and forwarding are both on: ${list}`,
      fixOf,
      text,
    ),
  ];
}

/** Informational: what `forwarding` means for the R flag of vip-arpd's NAs. */
function checkForwarding(v6: Ipv6Facts, iface: string): DoctorCheck {
  const forwarding = sysctl(v6, iface, 'forwarding');
  const key = sysctlKey(iface, 'forwarding', 'ipv6');
  if (forwarding === undefined)
    return {
      check: 'forwarding6',
      subject: iface,
      status: 'warn',
      message: `cannot read ${key}: the R flag of vip-arpd's NAs on ${iface} is unknown`,
      fix: [`sysctl ${key}`],
    };
  const meaning =
    forwarding > 0
      ? `this director routes IPv6 on ${iface}, so vip-arpd's NAs for its VIPs carry R=1 (IsRouter), right when hosts use a VIP as their router`
      : `vip-arpd's NAs for its VIPs carry R=0 (not a router); a host that learnt a VIP as a router drops it from its default router list on such an NA (RFC 4861 §7.2.5)`;
  return pass('forwarding6', iface, `${key} is ${forwarding}: ${meaning}, unless the group's config sets the R flag`);
}

/** Where each IPv6 VIP sits: a /128 on lo or a dummy with nodad, not on the wire; and whether the kernel answers NS for it. */
export function checkIpv6Vips(facts: DoctorFacts): DoctorCheck[] {
  const v6 = facts.ipv6;
  const groups = ipv6Groups(facts);
  if (v6 === undefined || groups.length === 0 || facts.interfaces === undefined) return [];
  if (v6.addresses === undefined) {
    return [
      {
        check: 'vip6-local',
        subject: 'daemon',
        status: 'fail',
        message: `cannot list IPv6 addresses: ${v6.addressError ?? 'unknown error'}`,
        fix: ['cat /proc/net/if_inet6  # missing when the kernel booted with ipv6.disable=1'],
      },
    ];
  }
  const out: DoctorCheck[] = [];
  for (const { g, vips } of groups) out.push(...checkGroupIpv6Vips(facts, v6, g, vips));
  return out;
}

function checkGroupIpv6Vips(facts: DoctorFacts, v6: Ipv6Facts, g: GroupFacts, vips: string[]): DoctorCheck[] {
  const isHome = (iface: string): boolean => isVipHome(facts.interfaces!.get(iface), iface);
  const missing: Hit[] = [];
  const unusable: Hit[] = [];
  const wide: Hit[] = [];
  const noNodad: Hit[] = [];
  const onWire: Hit[] = [];
  const onOther: Hit[] = [];
  const anycast: Hit[] = [];
  const proxied: Hit[] = [];
  const wireProxies = proxyActive(v6, g.iface) ? v6.proxies?.get(g.iface) : undefined;
  for (const vip of vips) {
    const where = v6.addresses!.get(vip) ?? [];
    const home = where.find((a) => isHome(a.iface));
    if (home === undefined) missing.push({ vip, iface: 'lo', prefixlen: 128 });
    else if ((home.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) !== 0) unusable.push({ vip, ...home });
    else if (home.prefixlen !== 128) wide.push({ vip, ...home });
    else if ((home.flags & IFA_F_NODAD) === 0) noNodad.push({ vip, ...home });
    for (const a of where) {
      if (a.iface === g.iface) onWire.push({ vip, ...a });
      else if (!isHome(a.iface)) onOther.push({ vip, ...a });
    }
    if (v6.anycast?.get(g.iface)?.has(vip) === true) anycast.push({ vip, iface: g.iface, prefixlen: 128 });
    if (wireProxies?.has(vip) === true) proxied.push({ vip, iface: g.iface, prefixlen: 128 });
  }
  const subject = g.name;
  const out: DoctorCheck[] = [];
  const homeFix = (vip: string, h: Hit): string => `ip -6 addr del ${vip}/${h.prefixlen} dev ${h.iface} && ip -6 addr add ${vip}/128 dev ${h.iface} nodad`;
  if (missing.length + unusable.length + wide.length + noNodad.length === 0) {
    out.push(pass('vip6-local', subject, `all ${vips.length} IPv6 VIPs of group ${g.name} are /128 on lo or a dummy device, with nodad`));
  }
  if (missing.length > 0) {
    // As for IPv4: harmless on a BACKUP until takeover; on the MASTER, IPVS drops the VIP's traffic now.
    const status: CheckStatus = g.role === 'MASTER' ? 'fail' : 'warn';
    out.push(
      vipCheck(
        'vip6-local',
        subject,
        status,
        missing,
        (list) =>
          `${missing.length} IPv6 VIP(s) of group ${g.name} (${g.role}) are not on lo or a dummy device, so IPVS does not take their traffic as local: ${list}`,
        (vip) => `ip -6 addr add ${vip}/128 dev lo nodad`,
        text,
      ),
    );
  }
  if (unusable.length > 0) {
    out.push(
      vipCheck(
        'vip6-local',
        subject,
        'fail',
        unusable,
        (list) => `${unusable.length} IPv6 VIP(s) of group ${g.name} are tentative or failed DAD, and the kernel takes no packet to such an address: ${list}`,
        homeFix,
        text,
      ),
    );
  }
  if (wide.length > 0) {
    out.push(
      vipCheck(
        'vip6-local',
        subject,
        'warn',
        wide,
        (list) => `${wide.length} IPv6 VIP(s) of group ${g.name} are on lo/dummy with a prefix shorter than /128, which makes the whole prefix local: ${list}`,
        homeFix,
        text,
      ),
    );
  }
  if (noNodad.length > 0) {
    out.push(
      vipCheck(
        'vip6-local',
        subject,
        'warn',
        noNodad,
        (list) =>
          `${noNodad.length} IPv6 VIP(s) of group ${g.name} lack nodad: the kernel skips DAD on lo and NOARP devices, but where it runs, the VIP stays unusable (tentative) until DAD ends and fails for good once the MASTER answers the probe: ${list}`,
        (vip, h) => `ip -6 addr change ${vip}/128 dev ${h.iface} nodad`,
        text,
      ),
    );
  }
  if (onWire.length > 0) {
    out.push(
      vipCheck(
        'vip6-off-wire',
        subject,
        'fail',
        onWire,
        (list) =>
          `${onWire.length} IPv6 VIP(s) of group ${g.name} are on the wire interface ${g.iface}, where the kernel answers NS for them even while BACKUP: ${list}`,
        (vip, h) => `ip -6 addr del ${vip}/${h.prefixlen} dev ${h.iface} && ip -6 addr replace ${vip}/128 dev lo nodad`,
        text,
      ),
    );
  } else {
    out.push(pass('vip6-off-wire', subject, `no IPv6 VIP of group ${g.name} is on ${g.iface}`));
  }
  if (onOther.length > 0) {
    out.push(
      vipCheck(
        'vip6-off-wire',
        subject,
        'warn',
        onOther,
        (list) => `${onOther.length} IPv6 VIP(s) of group ${g.name} are also on another interface, whose kernel answers NS for them on its own link: ${list}`,
        (vip, h) => `ip -6 addr del ${vip}/${h.prefixlen} dev ${h.iface}`,
        text,
      ),
    );
  }
  out.push(...kernelSilence(v6, g, vips.length, { onWire, anycast, proxied }));
  return out;
}

/**
 * The verdict the checks above add up to: the kernel answers an NS for a VIP
 * on the wire only when one of three facts says so. Each cause also has its
 * own check (vip6-off-wire, proxy_ndp), except anycast, which only this one names.
 */
function kernelSilence(v6: Ipv6Facts, g: GroupFacts, count: number, causes: { onWire: Hit[]; anycast: Hit[]; proxied: Hit[] }): DoctorCheck[] {
  const subject = g.name;
  const facts = `addresses of ${g.iface} (/proc/net/if_inet6), its anycast addresses (/proc/net/anycast6) and its proxy entries while proxy_ndp and forwarding are on (ip -6 neigh show proxy)`;
  const out: DoctorCheck[] = [];
  if (causes.onWire.length > 0) {
    out.push(
      vipCheck(
        'kernel-ndp-silent',
        subject,
        'fail',
        causes.onWire,
        (list) =>
          `the kernel answers NS on ${g.iface} for ${causes.onWire.length} IPv6 VIP(s) of group ${g.name}, because they are addresses of ${g.iface}: ${list}`,
        (vip, h) => `ip -6 addr del ${vip}/${h.prefixlen} dev ${g.iface}  # see vip6-off-wire`,
        text,
      ),
    );
  }
  if (causes.proxied.length > 0) {
    out.push(
      vipCheck(
        'kernel-ndp-silent',
        subject,
        'fail',
        causes.proxied,
        (list) =>
          `the kernel answers NS on ${g.iface} for ${causes.proxied.length} IPv6 VIP(s) of group ${g.name}, as their proxy (proxy_ndp and forwarding on): ${list}`,
        (vip) => `ip -6 neigh del proxy ${vip} dev ${g.iface}  # see proxy_ndp`,
        text,
      ),
    );
  }
  if (causes.anycast.length > 0) {
    out.push(
      vipCheck(
        'kernel-ndp-silent',
        subject,
        'fail',
        causes.anycast,
        (list) =>
          `the kernel answers NS on ${g.iface} for ${causes.anycast.length} IPv6 VIP(s) of group ${g.name}, because they are anycast addresses of ${g.iface} (a subnet-router anycast address with forwarding on, or a program's IPV6_JOIN_ANYCAST): ${list}`,
        (vip) =>
          `cat /proc/net/anycast6  # ${vip} on ${g.iface}: choose another VIP, or remove the prefix it is the subnet-router anycast address of from ${g.iface}`,
        text,
      ),
    );
  }
  if (out.length > 0) return out;
  const unread = [v6.anycast === undefined ? '/proc/net/anycast6' : '', v6.proxies === undefined && proxyNdpOn(v6, g.iface) ? 'the proxy entries' : ''].filter(
    (x) => x !== '',
  );
  if (unread.length > 0) {
    return [
      {
        check: 'kernel-ndp-silent',
        subject,
        status: 'warn',
        message: `cannot prove the kernel silent for the IPv6 VIPs of group ${g.name} on ${g.iface}: ${unread.join(' and ')} could not be read`,
        fix: ['cat /proc/net/anycast6; ip -6 neigh show proxy'],
      },
    ];
  }
  return [
    pass(
      'kernel-ndp-silent',
      subject,
      `the kernel answers an NS only for the ${facts}; none of them is one of the ${count} IPv6 VIPs of group ${g.name}, so only vip-arpd answers for them on ${g.iface}`,
    ),
  ];
}
