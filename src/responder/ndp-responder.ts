/**
 * NdpResponder: one per interface, the IPv6 counterpart of responder.ts.
 * Decides, for every frame the NDP socket receives (../native/ndp-socket.ts),
 * whether to answer (the rules, in order, are in ndp-rules.ts), answers NS for
 * VIPs of MASTER groups with an NA (RFC 4861 §7.2.4), and reports foreign
 * claims on our VIPs. It knows nothing about roles or config beyond what its
 * lookup says.
 */
import { decodeNs, emptyNeighborSolicitation, encodeNaReply, ICMPV6_NEIGHBOR_ADVERTISEMENT, type NeighborSolicitation } from '../wire/ndp.js';
import { advertisedMac, decodeNa, emptyNeighborAdvertisement, type NeighborAdvertisement } from '../wire/ndp-advert.js';
import { isIpv6Unspecified, type Ipv6Address } from '../wire/ipv6.js';
import { TxBatch } from '../io/tx-batch.js';
import type { SystemError } from '../util/errors.js';
import type { FrameConn, RxBatch } from '../io/frame-conn.js';
import type { GroupState } from '../vips/group-state.js';
import { linkDrop } from './arp-rules.js';
import { classifyAdvertisement, isForUs, isMartianSource, solicitorMac, type NdpClaimKind } from './ndp-rules.js';
import { zeroNdpOutcomeCounts, type NdpOutcome, type NdpOutcomeCounts } from './ndp-outcome.js';

/** What the NDP responder asks about IPv6 VIPs; backed by the current IPv6 VIP table. */
export interface NdpVipLookup {
  /** The group of `target` when it is a VIP on this responder's interface. */
  groupOf(target: Ipv6Address): GroupState | undefined;
  /** True when `target` is a VIP on any interface. */
  isVip(target: Ipv6Address): boolean;
}

/**
 * Told about a neighbour message claiming `vip`, a VIP of `group` on `iface`,
 * for `claimerMac`, another MAC than ours (ndp-rules.ts, NdpClaimKind).
 * Plain arguments: it runs per frame during a conflict, so nothing is
 * allocated for it; `vip` is the decoder's reused array: copy it to keep it.
 */
export type NdpForeignClaimListener = (iface: string, group: GroupState, vip: Ipv6Address, kind: NdpClaimKind, claimerMac: number, ifaceMac: number) => void;

export interface NdpResponderOptions {
  iface: string;
  conn: FrameConn;
  /** The interface's current MAC (it may change when the interface is recreated). */
  interfaceMac: () => number;
  vips: NdpVipLookup;
  /**
   * The NA's R flag for `group`: the interface's `forwarding` sysctl unless the
   * group config says otherwise (RFC 4861 §7.2.4: a router sets it).
   */
  router: (group: GroupState) => boolean;
  onForeignClaim?: NdpForeignClaimListener;
  /** Told of each refused send of replies (the frames are counted in {@link NdpResponder.txDropped} either way). */
  onSendError?: (err: SystemError) => void;
}

/** Reply slots: the 86-byte NA rounded up. */
const NA_SLOT_SIZE = 128;
/** Ethernet + IPv6 headers, then the ICMPv6 type byte. */
const ICMPV6_TYPE_OFFSET = 54;

export class NdpResponder {
  readonly iface: string;
  readonly counts: NdpOutcomeCounts = zeroNdpOutcomeCounts();
  /** Replies the kernel did not accept (socket buffer full, interface gone). */
  txDropped = 0;
  private readonly opts: NdpResponderOptions;
  private readonly ns: NeighborSolicitation = emptyNeighborSolicitation();
  private readonly na: NeighborAdvertisement = emptyNeighborAdvertisement();
  private readonly tx: TxBatch;

  /** @param txCapacity replies per sendmmsg; the default matches the packet socket's receive batch. */
  constructor(opts: NdpResponderOptions, txCapacity = 256) {
    this.opts = opts;
    this.iface = opts.iface;
    this.tx = new TxBatch(txCapacity, NA_SLOT_SIZE);
  }

  /** Handles one received batch and sends the replies in one batch. */
  handleBatch(batch: RxBatch): void {
    const ifaceMac = this.opts.interfaceMac();
    for (let i = 0; i < batch.count; i++) {
      const offset = i * batch.slotSize;
      const length = Math.min(batch.lengths[i]!, batch.slotSize);
      const outcome = linkDrop(batch.packetTypes[i]!, batch.vlanTags[i]!, batch.buf, offset, ifaceMac) ?? this.handleFrame(batch.buf, offset, length, ifaceMac);
      this.counts[outcome]++;
    }
    this.txDropped += this.tx.flush(this.opts.conn, this.opts.onSendError);
  }

  /**
   * Classifies one frame at `buf[offset]` (`length` bytes received, all in
   * `buf`) that the link-layer rule let through and, when it is to be
   * answered, queues the NA.
   */
  handleFrame(buf: Buffer, offset: number, length: number, ifaceMac: number): NdpOutcome {
    if (length > ICMPV6_TYPE_OFFSET && buf[offset + ICMPV6_TYPE_OFFSET] === ICMPV6_NEIGHBOR_ADVERTISEMENT) {
      return this.handleAdvertisement(buf, offset, length, ifaceMac);
    }
    const ns = this.ns;
    const bad = decodeNs(buf, offset, length, ns);
    if (bad !== undefined) return `malformed:${bad}`;
    if (isMartianSource(ns.source)) return 'martian-source';

    // A DAD probe carries no Source LLA: the frame's source is the prober.
    if (isIpv6Unspecified(ns.source)) this.checkClaim(ns.target, 'dad-probe', ns.ethSrc, ifaceMac);
    else this.checkClaim(ns.source, 'solicitation-source', solicitorMac(ns), ifaceMac);
    const group = this.opts.vips.groupOf(ns.target);
    if (group === undefined) return this.opts.vips.isVip(ns.target) ? 'wrong-interface' : 'not-a-vip';
    const mac = group.mac ?? ifaceMac;
    if (!isForUs(ns, mac, ifaceMac)) return 'not-for-us';
    if (group.role !== 'MASTER') return 'not-master';

    if (this.tx.full) this.txDropped += this.tx.flush(this.opts.conn, this.opts.onSendError);
    this.tx.commit(encodeNaReply(this.tx.buf, this.tx.nextOffset(), ns, mac, this.opts.router(group)));
    return 'answered';
  }

  private handleAdvertisement(buf: Buffer, offset: number, length: number, ifaceMac: number): NdpOutcome {
    const bad = decodeNa(buf, offset, length, this.na);
    if (bad !== undefined) return `malformed-na:${bad}`;
    this.checkClaim(this.na.target, classifyAdvertisement(this.na), advertisedMac(this.na), ifaceMac);
    return 'advertisement';
  }

  /** Reports `claimerMac` claiming `address` when that is a VIP of this interface answered at another MAC. */
  private checkClaim(address: Ipv6Address, kind: NdpClaimKind, claimerMac: number, ifaceMac: number): void {
    const listener = this.opts.onForeignClaim;
    if (listener === undefined) return;
    const group = this.opts.vips.groupOf(address);
    if (group !== undefined && claimerMac !== (group.mac ?? ifaceMac)) listener(this.iface, group, address, kind, claimerMac, ifaceMac);
  }
}
