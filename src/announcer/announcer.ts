/**
 * The announcer feature: gratuitous ARP for the IPv4 VIPs of MASTER groups,
 * unsolicited NA for their IPv6 VIPs (model: keepalived's vrrp_send_garp and
 * vrrp_send_ndisc, and MetalLB's layer2 announcer). Everything below holds
 * for both families: a round covers a group's VIPs of both, each set with
 * its family's encoder (arp-announce.ts, na-announce.ts).
 *
 * - Entering MASTER starts a burst: `garp.count` rounds `garp.intervalMs`
 *   apart, and a second block `garp.delayMs` after the takeover; then a round
 *   every `garp.refreshMs` while MASTER. A round covers every VIP of the
 *   group, each in the forms of `garp.mode`.
 * - Leaving MASTER cancels the group's timers and its frames still queued in
 *   the pacers, before the role-change handler returns.
 * - VIPs a reload adds to a MASTER group get a burst of their own; a link that
 *   comes back (or is recreated with a new MAC) re-announces its MASTER groups.
 * - Frames go through one AnnouncePacer per interface (announce.maxFramesPerSecond).
 * - While diagnostics see another director claim a MASTER group's VIPs (a
 *   make-before-break handover or a split brain), the group's own scheduled
 *   rounds are held (`holdRounds`), so they cannot pull clients back in the
 *   window before the HA manager's release; a defence (`announceOnce`) still
 *   goes out.
 */
import type { DaemonFeature } from '../daemon/feature.js';
import type { LinkView, ServedLink } from '../daemon/link-view.js';
import type { ConfigView, SnapshotApplied } from '../config/config-view.js';
import type { VipSource } from '../vips/vip-lookup.js';
import type { RoleChange, RoleSource } from '../roles/role-source.js';
import type { AnnouncePort } from './announce-port.js';
import type { GarpConfig } from '../config/group-config.js';
import { countVips, type VipSet } from '../vips/vip-table.js';
import type { AddressFamily } from '../vips/address-family.js';
import type { AnnounceEncoder } from './announce-encoder.js';
import type { GroupState } from '../vips/group-state.js';
import { IPV6_WORDS } from '../vips/address-words.js';
import { groupVipSets } from '../vips/group-vip-sets.js';
import { ipv6Forwarding } from '../iface/ipv6-forwarding.js';
import { NA_FORMS, naAnnounceEncoder } from './na-announce.js';
import type { Logger } from '../log/log.js';
import { AnnouncePacer } from './announce-pacer.js';
import { arpAnnounceEncoder } from './arp-announce.js';
import { AnnounceCounters } from './announce-counters.js';
import { addedRoundOffsets, garpForms, takeoverRoundOffsets } from './announce-schedule.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';

export interface AnnouncerOptions {
  log: Logger;
  /** roles: who is MASTER, and each change */
  roles: RoleSource;
  /** each group's garp settings, the pacing rate, and reloads */
  config: ConfigView;
  vips: VipSource;
  /** each interface's socket and MAC, and links coming back */
  links: LinkView<ServedLink>;
  /**
   * The R flag of `group`'s unsolicited NAs on `iface`, the same as the NDP
   * responder's answers (ndp-link.ts); default: the group's `ndpRouter`, else
   * the interface's IPv6 `forwarding`.
   */
  router?: (group: GroupState, iface: string) => boolean;
  clock?: Clock;
}

/** Timers of one group: burst rounds, and the periodic refresh. */
interface GroupTimers {
  rounds: Set<TimerHandle>;
  refresh: TimerHandle | undefined;
}

/** How one set is announced: its family's encoder and the forms sent per VIP. */
interface Announcement {
  encoder: AnnounceEncoder;
  forms: readonly string[];
}

/** Which VIPs a round announces, read when the round runs (a reload may have changed them). */
type VipSelector = () => readonly VipSet[];

export class AnnouncerFeature implements DaemonFeature, AnnouncePort {
  readonly name = 'announcer';
  /** Announcement frames (GARP, unsolicited NA) sent per group/interface/form, for the metrics feature. */
  readonly counters = new AnnounceCounters();
  private readonly clock: Clock;
  private readonly opts: AnnouncerOptions;
  private readonly log: Logger;
  private started = false;
  private readonly pacers = new Map<string, AnnouncePacer>();
  private readonly timers = new Map<string, GroupTimers>();
  /** groups whose scheduled rounds are held (see {@link holdRounds}) */
  private readonly held = new Set<string>();
  private readonly onRoleChanged = (c: RoleChange): void => this.roleChanged(c);
  private readonly onSnapshotApplied = (s: SnapshotApplied): void => this.snapshotApplied(s);
  private readonly onLinkUp = (l: ServedLink): void => this.linkUp(l);

  constructor(opts: AnnouncerOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log.child({ feature: this.name });
  }

  /** Listens to roles, reloads and links, and announces every group that is MASTER already (config or state file). */
  start(): void {
    const { roles, config, links } = this.opts;
    this.started = true;
    roles.on('role-changed', this.onRoleChanged);
    config.on('snapshot-applied', this.onSnapshotApplied);
    links.on('link-up', this.onLinkUp);
    for (const g of roles.groups.values()) if (g.role === 'MASTER') this.startBurst(g.name, 'start');
  }

