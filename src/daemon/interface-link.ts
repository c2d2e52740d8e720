/**
 * InterfaceLink owns everything bound to one interface: its packet socket,
 * its responder, its NDP side (ndp-link.ts: socket, responder and
 * solicited-node groups, while the interface has IPv6 VIPs) and its watch.
 * When the interface is recreated (new index) it reopens both sockets and
 * joins the groups again; while the interface is missing (not created yet at
 * boot, a VLAN or bond that comes up late, or deleted) it waits for it.
 */
import type { Logger } from '../log/log.js';
import { PacketSocket } from '../native/packet-socket.js';
import { Responder, type VipLookup } from '../responder/responder.js';
import type { ForeignClaimSink } from '../responder/foreign-claim.js';
import { InterfaceWatch, type InterfaceState } from '../iface/interface-watch.js';
import type { LinkMonitor } from '../iface/link-monitor.js';
import { macFromBytes, formatMac } from '../wire/mac.js';
import type { FrameConn } from '../io/frame-conn.js';
import { SendErrorLog, trySend } from '../io/send-errors.js';
import { NdpLink, type NdpLinkOptions } from './ndp-link.js';

/** A bind or ioctl on an interface that went away in between. */
const GONE_CODES = new Set(['ENODEV', 'ENXIO']);

/** What status reports: the interface is missing, present but down, or up and running. */
export type LinkPhase = 'missing' | 'down' | 'up';

export interface InterfaceLinkOptions {
  iface: string;
  vips: VipLookup;
  log: Logger;
  onForeignClaim?: ForeignClaimSink;
  /** Called after the socket is (re)opened or the link came up, e.g. to re-announce MASTER VIPs. */
  onReopen?: (link: InterfaceLink) => void;
  /** Called after every change of {@link InterfaceLink.phase} (status lines). */
  onPhaseChange?: (link: InterfaceLink) => void;
  /** Link events; without one the interface is polled. */
  monitor?: LinkMonitor;
  /** Opens the wire; tests may inject a fake. */
  openConn?: (iface: string, ifindex: number) => FrameConn;
  /** The IPv6 side (IPv6 VIPs, NDP claims, fakes); without it the link answers ARP only. */
  ndp?: Pick<NdpLinkOptions, 'vips' | 'onForeignClaim' | 'openConn' | 'openMemberships' | 'maxGroups' | 'forwarding'>;
}

export class InterfaceLink {
  readonly iface: string;
  readonly responder: Responder;
  /** the NDP side; undefined for a link built without one (ARP-only tests) */
  readonly ndp: NdpLink | undefined;
  private conn: FrameConn | undefined;
  private mac = 0;
  private readonly watch: InterfaceWatch;
  private readonly log: Logger;
  private readonly opts: InterfaceLinkOptions;
  /** Socket errors seen (ENETDOWN while the link is down, and the like). */
  socketErrors = 0;
  reopens = 0;
  /**
   * Sends the kernel refused, per errno code (ENETDOWN while the link is
   * down, ENOBUFS, …), replies and GARPs alike: the code is kept here even
   * where the sender only counts a dropped frame.
   */
  readonly sendErrors: Record<string, number> = {};
  /** Link down→up transitions seen (each one re-announces). */
  flaps = 0;
  /** When the interface was last seen missing (ms since the epoch); undefined while present. */
  missingSince: number | undefined;
  private reportedPhase: LinkPhase;

  /**
   * Opens the interface's socket now, or waits for the interface when it does
   * not exist yet (logged once, reported by {@link phase}).
   * @throws {SystemError} when the interface exists but the socket cannot be opened (EPERM).
   */
  constructor(opts: InterfaceLinkOptions) {
    this.opts = opts;
    this.iface = opts.iface;
    this.log = opts.log.child({ iface: opts.iface });
    const replyErrors = new SendErrorLog(this.log);
    this.responder = new Responder({
      iface: opts.iface,
      conn: this.countingConn,
      interfaceMac: () => this.mac,
      vips: opts.vips,
      ...(opts.onForeignClaim === undefined ? {} : { onForeignClaim: opts.onForeignClaim }),
      onSendError: (err) => replyErrors.warn('reply', err, {}, 'cannot send ARP replies; counted as dropped'),
    });
    this.ndp =
      opts.ndp === undefined
        ? undefined
        : new NdpLink({
            ...opts.ndp,
            iface: opts.iface,
            log: this.log,
            interfaceMac: () => this.mac,
            sendVia: (get) => this.sendVia(get),
            onSendError: (err) => replyErrors.warn('na', err, {}, 'cannot send Neighbor Advertisements; counted as dropped'),
            onSocketError: (err) => this.socketError(err),
          });
    this.watch = new InterfaceWatch(opts.iface, (now, before) => this.onInterfaceChange(now, before), opts.monitor);
    const state = this.watch.state;
    try {
      if (state.present) this.open(state);
      else this.waitFor(state);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      // Deleted between the read and the bind: wait for it like any missing interface.
      if (!GONE_CODES.has(code)) {
        this.watch.stop();
        throw err;
      }
      this.waitFor({ present: false, error: code });
    }
    this.reportedPhase = this.phase;
    this.watch.start();
  }

