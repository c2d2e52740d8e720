/**
 * ConflictMonitor: the daemon feature that watches for the LVS ARP problem
 * happening live, for both families. The ARP responders call it for every
 * frame whose sender IP is one of our VIPs on that interface and whose sender
 * MAC is not the group's (responder.ts `onForeignClaim`), the NDP responders
 * for every NA, DAD probe or NS claiming one of our IPv6 VIPs for another MAC
 * (ndp-responder.ts, {@link ConflictMonitor.onNdpClaim}); it records the
 * claim under the VIP's family-tagged key, logs it (rate limited) naming the
 * MAC and the host's IP, and, while the VIP's group is MASTER with `defend`
 * on, defends the VIP with one announcement (gratuitous ARP, unsolicited NA)
 * per `diagnostics.defendIntervalMs` (RFC 5227 §2.4(c)).
 *
 * Another director's gratuitous claim (or unsolicited NA) while MASTER is a make-before-break
 * handover or a split brain: the defence, and the group's own scheduled
 * rounds, wait `diagnostics.handoverGraceMs` for the HA manager's release
 * (handover-grace.ts). A grace that runs out with the group still MASTER is
 * a split brain: defended then, logged, counted and listed in `status`.
 * Just after our own takeover the roles are the other way round: the claims
 * are the old MASTER's last frames before it saw ours, not defended.
 * A request with the VIP as sender (the realserver leak), and a reply or a
 * solicited NA from a host that is not the claiming director (a realserver
 * answering for the VIP), are defended at once.
 */
import type { DaemonFeature } from '../daemon/feature.js';
import type { ConfigView } from '../config/config-view.js';
import type { VipSource } from '../vips/vip-lookup.js';
import type { RoleChange, RoleSource } from '../roles/role-source.js';
import type { AnnouncePort } from '../announcer/announce-port.js';
import type { CommandRegistry } from '../control/command-registry.js';
import type { Logger } from '../log/log.js';
import type { ArpFrame } from '../wire/arp.js';
import type { GroupState } from '../vips/group-state.js';
import type { NdpForeignClaimListener } from '../responder/ndp-responder.js';
import type { VipSet } from '../vips/vip-table.js';
import { formatMac } from '../wire/mac.js';
import { formatIpv6, parseIpv6 } from '../wire/ipv6.js';
import { familyOfKey, formatVipKey, type AddressFamily, type VipKey } from '../vips/address-family.js';
import { VipArpdError } from '../util/errors.js';
import { classifyConflict, handoverRole, type ConflictKind } from './conflict-kind.js';
import { CONFLICT_RELOG_MS, ConflictLog, type ConflictRecord } from './conflict-log.js';
import { DefenceLimiter } from './defence-limiter.js';
import { NeighbourCache } from './neighbour-table.js';
import { parsePeerMacs } from './peers.js';
import { foreignHostFix } from './advice.js';
import { HandoverGrace, type ExpiredGrace, type GraceTimer } from './handover-grace.js';
import { SplitBrainLog, type SplitBrainView } from './split-brain-log.js';
import { LogRateLimiter, logLimited } from '../log/log-rate-limit.js';

/**
 * What happened to the defence for the frame that triggered a log line.
 * `grace`: held for the handover grace; `taking-over`: we took the group over
 * just before ({@link TAKEOVER_RACE_MS}), the frame is the old MASTER's last;
 * `peer`: a configured peer, never defended against.
 */
export type DefenceOutcome = 'sent' | 'suppressed' | 'not-master' | 'off' | 'no-announcer' | 'grace' | 'taking-over' | 'peer';

/**
 * A claim this soon after our own takeover is the old MASTER's frame that
 * crossed our first GARP (it holds its rounds once it reads ours, within an
 * event-loop turn; an older vip-arpd defended within 0-1.6 ms). No HA manager
 * hands a group back this fast: keepalived needs VRRP adverts, 1 s apart.
 */
export const TAKEOVER_RACE_MS = 100;

/** `conflicts` lists at most this many pairs unless `--limit` says otherwise. */
const DEFAULT_LIST_LIMIT = 200;
/** A pair seen within this window counts as active in `status`. */
export const ACTIVE_CONFLICT_MS = 5 * 60_000;

