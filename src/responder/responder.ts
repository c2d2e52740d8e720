/**
 * Responder: one per interface. Decides, for every ARP frame received, whether
 * to answer (the rules, in order, are in arp-rules.ts), and answers requests
 * for VIPs of MASTER groups with a unicast reply (RFC 826; RFC 5227 probes
 * included). Of roles it reads one thing, per frame: the live role of the
 * VIP's group (GroupState, owned by the role machine, reached through the VIP
 * table), so a release takes effect from the next frame on; of config it
 * knows only the VIP bindings it is handed.
 */
import { ARPOP_REQUEST, decodeArp, emptyArpFrame, encodeArpReply, type ArpFrame } from '../wire/arp.js';
import { BROADCAST_MAC } from '../wire/mac.js';
import { TxBatch } from '../io/tx-batch.js';
import type { SystemError } from '../util/errors.js';
import type { FrameConn, RxBatch } from '../io/frame-conn.js';
import { isMartianSender, linkDrop } from './arp-rules.js';
import type { InterfaceVips } from '../vips/vip-table.js';
import type { ForeignClaimSink } from './foreign-claim.js';
import { zeroOutcomeCounts, type Outcome, type OutcomeCounts } from './outcome.js';

/** What the responder asks about VIPs; backed by the current VipTable. */
export interface VipLookup {
  /** The VIPs of this responder's interface; a fresh table after each reload. */
  onInterface(): InterfaceVips | undefined;
  /** True when `ip` is a VIP on any interface. */
  isVip(ip: number): boolean;
}

export interface ResponderOptions {
  iface: string;
  conn: FrameConn;
  /** The interface's current MAC (it may change when the interface is recreated). */
  interfaceMac: () => number;
  vips: VipLookup;
  onForeignClaim?: ForeignClaimSink;
  /** Told of each refused send of replies (the frames are counted in {@link Responder.txDropped} either way). */
  onSendError?: (err: SystemError) => void;
}

export class Responder {
  readonly iface: string;
  readonly counts: OutcomeCounts = zeroOutcomeCounts();
  /** Replies the kernel did not accept (socket buffer full, interface gone). */
  txDropped = 0;
  private readonly opts: ResponderOptions;
  private readonly frame: ArpFrame = emptyArpFrame();
  private readonly tx: TxBatch;

  /**
   * @param txCapacity replies per sendmmsg; the default matches the packet
   * socket's receive batch (RX_BATCH) so a batch's replies leave in one call.
   */
  constructor(opts: ResponderOptions, txCapacity = 256) {
    this.opts = opts;
    this.iface = opts.iface;
    this.tx = new TxBatch(txCapacity);
  }

  /** Handles one received batch and sends the replies in one batch. */
  handleBatch(batch: RxBatch): void {
    const vips = this.opts.vips.onInterface();
    const ifaceMac = this.opts.interfaceMac();
    for (let i = 0; i < batch.count; i++) {
      const offset = i * batch.slotSize;
      // Every frame off the socket holds at least its Ethernet header.
      const outcome =
        linkDrop(batch.packetTypes[i]!, batch.vlanTags[i]!, batch.buf, offset, ifaceMac) ??
        this.handleFrame(batch.buf, offset, batch.lengths[i]!, vips, ifaceMac);
      this.counts[outcome]++;
    }
    this.txDropped += this.tx.flush(this.opts.conn, this.opts.onSendError);
  }

  /**
   * Classifies one frame at `buf[offset]` (`length` bytes received) that the
   * link-layer rule let through and, when it is to be answered, queues the reply.
   */
  handleFrame(buf: Buffer, offset: number, length: number, vips: InterfaceVips | undefined, ifaceMac: number): Outcome {
    const f = this.frame;
    const bad = decodeArp(buf, offset, length, f);
    if (bad !== undefined) return `malformed:${bad}`;

    const claimed = vips?.groupOf(f.senderIp);
    if (claimed !== undefined && f.senderMac !== (claimed.mac ?? ifaceMac)) {
      this.opts.onForeignClaim?.(this.iface, claimed, f, ifaceMac);
    }

    if (f.op !== ARPOP_REQUEST) return 'not-request';
    if (isMartianSender(f.senderIp)) return 'martian-sender';
    if (f.senderIp === f.targetIp) return 'gratuitous';
    const group = vips?.groupOf(f.targetIp);
    if (group === undefined) return this.opts.vips.isVip(f.targetIp) ? 'wrong-interface' : 'not-a-vip';
    const mac = group.mac ?? ifaceMac;
    if (f.ethDst !== BROADCAST_MAC && f.ethDst !== mac && f.ethDst !== ifaceMac) return 'not-for-us';
    if (group.role !== 'MASTER') return 'not-master';

    if (this.tx.full) this.txDropped += this.tx.flush(this.opts.conn, this.opts.onSendError);
    this.tx.commit(encodeArpReply(this.tx.buf, this.tx.nextOffset(), f, mac, f.targetIp));
    return 'answered';
  }
}