  /** Stops every timer and pacer; queued frames are forgotten. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    const { roles, config, links } = this.opts;
    roles.off('role-changed', this.onRoleChanged);
    config.off('snapshot-applied', this.onSnapshotApplied);
    links.off('link-up', this.onLinkUp);
    for (const name of [...this.timers.keys()]) this.clearTimers(name);
    for (const p of this.pacers.values()) p.close();
    this.pacers.clear();
    this.held.clear();
  }

  /**
   * One round for `sets` now (paced), each in its group's configured mode.
   * Groups that are not MASTER are skipped: announcing a VIP this director
   * does not serve would steal it from the real MASTER.
   */
  announceOnce(sets: readonly VipSet[], reason: string): void {
    const byGroup = new Map<string, VipSet[]>();
    for (const set of sets) {
      if (set.group.role !== 'MASTER') continue;
      let list = byGroup.get(set.group.name);
      if (list === undefined) byGroup.set(set.group.name, (list = []));
      list.push(set);
    }
    for (const [group, list] of byGroup) this.round(group, () => list, reason, undefined);
  }

  /**
   * Holds `group`'s scheduled rounds and drops its frames still queued (a
   * large round half sent). Its timers keep running: a round that falls due
   * while held is skipped and counted (`counters.roundsHeld`), so the
   * schedule goes on unchanged once the hold ends.
   */
  holdRounds(group: string): void {
    if (this.held.has(group)) return;
    this.held.add(group);
    let frames = 0;
    for (const p of this.pacers.values()) frames += p.cancelGroup(group);
    this.log.debug({ group, frames }, 'holding scheduled gratuitous ARP');
  }

  /** Ends a hold of {@link holdRounds}; rounds skipped meanwhile are not sent late. */
  resumeRounds(group: string): void {
    if (this.held.delete(group)) this.log.debug({ group }, 'scheduled gratuitous ARP resumed');
  }

  /** Frames queued in all pacers (for tests and status). */
  get queuedFrames(): number {
    let n = 0;
    for (const p of this.pacers.values()) n += p.queuedFrames;
    return n;
  }

  private roleChanged(c: RoleChange): void {
    // A hold belongs to one spell as MASTER: a new takeover announces at once.
    this.held.delete(c.group);
    if (c.to === 'MASTER') this.startBurst(c.group, `takeover from ${c.source}`);
    else if (c.from === 'MASTER') this.cancel(c.group);
  }

  private snapshotApplied(s: SnapshotApplied): void {
    const { roles, vips, links } = this.opts;
    for (const name of [...this.timers.keys()]) if (!roles.groups.has(name)) this.cancel(name);
    for (const name of [...this.held]) if (!roles.groups.has(name)) this.held.delete(name);
    for (const [iface, pacer] of this.pacers) {
      if (links.has(iface)) continue;
      pacer.close();
      this.pacers.delete(iface);
    }
    for (const set of s.added) {
      if (set.group.role !== 'MASTER') continue;
      const group = set.group.name;
      // Announce only what is still this group's when the round runs.
      const select = (): VipSet[] => {
        if (set.family === 'ipv4') return [{ ...set, ips: set.ips.filter((ip) => vips.table.groupOf(set.iface, ip)?.name === group) }];
        const table = vips.ipv6Table.forInterface(set.iface);
        const kept: number[] = [];
        for (let at = 0; at < set.ips.length; at += IPV6_WORDS) {
          if (table?.groupOf(set.ips, at)?.name === group) for (let w = 0; w < IPV6_WORDS; w++) kept.push(set.ips[at + w]!);
        }
        return [{ ...set, ips: kept }];
      };
      this.schedule(group, addedRoundOffsets(this.garpOf(group)), select, `reload added ${countVips([set])} VIPs`, `${group} added ${set.family}`);
    }
    // A reload may have switched refresh on, off or to another period.
    for (const g of roles.groups.values()) if (g.role === 'MASTER') this.armRefresh(g.name, true);
  }

  private linkUp(link: ServedLink): void {
    const onLink = new Set<string>();
    const { table, ipv6Table } = this.opts.vips;
    for (const set of [...table.sets(), ...ipv6Table.sets()]) if (set.iface === link.iface && set.group.role === 'MASTER') onLink.add(set.group.name);
    for (const group of onLink) this.startBurst(group, `link ${link.iface} up`);
  }

  /** Cancels what is pending for `group` and starts its takeover burst; the first round is sent before this returns. */
  private startBurst(group: string, reason: string): void {
    this.cancel(group);
    const garp = this.garpOf(group);
    const offsets = takeoverRoundOffsets(garp);
    this.schedule(group, offsets, () => this.tableVipsOf(group), reason, group);
    this.armRefresh(group, false);
    // Logged after the first round left: a synchronous log write must not delay the first GARP.
    this.log.info({ group, rounds: offsets.length, reason }, 'announcing group');
  }

