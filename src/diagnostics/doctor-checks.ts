/**
 * The `doctor` checks: pure functions over {@link DoctorFacts}, each returning
 * pass/warn/fail with the exact command that fixes it. They check this
 * director the way the LVS HOWTO teaches (§6.6-6.7): the kernel must never
 * speak ARP for a VIP (vip-arpd does), yet IPVS must see the VIP as local.
 */
import { formatIpv4 } from '../wire/ipv4.js';
import { sysctlFixLines, sysctlKey } from './advice.js';
import { checkFastPath } from './fast-path-check.js';
import { checkIpv6Interfaces, checkIpv6Vips } from './doctor6-checks.js';
import { checkSolicitedNode } from './solicited-node-check.js';
import { CAP_NET_RAW, type DoctorFacts, type GroupFacts } from './doctor-facts.js';
import { isVipHome, pass, vipCheck, type CheckStatus, type DoctorCheck, type DoctorReport, type VipHit } from './doctor-check.js';

export { MAX_FIX_LINES, MAX_LISTED_VIPS, type CheckStatus, type DoctorCheck, type DoctorReport } from './doctor-check.js';

function groupInterfaces(facts: DoctorFacts): string[] {
  return [...new Set(facts.groups.map((g) => g.iface))];
}

/** `max(all, iface)` is what the kernel applies for arp_ignore and arp_announce (ip-sysctl.rst). */
function effective(facts: DoctorFacts, iface: string, key: 'arpIgnore' | 'arpAnnounce'): number | undefined {
  const all = facts.sysctl.get('all')?.[key];
  const own = facts.sysctl.get(iface)?.[key];
  if (all === undefined && own === undefined) return undefined;
  return Math.max(all ?? 0, own ?? 0);
}

/**
 * arp_ignore ≥ 1: the kernel answers only for addresses on the receiving
 * interface, so the VIP on lo is not answered on the wire while BACKUP.
 * arp_announce ≥ 2: the kernel never uses a VIP as the sender of its own
 * ARP requests (HOWTO §6.14 problem 3, on the director too).
 */
export function checkSysctls(facts: DoctorFacts): DoctorCheck[] {
  const out: DoctorCheck[] = [];
  const rules = [
    { check: 'arp_ignore', key: 'arpIgnore', min: 1, why: 'the kernel would answer ARP for the VIP on lo even while this director is BACKUP' },
    {
      check: 'arp_announce',
      key: 'arpAnnounce',
      min: 2,
      why: "the kernel may use a VIP as the sender of its own ARP requests and move the VIP to this host behind the MASTER's back",
    },
  ] as const;
  for (const iface of groupInterfaces(facts)) {
    for (const r of rules) {
      const value = effective(facts, iface, r.key);
      const subject = iface;
      if (value === undefined) {
        out.push({
          check: r.check,
          subject,
          status: 'warn',
          message: `cannot read ${r.check} for ${iface}`,
          fix: [`sysctl ${sysctlKey('all', r.check)} ${sysctlKey(iface, r.check)}`],
        });
      } else if (value >= r.min) {
        out.push(pass(r.check, subject, `${r.check} is ${value} on ${iface} (max of all and ${iface})`));
      } else {
        out.push({
          check: r.check,
          subject,
          status: 'fail',
          message: `${r.check} is ${value} on ${iface} (max of all and ${iface}), needs ≥ ${r.min}: ${r.why}`,
          fix: sysctlFixLines(iface, r.check, r.min),
        });
      }
    }
  }
  return out;
}

/** Up, carrier, not a bridge/bond port, ARP-capable Ethernet. */
export function checkInterfaces(facts: DoctorFacts): DoctorCheck[] {
  if (facts.interfaces === undefined) {
    const fix =
      facts.ipMissing === true
        ? ['apt-get install iproute2']
        : ["ip -j -d addr show  # as the daemon's user; under systemd the unit must allow it (SystemCallFilter=capset)"];
    return [{ check: 'interface', subject: 'daemon', status: 'fail', message: `cannot list interfaces: ${facts.addressError ?? 'unknown error'}`, fix }];
  }
  const out: DoctorCheck[] = [];
  for (const name of groupInterfaces(facts)) {
    const i = facts.interfaces.get(name);
    const fail = (message: string, fix: string[]): DoctorCheck => ({ check: 'interface', subject: name, status: 'fail', message, fix });
    if (i === undefined) {
      const groups = facts.groups.filter((g) => g.iface === name).map((g) => g.name);
      out.push(
        fail(`interface ${name} does not exist: vip-arpd waits for it, and the VIPs of group ${groups.join(', ')} are not answered until it appears`, [
          `ip link show  # create ${name} (the NIC, VLAN or bond it names), or fix groups[].interface "${name}"`,
        ]),
      );
    } else if (i.master !== undefined) {
      out.push(
        fail(`${name} is a port of ${i.master}: the host's addresses and ARP live on ${i.master}, replies sent on the port bypass it`, [
          `set groups[].interface to "${i.master}" instead of "${name}"`,
        ]),
      );
    } else if (i.noarp || i.linkType !== 'ether') {
      out.push(
        fail(
          `${name} does not do Ethernet ARP (${i.noarp ? 'NOARP flag' : `link type ${i.linkType}`})`,
          i.noarp && i.linkType === 'ether' ? [`ip link set ${name} arp on`] : [`use an Ethernet interface for groups[].interface`],
        ),
      );
    } else if (!i.up) out.push(fail(`${name} is down`, [`ip link set ${name} up`]));
    else if (!i.lowerUp)
      out.push({
        check: 'interface',
        subject: name,
        status: 'warn',
        message: `${name} is up but has no carrier`,
        fix: [`check the cable/switch port of ${name} (ip link show ${name})`],
      });
    else out.push(pass('interface', name, `${name} is up, Ethernet, ARP on, not enslaved`));
  }
  return out;
}

