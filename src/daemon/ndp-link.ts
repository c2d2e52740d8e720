/**
 * The NDP side of one interface link (issue 13): the NDP packet socket, the
 * NdpResponder that answers NS on it, and the solicited-node memberships of
 * the interface's IPv6 VIPs. The socket and the memberships exist only while
 * the interface has IPv6 VIPs: an IPv4-only interface gets no second tap
 * (each sees every frame before the filter drops it, docs/benchmarks.md "NDP
 * socket cost") and no 2 MiB ring. The responder, and its counts, live as
 * long as the link.
 */
import type { Logger } from '../log/log.js';
import { openNdpSocket } from '../native/ndp-socket.js';
import { SolicitedNodeMemberships, type MembershipChange, type MembershipOptions } from '../native/solicited-node-memberships.js';
import { NdpResponder, type NdpForeignClaimListener } from '../responder/ndp-responder.js';
import { ipv6Forwarding } from '../iface/ipv6-forwarding.js';
import type { FrameConn } from '../io/frame-conn.js';
import type { SystemError } from '../util/errors.js';
import type { Ipv6InterfaceVips } from '../vips/ipv6-vip-table.js';
import type { Ipv6Address } from '../wire/ipv6.js';

/** What the NDP side reads of the IPv6 table in force, for its interface. */
export interface NdpLinkVips {
  /** the interface's IPv6 VIPs (undefined: none), read per received batch */
  onInterface(): Ipv6InterfaceVips | undefined;
  isVip(addr: Ipv6Address): boolean;
  /** every IPv6 VIP of the interface, as its groups' arrays (4 words a VIP), for the memberships */
  vipSets(): Uint32Array[];
}

/** The memberships' calls the link makes; SolicitedNodeMemberships in production. */
export type Memberships = Pick<SolicitedNodeMemberships, 'reconcile' | 'joined' | 'close' | 'pending' | 'allMulticast' | 'neededGroups'>;

export interface NdpLinkOptions {
  iface: string;
  log: Logger;
  vips: NdpLinkVips;
  interfaceMac: () => number;
  onForeignClaim?: NdpForeignClaimListener;
  /** wraps the socket's send in the link's one send path (send errors counted by code) */
  sendVia: (get: () => FrameConn | undefined) => FrameConn;
  /** told of each refused send of NAs */
  onSendError: (err: SystemError) => void;
  /** told of each receive error of the socket */
  onSocketError: (err: Error) => void;
  /** tests inject fakes of these three */
  openConn?: (iface: string, ifindex: number) => FrameConn;
  openMemberships?: (iface: string, ifindex: number, opts: MembershipOptions) => Memberships;
  /** ndp.maxSolicitedNodeGroups, read per sync */
  maxGroups?: () => number;
  forwarding?: (iface: string) => boolean;
}

/** `forwarding` is read again at most this often: not per NS, and a change still shows within a second. */
const FORWARDING_TTL_MS = 1000;

export class NdpLink {
  readonly responder: NdpResponder;
  /** joins and leaves that failed, all time */
  membershipFailures = 0;
  private allMulticastLogged = false;
  private conn: FrameConn | undefined;
  private memberships: Memberships | undefined;
  private ifindex = 0;
  private forwardingValue = false;
  private forwardingReadAt = -Infinity;
  private readonly opts: NdpLinkOptions;
  private readonly log: Logger;

  constructor(opts: NdpLinkOptions) {
    this.opts = opts;
    this.log = opts.log;
    const vips = opts.vips;
    this.responder = new NdpResponder({
      iface: opts.iface,
      conn: opts.sendVia(() => this.conn),
      interfaceMac: opts.interfaceMac,
      vips: { groupOf: (target) => vips.onInterface()?.groupOf(target), isVip: (target) => vips.isVip(target) },
      router: (group) => group.ndpRouter ?? this.forwarding(),
      ...(opts.onForeignClaim === undefined ? {} : { onForeignClaim: opts.onForeignClaim }),
      onSendError: opts.onSendError,
    });
  }

