/**
 * The IPv6 announcement: an unsolicited Neighbor Advertisement (RFC 4861
 * §7.2.6) to ff02::1 with S=0, O=1 and the Target Link-Layer Address option,
 * the counterpart of a gratuitous ARP. O=1 because an NA without it cannot
 * correct a neighbour cache that still points at the old director. R is the
 * same as in the responder's answers (the interface's `forwarding` unless the
 * group says otherwise), so an announcement never flips a neighbour's
 * is-router flag; there is one encoder per R value.
 */
import { encodeUnsolicitedNa } from '../wire/ndp.js';
import { IPV6_WORDS } from '../vips/address-words.js';
import type { AnnounceEncoder } from './announce-encoder.js';

/** The one form of an IPv6 announcement (the counters' and metrics' `form` label). */
export type NaForm = 'na';

export const NA_FORMS: readonly NaForm[] = ['na'];

function naEncoder(router: boolean): AnnounceEncoder<NaForm> {
  // The pacer encodes one frame at a time, so one scratch address per encoder is enough.
  const target = new Uint32Array(IPV6_WORDS);
  return {
    family: 'ipv6',
    wordsPerAddress: IPV6_WORDS,
    encode: (buf, offset, _form, mac, ips, index) => {
      const at = index * IPV6_WORDS;
      for (let w = 0; w < IPV6_WORDS; w++) target[w] = ips[at + w]!;
      return encodeUnsolicitedNa(buf, offset, mac, target, router);
    },
  };
}

const HOST = naEncoder(false);
const ROUTER = naEncoder(true);

/** The unsolicited-NA encoder with R=`router`. */
export function naAnnounceEncoder(router: boolean): AnnounceEncoder<NaForm> {
  return router ? ROUTER : HOST;
}