/** Kinds whose own MAC the lower device accepts for them (they add it to its unicast filter). */
const MAC_HOLDER_KINDS = new Set(['macvlan', 'macvtap']);

/**
 * A group's `mac` is what clients learn for its VIPs, so some device on the
 * group's interface must accept frames sent to it: the interface itself (its
 * own MAC), a macvlan/macvtap on it holding the MAC (keepalived's use_vmac
 * creates such a macvlan), or an entry in its unicast filter list. Otherwise
 * the NIC drops every frame to the VIP.
 */
export function checkGroupMacs(facts: DoctorFacts): DoctorCheck[] {
  if (facts.interfaces === undefined) return [];
  const out: DoctorCheck[] = [];
  for (const g of facts.groups) {
    const lower = facts.interfaces.get(g.iface);
    if (g.mac === undefined || lower === undefined) continue;
    const subject = g.name;
    if (lower.mac === g.mac) {
      out.push(pass('group-mac', subject, `group ${g.name} answers with ${g.mac}, ${g.iface}'s own MAC`));
      continue;
    }
    const holders = [...facts.interfaces.values()].filter((i) => i.lowerDevice === g.iface && i.mac === g.mac && MAC_HOLDER_KINDS.has(i.kind ?? ''));
    const upHolder = holders.find((h) => h.up);
    if (upHolder !== undefined) {
      out.push(pass('group-mac', subject, `group ${g.name} answers with ${g.mac}, held by ${upHolder.kind} ${upHolder.name} on ${g.iface}`));
      continue;
    }
    if (facts.unicastFilters?.get(g.iface)?.includes(g.mac) === true) {
      out.push(pass('group-mac', subject, `group ${g.name} answers with ${g.mac}, which is in ${g.iface}'s unicast filter list`));
      continue;
    }
    const down = holders[0];
    if (down !== undefined) {
      out.push({
        check: 'group-mac',
        subject,
        status: 'fail',
        message: `group ${g.name} answers with ${g.mac}, held by ${down.kind} ${down.name} on ${g.iface}, which is down: every frame clients send to the group's VIPs is dropped`,
        fix: [`ip link set ${down.name} up`],
      });
      continue;
    }
    const vmac = `vmac-${g.mac.slice(-5).replace(':', '')}`;
    const unread = facts.unicastFilters?.has(g.iface) === true ? '' : ` (${g.iface}'s unicast filter list could not be read)`;
    out.push({
      check: 'group-mac',
      subject,
      status: 'fail',
      message: `group ${g.name} answers with ${g.mac}, but no device on ${g.iface} accepts frames to that MAC${unread}: clients learn it for the group's VIPs and every packet to them is dropped`,
      fix: [
        `ip link add link ${g.iface} name ${vmac} address ${g.mac} type macvlan mode private && ip link set ${vmac} up  # a device holding the MAC (keepalived's use_vmac makes one)`,
        `or remove groups[].mac of "${g.name}" from the config: the group then answers with ${g.iface}'s own MAC${lower.mac === undefined ? '' : ` ${lower.mac}`}`,
      ],
    });
  }
  return out;
}

/** The daemon's own sockets and CAP_NET_RAW (needed again whenever an interface is recreated). */
export function checkDaemon(facts: DoctorFacts): DoctorCheck[] {
  const out: DoctorCheck[] = [];
  for (const name of groupInterfaces(facts)) {
    if (facts.socketOpen.get(name) === true) out.push(pass('socket', name, `vip-arpd has its packet socket open on ${name}`));
    else
      out.push({
        check: 'socket',
        subject: name,
        status: 'fail',
        message: `vip-arpd has no open socket on ${name}: its VIPs are not answered`,
        fix: [`ip link show ${name}  # the interface must exist; vip-arpd opens it as soon as it appears`, 'journalctl -u vip-arpd  # for the reason'],
      });
  }
  if (facts.capNetRaw === true) out.push(pass('capability', 'daemon', 'CAP_NET_RAW is in the effective set'));
  else {
    out.push({
      check: 'capability',
      subject: 'daemon',
      status: 'fail',
      message:
        facts.capNetRaw === undefined
          ? 'cannot read the effective capabilities'
          : `CAP_NET_RAW (bit ${CAP_NET_RAW}) is not in the effective set: sockets cannot be (re)opened`,
      fix: ['run vip-arpd as root, or with AmbientCapabilities=CAP_NET_RAW and CapabilityBoundingSet=CAP_NET_RAW in its systemd unit'],
    });
  }
  return out;
}