  /** The socket's send, counting each refusal by errno code in {@link sendErrors}; it rethrows. */
  private readonly countingConn: FrameConn = this.sendVia(() => this.conn);

  /** Sends on the socket `get` returns (none: nothing sent), each refusal counted by errno code in {@link sendErrors} and rethrown. */
  private sendVia(get: () => FrameConn | undefined): FrameConn {
    return {
      start: () => undefined,
      send: (b) => {
        const conn = get();
        if (conn === undefined) return 0;
        const { sent, error } = trySend(conn, b);
        if (error === undefined) return sent;
        this.sendErrors[error.code] = (this.sendErrors[error.code] ?? 0) + 1;
        throw error;
      },
      close: () => undefined,
    };
  }

  private socketError(err: Error): void {
    this.socketErrors++;
    this.log.debug({ code: (err as NodeJS.ErrnoException).code }, 'socket error');
  }

  /**
   * Brings the NDP side in line with the IPv6 table in force (after every
   * apply: ndp-links-feature.ts); nothing while the interface is missing, as
   * its reappearance does the same.
   */
  syncIpv6(): void {
    const s = this.watch.state;
    if (s.present && this.conn !== undefined) this.ndp?.sync(s.info.index);
  }

  /** The connection GARPs are sent on; undefined while the interface is missing. */
  get wire(): FrameConn | undefined {
    return this.conn === undefined ? undefined : this.countingConn;
  }

  get macAddress(): number {
    return this.mac;
  }

  get interfaceState(): InterfaceState {
    return this.watch.state;
  }

  get phase(): LinkPhase {
    const s = this.watch.state;
    if (!s.present || this.conn === undefined) return 'missing';
    return s.up ? 'up' : 'down';
  }

  private open(state: InterfaceState & { present: true }): void {
    const open = this.opts.openConn ?? ((iface, ifindex) => new PacketSocket(iface, ifindex));
    const conn = open(this.iface, state.info.index);
    this.mac = macFromBytes(state.info.mac);
    conn.start(
      (batch) => this.responder.handleBatch(batch),
      (err) => this.socketError(err),
    );
    this.conn = conn;
    this.missingSince = undefined;
    this.ndp?.sync(state.info.index);
  }

  /** One line, no stack: a missing interface is an expected condition at boot. */
  private waitFor(state: InterfaceState & { present: false }): void {
    this.missingSince ??= Date.now();
    this.log.warn({ reason: state.error }, 'interface does not exist; its VIPs are answered as soon as it appears');
  }

  private onInterfaceChange(now: InterfaceState, before: InterfaceState): void {
    if (!now.present) {
      this.conn?.close();
      this.conn = undefined;
      this.ndp?.close();
      this.waitFor(now);
      this.notePhase();
      return;
    }
    const recreated = !before.present || before.info.index !== now.info.index;
    if (recreated || this.conn === undefined) {
      this.conn?.close();
      this.conn = undefined;
      this.ndp?.close();
      try {
        this.open(now);
        this.reopens++;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        this.log.error({ code: e.code, reason: e.message }, 'cannot open socket; will retry');
        this.watch.forget();
        return;
      }
      if (now.up) this.opts.onReopen?.(this);
      this.notePhase();
      // Logged after the re-announce: a synchronous log write must not delay the first GARP.
      this.log.info({ ifindex: now.info.index, mac: formatMac(this.mac), up: now.up }, 'interface (re)appeared; socket reopened');
      return;
    }
    this.mac = macFromBytes(now.info.mac);
    const cameUp = now.up && !(before.present && before.up);
    if (cameUp) this.flaps++;
    if (now.up) this.opts.onReopen?.(this);
    this.notePhase();
    this.log.info({ up: now.up, mac: formatMac(this.mac) }, now.up ? 'interface up' : 'interface down');
  }

  private notePhase(): void {
    const phase = this.phase;
    if (phase === this.reportedPhase) return;
    this.reportedPhase = phase;
    this.opts.onPhaseChange?.(this);
  }

  close(): void {
    this.watch.stop();
    this.conn?.close();
    this.conn = undefined;
    this.ndp?.close();
  }
}
