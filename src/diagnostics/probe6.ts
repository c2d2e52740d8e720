/**
 * `probe` for IPv6 VIPs (issue 13): the NDP form of the HOWTO §6.10 test.
 * Sends an NS for each VIP from the director's link-local address on the
 * interface (to the VIP's solicited-node group, 33:33:ff:xx:xx:xx, hop limit
 * 255, Source LLA option: ndp.ts encodeNs) and counts every valid NA for a
 * VIP by the MAC it advertises (ndp-advert.ts). Never from the VIP itself:
 * an NS from the VIP would teach every listener the VIP's MAC.
 *
 * Its socket is its own for the probe's window, as for ARP (probe.ts): an
 * AF_PACKET socket for IPv6 whose filter passes only ICMPv6 NAs, closed when
 * the probe ends. The NAs answer our Source LLA, so they arrive unicast.
 */
import { fs } from '../util/node-builtins.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { check, native, systemError, type NativePoller } from '../native/addon.js';
import { interfaceInfo } from '../native/interface-info.js';
import { formatIpv6, parseIpv6, type Ipv6Address } from '../wire/ipv6.js';
import { ETHERTYPE_IPV6, encodeNs } from '../wire/ndp.js';
import { naSocketFilter, NDP_FILTER_CUT } from '../wire/ndp-filter.js';
import { advertisedMac, decodeNa, emptyNeighborAdvertisement } from '../wire/ndp-advert.js';
import { VipArpdError } from '../util/errors.js';
import { sortedIpv6Has } from '../vips/sorted-set.js';
import { IFA_F_DADFAILED, IFA_F_TENTATIVE, parseIfInet6, SCOPE_LINK } from './doctor6-facts.js';
import { sysctlKey } from './advice.js';
import type { ReplyCounts } from './probe-result.js';

/** Receive slot: an NA with its Target LLA is 86 bytes; room for a few more options. */
const RX_SLOT = NDP_FILTER_CUT;
const RX_BATCH = 64;
const TX_SLOT = 96;
const TX_CHUNK = 64;

/**
 * The first usable link-local address of `iface` in /proc/net/if_inet6 text:
 * scope link, neither tentative nor failed DAD (RFC 4862 §5.4: a tentative
 * address must not be a source). Pure.
 */
export function linkLocalOf(ifInet6: string, iface: string): Ipv6Address | undefined {
  const line = parseIfInet6(ifInet6).find((l) => l.iface === iface && l.scope === SCOPE_LINK && (l.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) === 0);
  if (line === undefined) return undefined;
  const out = new Uint32Array(4);
  parseIpv6(line.address, out);
  return out;
}

/**
 * Reads `iface`'s link-local address from /proc/net/if_inet6.
 * @throws {VipArpdError} ENOLINKLOCAL when it has none usable.
 */
export async function readLinkLocal(iface: string): Promise<Ipv6Address> {
  let text = '';
  try {
    text = await fs.promises.readFile('/proc/net/if_inet6', 'utf8');
  } catch {
    // No IPv6 in this kernel: the same error as no address.
  }
  const found = linkLocalOf(text, iface);
  if (found !== undefined) return found;
  throw new VipArpdError(
    'ENOLINKLOCAL',
    `probe: ${iface} has no usable IPv6 link-local address to solicit from (IPv6 disabled, addr_gen_mode none, or its address still tentative); ` +
      `check sysctl ${sysctlKey(iface, 'disable_ipv6', 'ipv6')} (must be 0) and ip -6 addr show dev ${iface} scope link`,
  );
}

/** One interface's IPv6 probe: its own socket, NS out, NAs counted per VIP and advertised MAC. */
export class Ipv6InterfaceProbe {
  /** keyed by the VIP's RFC 5952 text */
  readonly replies: ReplyCounts = new Map();
  readonly sourceText: string;
  private fd: number;
  private readonly poller: NativePoller;
  private readonly rx = Buffer.alloc(RX_SLOT * RX_BATCH);
  private readonly rxLengths = new Int32Array(RX_BATCH);
  private readonly tx = Buffer.alloc(TX_SLOT * TX_CHUNK);
  private readonly txLengths = new Int32Array(TX_CHUNK);
  private readonly na = emptyNeighborAdvertisement();
  private readonly targets: Uint32Array;

  /**
   * Opens the probe socket on `iface`.
   * @throws {SystemError} from socket(AF_PACKET) (EPERM without CAP_NET_RAW, ENODEV).
   */
  constructor(
    readonly iface: string,
    readonly mac: number,
    private readonly source: Ipv6Address,
    vips: readonly string[],
  ) {
    this.sourceText = formatIpv6(source);
    this.targets = new Uint32Array(4 * vips.length);
    vips.forEach((v, i) => {
      parseIpv6(v, this.targets, 4 * i);
      this.replies.set(formatIpv6(this.targets.subarray(4 * i, 4 * i + 4)), new Map());
    });
    this.fd = check(native.openPacket(interfaceInfo(iface).index, ETHERTYPE_IPV6, naSocketFilter()), 'socket(AF_PACKET)', iface);
    this.poller = new native.Poller(this.fd, () => this.drain());
    const rc = this.poller.start();
    if (rc < 0) {
      this.close();
      check(rc, 'uv_poll_start', iface);
    }
  }

  private drain(): void {
    while (this.fd >= 0) {
      const n = native.recvBatch(this.fd, this.rx, RX_SLOT, this.rxLengths, RX_BATCH);
      if (n <= 0) return;
      for (let i = 0; i < n; i++) {
        const length = this.rxLengths[i]!;
        const slot = this.rx.subarray(i * RX_SLOT, i * RX_SLOT + Math.min(length, RX_SLOT));
        if (decodeNa(slot, 0, length, this.na) !== undefined) continue;
        const macs = this.replies.get(formatIpv6(this.na.target));
        if (macs === undefined) continue;
        const mac = advertisedMac(this.na);
        macs.set(mac, (macs.get(mac) ?? 0) + 1);
      }
    }
  }

  /** Sends one NS per VIP, TX_CHUNK at a time, paced at `framesPerSecond` (0 = unpaced). */
  async sendRound(framesPerSecond: number, signal: AbortSignal): Promise<void> {
    const count = this.targets.length / 4;
    for (let i = 0; i < count; i += TX_CHUNK) {
      const n = Math.min(TX_CHUNK, count - i);
      for (let j = 0; j < n; j++) {
        this.txLengths[j] = encodeNs(this.tx, j * TX_SLOT, this.mac, this.source, this.targets.subarray(4 * (i + j), 4 * (i + j) + 4));
      }
      if (this.fd < 0) return;
      const sent = native.sendBatch(this.fd, this.tx, TX_SLOT, this.txLengths, n);
      if (sent < 0) throw new VipArpdError('EPROBE', `probe: sending NS on ${this.iface} failed: ${systemError(sent, 'sendmmsg', this.iface).message}`);
      if (framesPerSecond > 0 && i + TX_CHUNK < count) await sleep((TX_CHUNK * 1000) / framesPerSecond, undefined, { signal });
    }
  }

  close(): void {
    if (this.fd < 0) return;
    this.poller.stop();
    native.closeFd(this.fd);
    this.fd = -1;
  }
}

/**
 * `address` as RFC 5952 text when it is one of `vips` (4 words each, sorted
 * ascending as the IPv6 VIP table keeps them); else none. Pure.
 */
export function ipv6VipsMatching(vips: Uint32Array, address: Ipv6Address): string[] {
  return sortedIpv6Has(vips, address) ? [formatIpv6(address)] : [];
}