export interface ConflictView {
  vip: string;
  family: AddressFamily;
  mac: string;
  /** the host's IP from this director's neighbour table, null when unknown */
  ip: string | null;
  iface: string;
  group: string;
  kind: string;
  kinds: ConflictRecord['kinds'];
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** when this director last defended the VIP, null if never */
  lastDefended: string | null;
  /** when a handover grace for this pair last ran out with this director still MASTER, null if never */
  splitBrain: string | null;
  fix: string;
}

export interface ConflictMonitorOptions {
  log: Logger;
  /** roles: the grace ends on a role change; only a MASTER defends */
  roles: RoleSource;
  /** peers, `defend`, the defence interval and the grace */
  config: ConfigView;
  /** to tell a host's own IP from a VIP */
  vips: VipSource;
  /** defences and the hold of a group's rounds; undefined = nothing is defended ('no-announcer') */
  announcer: AnnouncePort | undefined;
  /** `conflicts` and the `conflicts` status section */
  commands: CommandRegistry;
  /** monotonic time and timers of the handover grace */
  clock: GraceTimer;
  /** epoch ms, for records and logs */
  now?: () => number;
  neighbours?: NeighbourCache;
}

const SPLIT_BRAIN_FIX =
  'two directors are MASTER for this group: check the HA manager on both (keepalived: do their VRRP adverts reach each other?); ' +
  "if the old MASTER's release only comes later than the grace, raise diagnostics.handoverGraceMs";

export class ConflictMonitor implements DaemonFeature {
  readonly name = 'conflict-monitor';
  readonly conflicts = new ConflictLog();
  /** frames from our interface MAC or a configured peer: expected, not conflicts */
  peerFrames = 0;
  /** defending GARP rounds handed to the announcer */
  defencesSent = 0;
  /** defences the announcer threw on */
  defenceErrors = 0;
  /** handover graces ended by this director's release: clean make-before-break handovers */
  handovers = 0;
  readonly splitBrains = new SplitBrainLog();
  private limiter = new DefenceLimiter();
  private readonly grace: HandoverGrace;
  private graceMs = 0;
  /** clock ms when each MASTER group became MASTER (this spell) */
  private readonly masterSince = new Map<string, number>();
  private readonly clock: GraceTimer;
  private readonly splitBrainLogs: LogRateLimiter;
  private peers = new Set<number>();
  /** groups of the snapshot in force with `defend: false`: few, where the groups that defend may be 65,535 */
  private undefendedGroups = new Set<string>();
  /** the daemon's groups, which are the snapshot's (kept after stop, as the sets above are) */
  private groupsInForce: ReadonlyMap<string, GroupState> = new Map();
  private readonly opts: ConflictMonitorOptions;
  private readonly log: Logger;
  private started = false;
  private readonly now: () => number;
  private readonly neighbours: NeighbourCache;
  private readonly onSnapshot = (): void => this.configure();
  private readonly onRoleChanged = (c: RoleChange): void => this.roleChanged(c);

  constructor(opts: ConflictMonitorOptions) {
    this.opts = opts;
    this.log = opts.log.child({ feature: this.name });
    this.now = opts.now ?? Date.now;
    this.neighbours = opts.neighbours ?? new NeighbourCache();
    this.clock = opts.clock;
    this.grace = new HandoverGrace({ graceMs: () => this.graceMs, clock: this.clock, onExpired: (g) => this.graceExpired(g) });
    this.splitBrainLogs = new LogRateLimiter({ intervalMs: CONFLICT_RELOG_MS, now: this.now });
  }

  /** Defences refused because the VIP was defended within the interval. */
  get defencesSuppressed(): number {
    return this.limiter.suppressed;
  }

