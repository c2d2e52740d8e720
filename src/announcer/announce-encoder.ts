/**
 * The per-family half of an announcement. The schedule (announce-schedule.ts),
 * the pacer (announce-pacer.ts) and the counters are the same for every family;
 * what differs is the bytes of one frame and the forms a group's mode asks
 * for. IPv4: gratuitous ARP (arp-announce.ts). IPv6: an unsolicited Neighbor
 * Advertisement encoder over src/wire/ndp.ts `encodeUnsolicitedNa` slots in
 * here, with 4 words per address.
 */
import type { AddressFamily } from '../vips/address-family.js';

export interface AnnounceEncoder<Form extends string = string> {
  readonly family: AddressFamily;
  /** uint32 words per address in a set's `ips`: 1 for IPv4, 4 for IPv6 */
  readonly wordsPerAddress: number;
  /**
   * Writes the frame that announces the `index`-th address of `ips` in
   * `form`, sent from `mac`, at `buf[offset]`; returns its length.
   */
  encode(buf: Uint8Array, offset: number, form: Form, mac: number, ips: ArrayLike<number>, index: number): number;
}
