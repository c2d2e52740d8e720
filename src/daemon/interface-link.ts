/**
 * InterfaceLink owns everything bound to one interface: its packet socket,
 * its responder and its watch. When the interface is recreated (new index)
 * it reopens the socket; while the interface is missing it waits.
 */
import type { Logger } from '../log.js';
import { PacketSocket } from '../native/packet-socket.js';
import { Responder, type ForeignClaimListener, type VipLookup } from '../responder/responder.js';
import { InterfaceWatch, readInterfaceState, type InterfaceState } from '../iface/interface-watch.js';
import { macFromBytes, formatMac } from '../wire/mac.js';
import type { FrameConn } from '../io/frame-conn.js';

export interface InterfaceLinkOptions {
  iface: string;
  vips: VipLookup;
  log: Logger;
  onForeignClaim?: ForeignClaimListener;
  /** Called after the socket is (re)opened, e.g. to re-announce MASTER VIPs. */
  onReopen?: (link: InterfaceLink) => void;
  /** Opens the wire; tests may inject a fake. */
  openConn?: (iface: string, ifindex: number) => FrameConn;
}

export class InterfaceLink {
  readonly iface: string;
  readonly responder: Responder;
  private conn: FrameConn | undefined;
  private mac = 0;
  private readonly watch: InterfaceWatch;
  private readonly log: Logger;
  private readonly opts: InterfaceLinkOptions;
  /** Socket errors seen (ENETDOWN while the link is down, and the like). */
  socketErrors = 0;
  reopens = 0;

  /**
   * Opens the interface's socket now.
   * @throws {SystemError} when the interface is missing (ENODEV) or the socket cannot be opened (EPERM).
   */
  constructor(opts: InterfaceLinkOptions) {
    this.opts = opts;
    this.iface = opts.iface;
    this.log = opts.log.child({ iface: opts.iface });
    const state = readInterfaceState(opts.iface);
    if (!state.present) {
      throw Object.assign(new Error(`interface ${opts.iface} does not exist (${state.error})`), { code: 'ENODEV', iface: opts.iface });
    }
    this.responder = new Responder({
      iface: opts.iface,
      conn: { start: () => undefined, send: (b) => this.conn?.send(b) ?? 0, close: () => undefined },
      interfaceMac: () => this.mac,
      vips: opts.vips,
      ...(opts.onForeignClaim === undefined ? {} : { onForeignClaim: opts.onForeignClaim }),
    });
    this.open(state);
    this.watch = new InterfaceWatch(opts.iface, (now, before) => this.onInterfaceChange(now, before), state);
    this.watch.start();
  }

  /** The connection GARPs are sent on; undefined while the interface is missing. */
  get wire(): FrameConn | undefined {
    return this.conn;
  }

  get macAddress(): number {
    return this.mac;
  }

  get interfaceState(): InterfaceState {
    return this.watch.state;
  }

  private open(state: InterfaceState & { present: true }): void {
    const open = this.opts.openConn ?? ((iface, ifindex) => new PacketSocket(iface, ifindex));
    const conn = open(this.iface, state.info.index);
    this.mac = macFromBytes(state.info.mac);
    conn.start(
      (batch) => this.responder.handleBatch(batch),
      (err) => {
        this.socketErrors++;
        this.log.debug({ err }, 'socket error');
      },
    );
    this.conn = conn;
  }

  private onInterfaceChange(now: InterfaceState, before: InterfaceState): void {
    if (!now.present) {
      this.log.warn({ reason: now.error }, 'interface disappeared; waiting for it to come back');
      this.conn?.close();
      this.conn = undefined;
      return;
    }
    const recreated = !before.present || before.info.index !== now.info.index;
    if (recreated || this.conn === undefined) {
      this.conn?.close();
      this.conn = undefined;
      try {
        this.open(now);
        this.reopens++;
        this.log.info({ ifindex: now.info.index, mac: formatMac(this.mac) }, 'interface (re)appeared; socket reopened');
      } catch (err) {
        this.log.error({ err }, 'cannot reopen socket; will retry');
        this.watch.forget();
        return;
      }
    } else {
      this.mac = macFromBytes(now.info.mac);
      this.log.info({ up: now.up, mac: formatMac(this.mac) }, now.up ? 'interface up' : 'interface down');
    }
    if (now.up) this.opts.onReopen?.(this);
  }

  close(): void {
    this.watch.stop();
    this.conn?.close();
    this.conn = undefined;
  }
}