  /** Claims are taken from now on (the responders call {@link onForeignClaim} from the start; until then they are ignored). */
  start(): void {
    const { roles, config, commands } = this.opts;
    this.started = true;
    this.limiter = new DefenceLimiter(config.config.diagnostics.defendIntervalMs);
    this.configure();
    for (const g of roles.groups.values()) if (g.role === 'MASTER') this.masterSince.set(g.name, this.clock.now());
    config.on('snapshot-applied', this.onSnapshot);
    roles.on('role-changed', this.onRoleChanged);
    commands.register('conflicts', {
      usage: 'conflicts [--limit N] [--clear]',
      summary: 'foreign MACs seen claiming our VIPs (most recent first)',
      handler: (args) => this.conflictsCommand(args),
    });
    commands.addStatusSection('conflicts', () => this.status());
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.opts.config.off('snapshot-applied', this.onSnapshot);
    this.opts.roles.off('role-changed', this.onRoleChanged);
    for (const group of this.grace.clear()) this.opts.announcer?.resumeRounds(group);
    this.masterSince.clear();
  }

  /** Reads peers and per-group `defend` from the snapshot in force. */
  private configure(): void {
    const { config, roles } = this.opts;
    const peers = parsePeerMacs(config.config.diagnostics.peers);
    if (peers.invalid.length > 0) {
      this.log.warn({ invalid: peers.invalid }, 'diagnostics.peers: entries that are not MACs are ignored; write them like 02:00:00:00:00:01');
    }
    this.peers = peers.macs;
    this.graceMs = config.config.diagnostics.handoverGraceMs;
    const undefended = new Set<string>();
    for (const g of config.snapshot.groups) if (!g.config.defend) undefended.add(g.config.name);
    this.undefendedGroups = undefended;
    this.groupsInForce = roles.groups;
  }

  /**
   * The responders' hook: runs on the receive path for every foreign claim,
   * so it only counts, decides the defence, and hands a due log line off.
   */
  readonly onForeignClaim = (iface: string, group: GroupState, frame: Readonly<ArpFrame>, ifaceMac: number): void => {
    if (!this.started) return;
    this.claim(iface, group, frame.senderIp, classifyConflict(frame), frame.senderMac, ifaceMac);
  };

  /**
   * The NDP responders' hook: `vip` is the decoder's reused array, so it is
   * recorded as its RFC 5952 text (the IPv6 VipKey).
   */
  readonly onNdpClaim: NdpForeignClaimListener = (iface, group, vip, kind, claimerMac, ifaceMac) => {
    if (!this.started) return;
    this.claim(iface, group, formatIpv6(vip), kind, claimerMac, ifaceMac);
  };

  private claim(iface: string, group: GroupState, vip: VipKey, kind: ConflictKind, mac: number, ifaceMac: number): void {
    if (mac === ifaceMac) {
      this.peerFrames++;
      return;
    }
    if (this.peers.has(mac)) {
      // Not a conflict, but a peer's claim while we are MASTER still opens the grace, so our own rounds hold.
      this.peerFrames++;
      this.handoverOutcome(iface, group, vip, mac, kind, true);
      return;
    }
    const now = this.now();
    const due = this.conflicts.observe(iface, group.name, vip, mac, kind, now);
    const defence = this.handoverOutcome(iface, group, vip, mac, kind, false) ?? this.defend(iface, group, vip, now);
    if (due !== undefined) void this.report(due, defence);
  }

  /**
   * What a handover makes of this claim, or undefined when it is no handover
   * matter (defend as usual). Another director's announcement (gratuitous
   * ARP, unsolicited NA: conflict-kind.ts handoverRole) while MASTER opens the group's grace (and holds its scheduled rounds) or joins
   * the open one: `grace`; a reply or solicited NA from a MAC already claiming
   * in the open grace joins it too (the new MASTER answering a request). Within
   * {@link TAKEOVER_RACE_MS} of our own takeover we are the new MASTER and the
   * claim is the old one's last frame: `taking-over`, nothing held, nothing
   * sent (if it never releases, its grace runs out and its defence opens ours).
   * A request or NS with the VIP as source, or a DAD probe, is never a handover.
   */
  private handoverOutcome(iface: string, group: GroupState, vip: VipKey, mac: number, kind: ConflictKind, peer: boolean): DefenceOutcome | undefined {
    const role = handoverRole(kind);
    if (group.role !== 'MASTER' || this.graceMs === 0 || role === 'leak') return undefined;
    if (role === 'answer' && !this.grace.isOpen(group.name, mac)) return undefined;
    const since = this.masterSince.get(group.name);
    if (since !== undefined && this.clock.now() - since < TAKEOVER_RACE_MS && !this.grace.isOpen(group.name)) return 'taking-over';
    if (this.grace.claim(group.name, { iface, vip, mac, peer })) this.opts.announcer?.holdRounds(group.name);
    return 'grace';
  }