/**
 * Every VIP must be a /32 on lo or a dummy device, so IPVS takes its packets
 * as local, and must not be on the wire interface, where the kernel answers
 * ARP for it whatever arp_ignore says (and so even while BACKUP).
 */
export function checkVips(facts: DoctorFacts): DoctorCheck[] {
  if (facts.addresses === undefined || facts.interfaces === undefined) return [];
  const out: DoctorCheck[] = [];
  for (const g of facts.groups) out.push(...checkGroupVips(facts, g));
  return out;
}

function checkGroupVips(facts: DoctorFacts, g: GroupFacts): DoctorCheck[] {
  const missing: VipHit[] = [];
  const wideOnHome: VipHit[] = [];
  const onWire: VipHit[] = [];
  const onOther: VipHit[] = [];
  for (const vip of g.vips) {
    const where = facts.addresses!.get(vip) ?? [];
    const home = where.find((a) => isVipHome(facts.interfaces!.get(a.iface), a.iface));
    if (home === undefined) missing.push({ vip, iface: 'lo', prefixlen: 32 });
    else if (home.prefixlen !== 32) wideOnHome.push({ vip, ...home });
    for (const a of where) {
      if (a.iface === g.iface) onWire.push({ vip, ...a });
      else if (!isVipHome(facts.interfaces!.get(a.iface), a.iface)) onOther.push({ vip, ...a });
    }
  }
  const subject = g.name;
  const out: DoctorCheck[] = [];
  if (missing.length === 0 && wideOnHome.length === 0)
    out.push(pass('vip-local', subject, `all ${g.vips.length} VIPs of group ${g.name} are /32 on lo or a dummy device`));
  if (missing.length > 0) {
    // On a BACKUP director a missing VIP does no harm until takeover; on the MASTER, IPVS drops the VIP's traffic now.
    const status: CheckStatus = g.role === 'MASTER' ? 'fail' : 'warn';
    out.push(
      vipCheck(
        'vip-local',
        subject,
        status,
        missing,
        (list) =>
          `${missing.length} VIP(s) of group ${g.name} (${g.role}) are not on lo or a dummy device, so IPVS does not take their traffic as local: ${list}`,
        (vip) => `ip addr add ${vip}/32 dev lo`,
        formatIpv4,
      ),
    );
  }
  if (wideOnHome.length > 0) {
    out.push(
      vipCheck(
        'vip-local',
        subject,
        'warn',
        wideOnHome,
        (list) => `${wideOnHome.length} VIP(s) of group ${g.name} are on lo/dummy with a prefix shorter than /32, which makes the whole prefix local: ${list}`,
        (vip, h) => `ip addr del ${vip}/${h.prefixlen} dev ${h.iface} && ip addr add ${vip}/32 dev ${h.iface}`,
        formatIpv4,
      ),
    );
  }
  if (onWire.length > 0) {
    out.push(
      vipCheck(
        'vip-off-wire',
        subject,
        'fail',
        onWire,
        (list) =>
          `${onWire.length} VIP(s) of group ${g.name} are on the wire interface ${g.iface}, where the kernel answers ARP for them even while BACKUP: ${list}`,
        (vip, h) => `ip addr del ${vip}/${h.prefixlen} dev ${h.iface} && ip addr replace ${vip}/32 dev lo`,
        formatIpv4,
      ),
    );
  } else {
    out.push(pass('vip-off-wire', subject, `no VIP of group ${g.name} is on ${g.iface}`));
  }
  if (onOther.length > 0) {
    out.push(
      vipCheck(
        'vip-off-wire',
        subject,
        'warn',
        onOther,
        (list) => `${onOther.length} VIP(s) of group ${g.name} are also on another ARP interface, which answers ARP for them on its own LAN: ${list}`,
        (vip, h) => `ip addr del ${vip}/${h.prefixlen} dev ${h.iface}`,
        formatIpv4,
      ),
    );
  }
  return out;
}

/** Runs every check. */
export function runDoctorChecks(facts: DoctorFacts): DoctorReport {
  const checks = [
    ...checkInterfaces(facts),
    ...checkGroupMacs(facts),
    ...checkSysctls(facts),
    ...checkVips(facts),
    ...checkIpv6Interfaces(facts),
    ...checkSolicitedNode(facts),
    ...checkIpv6Vips(facts),
    ...checkDaemon(facts),
    ...checkFastPath(facts),
  ];
  const summary = { pass: 0, warn: 0, fail: 0 };
  for (const c of checks) summary[c.status]++;
  return { ok: summary.fail === 0, summary, checks };
}