  /** Runs a round at each offset (0 = now). */
  private schedule(group: string, offsets: number[], select: VipSelector, reason: string, key: string): void {
    const timers = this.timersOf(group);
    for (const at of offsets) {
      if (at === 0) {
        this.scheduledRound(group, select, reason, key);
        continue;
      }
      const handle = this.clock.setTimeout(() => {
        timers.rounds.delete(handle);
        this.scheduledRound(group, select, reason, key);
      }, at);
      timers.rounds.add(handle);
    }
  }

  /**
   * (Re)arms the refresh timer from the group's current config. `reconfigure`
   * replaces a running timer (after a reload); otherwise a running one is kept.
   */
  private armRefresh(group: string, reconfigure: boolean): void {
    const timers = this.timersOf(group);
    if (timers.refresh !== undefined) {
      if (!reconfigure) return;
      this.clock.clearTimeout(timers.refresh);
      timers.refresh = undefined;
    }
    const every = this.garpOf(group).refreshMs;
    if (every <= 0) return;
    timers.refresh = this.clock.setTimeout(() => {
      timers.refresh = undefined;
      this.scheduledRound(group, () => this.tableVipsOf(group), 'refresh', group);
      this.armRefresh(group, false);
    }, every);
  }

  /** A round of the group's own schedule: skipped (and counted) while the group is held. */
  private scheduledRound(group: string, select: VipSelector, reason: string, key: string): void {
    if (this.held.has(group)) {
      this.counters.roundsHeld++;
      this.log.debug({ group, reason }, 'gratuitous ARP round held: another director claims the group');
      return;
    }
    this.round(group, select, reason, key);
  }

  /** Hands one round of `group` to the pacers of its interfaces. */
  private round(group: string, select: VipSelector, reason: string, key: string | undefined): void {
    const state = this.opts.roles.groups.get(group);
    if (!this.started || state === undefined || state.role !== 'MASTER') return;
    this.counters.rounds++;
    for (const { family, iface, ips } of select()) {
      if (ips.length === 0) continue;
      const { encoder, forms } = this.announcementOf(family, state, iface);
      const vips = ips.length / encoder.wordsPerAddress;
      const counts = this.counters.of(group, iface);
      const link = this.opts.links.get(iface);
      if (link === undefined || link.wire === undefined) {
        counts.dropped += vips * forms.length;
        continue;
      }
      // One key per family: a queued round of one family must not replace the other's.
      const familyKey = key === undefined ? undefined : `${key} ${family}`;
      this.pacerOf(iface).enqueue({ group, key: familyKey, ips, forms, encoder, mac: state.mac ?? link.macAddress, counts });
      this.log.debug({ group, iface, family, vips, reason }, 'announcement round');
    }
  }

  /** Gratuitous ARP in the group's `garp.mode` forms for IPv4; one unsolicited NA per VIP for IPv6, R as the responder's. */
  private announcementOf(family: AddressFamily, group: GroupState, iface: string): Announcement {
    if (family === 'ipv4') return { encoder: arpAnnounceEncoder, forms: garpForms(this.garpOf(group.name).mode) };
    const router = this.opts.router ?? ((g: GroupState, name: string) => g.ndpRouter ?? ipv6Forwarding(name));
    return { encoder: naAnnounceEncoder(router(group, iface)), forms: NA_FORMS };
  }

  /** The group's VIPs of both families as the tables in force have them (none when they have none). */
  private tableVipsOf(group: string): VipSet[] {
    return groupVipSets(this.opts.vips, group);
  }

  private pacerOf(iface: string): AnnouncePacer {
    let pacer = this.pacers.get(iface);
    if (pacer === undefined) {
      const links = this.opts.links;
      pacer = new AnnouncePacer({
        iface,
        wire: () => links.get(iface)?.wire,
        maxFramesPerSecond: this.opts.config.config.announce.maxFramesPerSecond,
        log: this.log.child({ iface }),
        clock: this.clock,
      });
      this.pacers.set(iface, pacer);
    }
    return pacer;
  }

  /** Stops every pending round of `group`: timers and frames queued in pacers. */
  private cancel(group: string): void {
    this.clearTimers(group);
    let frames = 0;
    for (const p of this.pacers.values()) frames += p.cancelGroup(group);
    if (frames > 0) this.log.info({ group, frames }, 'cancelled queued gratuitous ARP');
  }

  private clearTimers(group: string): void {
    const timers = this.timers.get(group);
    if (timers === undefined) return;
    for (const h of timers.rounds) this.clock.clearTimeout(h);
    if (timers.refresh !== undefined) this.clock.clearTimeout(timers.refresh);
    this.timers.delete(group);
  }

  private timersOf(group: string): GroupTimers {
    let timers = this.timers.get(group);
    if (timers === undefined) this.timers.set(group, (timers = { rounds: new Set(), refresh: undefined }));
    return timers;
  }

  private garpOf(group: string): GarpConfig {
    const g = this.opts.config.snapshot.groups.find((x) => x.config.name === group);
    if (g === undefined) throw new Error(`group "${group}" is not in the snapshot`);
    return g.config.garp;
  }
}