  /** The release (or any role change) ends the group's grace: that was a handover, not a split brain. */
  private roleChanged(c: RoleChange): void {
    if (c.to === 'MASTER') this.masterSince.set(c.group, this.clock.now());
    else this.masterSince.delete(c.group);
    const openMs = this.grace.end(c.group);
    if (openMs === undefined || c.to === 'MASTER') return;
    this.handovers++;
    this.log.info(
      { group: c.group, to: c.to, releasedAfterMs: Math.round(openMs) },
      'handover: another director took the group and this one released it within the grace',
    );
  }

  /** A grace ran out: still MASTER means a split brain, defended now and reported. */
  private graceExpired(g: ExpiredGrace): void {
    this.opts.announcer?.resumeRounds(g.group);
    const group = this.opts.roles.groups.get(g.group);
    if (group === undefined || group.role !== 'MASTER' || g.claims.length === 0) return;
    const now = this.now();
    const outcomes = g.claims.map((c) => {
      if (c.peer) return 'peer';
      const rec = this.conflicts.get(c.vip, c.mac);
      if (rec !== undefined) rec.splitBrainAt = now;
      return this.defend(c.iface, group, c.vip, now);
    });
    const first = g.claims[0]!;
    const defence = outcomes[0]!;
    this.splitBrains.record({ group: g.group, iface: first.iface, vip: first.vip, mac: first.mac, vips: g.claims.length, peer: first.peer, defence }, now);
    logLimited(
      this.log,
      'warn',
      this.splitBrainLogs,
      g.group,
      {
        group: g.group,
        iface: first.iface,
        vip: formatVipKey(first.vip),
        mac: formatMac(first.mac),
        peer: first.peer,
        vips: g.claims.length,
        graceMs: this.graceMs,
        defence,
        defended: outcomes.filter((o) => o === 'sent').length,
        fix: SPLIT_BRAIN_FIX,
      },
      "split brain: another director still claims the group's VIPs after the handover grace",
    );
  }

  private defend(iface: string, group: GroupState, vip: VipKey, now: number): DefenceOutcome {
    if (group.role !== 'MASTER') return 'not-master';
    if (this.undefendedGroups.has(group.name) || !this.groupsInForce.has(group.name)) return 'off';
    const announcer = this.opts.announcer;
    if (announcer === undefined) return 'no-announcer';
    if (!this.limiter.tryDefend(vip, now)) return 'suppressed';
    try {
      announcer.announceOnce([defenceSet(group, iface, vip)], 'defend');
      this.defencesSent++;
      return 'sent';
    } catch (err) {
      this.defenceErrors++;
      this.log.debug({ err, vip: formatVipKey(vip) }, 'defence not sent');
      return 'no-announcer';
    }
  }

  /** Looks up the host's IP, then writes the (rate-limited) log line. */
  private async report(rec: ConflictRecord, defence: DefenceOutcome): Promise<void> {
    if (rec.hostIp == null) rec.hostIp = await this.hostIpOf(rec.mac);
    const first = rec.loggedCount === 0;
    const vip = formatVipKey(rec.vip);
    const family = familyOfKey(rec.vip);
    const protocol = family === 'ipv4' ? 'ARP' : 'NDP';
    this.log.warn(
      {
        iface: rec.iface,
        group: rec.group,
        vip,
        family,
        mac: formatMac(rec.mac),
        hostIp: rec.hostIp,
        kind: rec.kind,
        count: rec.count,
        newFrames: rec.count - rec.loggedCount,
        defence,
        fix: foreignHostFix(vip, rec.kind),
      },
      first ? `${protocol} conflict: a foreign MAC claims a VIP` : `${protocol} conflict continues: a foreign MAC still claims a VIP`,
    );
    this.conflicts.markLogged(rec);
  }