  /** True while the NDP socket is open. */
  get open(): boolean {
    return this.conn !== undefined;
  }

  /** The solicited-node groups joined now, RFC 5952, sorted. */
  joinedGroups(): string[] {
    return this.memberships?.joined() ?? [];
  }

  /** Joins and leaves of the last sync not done yet (they run in slices). */
  get pendingGroups(): number {
    return this.memberships?.pending ?? 0;
  }

  /** Distinct solicited-node groups the interface's IPv6 VIPs need (all-multicast reception past ndp.maxSolicitedNodeGroups). */
  get neededGroups(): number {
    return this.memberships?.neededGroups ?? 0;
  }

  /** True while the interface receives all multicast in place of the groups (more than ndp.maxSolicitedNodeGroups). */
  get allMulticast(): boolean {
    return this.memberships?.allMulticast ?? false;
  }

  /**
   * Brings the socket and the memberships in line with the IPv6 VIPs of the
   * interface (index `ifindex`, present): opens or closes the socket, joins
   * the groups new VIPs need and leaves those no VIP needs any more. A new
   * index (the interface was recreated) starts both afresh. Failures are
   * logged and retried on the next sync.
   */
  sync(ifindex: number): void {
    if (ifindex !== this.ifindex) this.close();
    this.ifindex = ifindex;
    const vipSets = this.opts.vips.vipSets();
    if (vipSets.length === 0) {
      this.close();
      return;
    }
    if (this.conn === undefined) {
      try {
        this.conn = this.openSocket(ifindex);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        this.log.error(
          { code: e.code, reason: e.message },
          'cannot open the NDP socket; IPv6 VIPs are not answered here until the next reload or reappearance',
        );
        return;
      }
    }
    const open = this.opts.openMemberships ?? ((iface, index, opts) => new SolicitedNodeMemberships(iface, index, opts));
    this.memberships ??= open(this.opts.iface, ifindex, {
      onChange: (change) => this.logChange(change),
      ...(this.opts.maxGroups === undefined ? {} : { maxGroups: this.opts.maxGroups }),
    });
    this.logChange(this.memberships.reconcile(...vipSets));
  }

  /** Closes the socket and leaves every group; idempotent. */
  close(): void {
    this.conn?.close();
    this.conn = undefined;
    this.memberships?.close();
    this.memberships = undefined;
  }

  private openSocket(ifindex: number): FrameConn {
    const conn = (this.opts.openConn ?? openNdpSocket)(this.opts.iface, ifindex);
    conn.start(
      (batch) => this.responder.handleBatch(batch),
      (err) => this.opts.onSocketError(err),
    );
    return conn;
  }

  private logChange(change: MembershipChange): void {
    this.membershipFailures += change.failures.length;
    for (const f of change.failures)
      this.log.warn({ group: f.group, code: f.error.code, reason: f.error.message }, 'solicited-node group not joined or left; retried on the next reload');
    const allMulticast = this.allMulticast;
    if (allMulticast && !this.allMulticastLogged) {
      this.log.warn(
        { limit: this.opts.maxGroups?.(), needed: this.neededGroups },
        'more solicited-node groups than ndp.maxSolicitedNodeGroups: receiving all multicast instead of joining them; an MLD-snooping switch forwards their NS to this port only while it floods unregistered multicast or with a static or multicast-router entry for the port',
      );
    }
    this.allMulticastLogged = allMulticast;
    if (change.joined + change.left > 0 && this.pendingGroups === 0)
      this.log.info({ joined: this.joinedGroups().length, allMulticast }, 'solicited-node groups reconciled');
  }

  private forwarding(): boolean {
    const now = Date.now();
    if (now - this.forwardingReadAt >= FORWARDING_TTL_MS) {
      this.forwardingValue = (this.opts.forwarding ?? ipv6Forwarding)(this.opts.iface);
      this.forwardingReadAt = now;
    }
    return this.forwardingValue;
  }
}