  private hostIpOf(mac: number): Promise<string | null> {
    const table = this.opts.vips.table;
    return this.neighbours.ipOf(mac, (ip) => table.isVip(ip));
  }

  /** One pair as `conflicts` and `status` show it. */
  private view(rec: ConflictRecord): ConflictView {
    const vip = formatVipKey(rec.vip);
    const defended = this.limiter.lastDefended(rec.vip);
    return {
      vip,
      family: familyOfKey(rec.vip),
      mac: formatMac(rec.mac),
      ip: rec.hostIp ?? null,
      iface: rec.iface,
      group: rec.group,
      kind: rec.kind,
      kinds: { ...rec.kinds },
      count: rec.count,
      firstSeen: new Date(rec.firstSeen).toISOString(),
      lastSeen: new Date(rec.lastSeen).toISOString(),
      lastDefended: defended === undefined ? null : new Date(defended).toISOString(),
      splitBrain: rec.splitBrainAt === 0 ? null : new Date(rec.splitBrainAt).toISOString(),
      fix: foreignHostFix(vip, rec.kind),
    };
  }

  private async conflictsCommand(args: string[]): Promise<unknown> {
    let limit = DEFAULT_LIST_LIMIT;
    let clear = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '--clear') clear = true;
      else if (a === '--limit' && /^\d+$/.test(args[i + 1] ?? '')) limit = Number(args[++i]);
      else throw new VipArpdError('EUSAGE', `conflicts: unexpected argument "${a}"; usage: conflicts [--limit N] [--clear]`);
    }
    const records = this.conflicts.records();
    const listed = records.slice(0, limit);
    for (const rec of listed) if (rec.hostIp == null) rec.hostIp = await this.hostIpOf(rec.mac);
    const result = {
      ...this.counters(),
      total: records.length,
      conflicts: listed.map((r) => this.view(r)),
      splitBrains: this.splitBrains.since(0),
      cleared: clear,
    };
    if (clear) {
      this.conflicts.clear();
      this.splitBrains.clear();
    }
    return result;
  }

  /** Plain counters, for metrics. */
  counters(): {
    frames: number;
    pairs: number;
    untracked: number;
    logsSuppressed: number;
    peerFrames: number;
    defencesSent: number;
    defencesSuppressed: number;
    defenceErrors: number;
    handovers: number;
    splitBrains: number;
  } {
    return {
      frames: this.conflicts.frames,
      pairs: this.conflicts.pairs,
      untracked: this.conflicts.untracked,
      logsSuppressed: this.conflicts.logsSuppressed,
      peerFrames: this.peerFrames,
      defencesSent: this.defencesSent,
      defencesSuppressed: this.limiter.suppressed,
      defenceErrors: this.defenceErrors,
      handovers: this.handovers,
      splitBrains: this.splitBrains.total,
    };
  }

  /** The `status` section: counters, the pairs and the split brains seen within {@link ACTIVE_CONFLICT_MS}. */
  status(): { active: number; counters: ReturnType<ConflictMonitor['counters']>; latest: ConflictView[]; splitBrains: SplitBrainView[] } {
    const since = this.now() - ACTIVE_CONFLICT_MS;
    const active = this.conflicts.records().filter((r) => r.lastSeen >= since);
    return {
      active: active.length,
      counters: this.counters(),
      latest: active.slice(0, 10).map((r) => this.view(r)),
      splitBrains: this.splitBrains.since(since),
    };
  }
}

/** The one-VIP set a defence announces: the key's family, its address as that family's words. */
function defenceSet(group: GroupState, iface: string, vip: VipKey): VipSet {
  if (typeof vip === 'number') return { family: 'ipv4', group, iface, ips: [vip] };
  const ips = new Uint32Array(4);
  // The key was written by formatIpv6, so it parses.
  parseIpv6(vip, ips);
  return { family: 'ipv6', group, iface, ips };
}
