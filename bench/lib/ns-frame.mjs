// @ts-check
/**
 * The Neighbor Solicitation the NDP benchmarks flood with, built by the
 * daemon's own encoder (dist/wire/ndp.js encodeNs, as `probe` sends it): from
 * `source` with the client's MAC in its Source LLA option, to the target's
 * solicited-node group, hop limit 255. A responder answers it with a unicast
 * solicited NA to the client's MAC, which arp-sender -6 counts.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');

/**
 * The NS as hex, for arp-sender -F.
 * @param {string} clientMac
 * @param {string} source IPv6 source address
 * @param {string} target the VIP
 * @returns {Promise<string>}
 */
export async function nsFrameHex(clientMac, source, target) {
  const { encodeNs } = await import(join(DIST, 'wire', 'ndp.js'));
  const { parseIpv6 } = await import(join(DIST, 'wire', 'ipv6.js'));
  const words = (/** @type {string} */ text) => {
    const a = new Uint32Array(4);
    if (parseIpv6(text, a) !== undefined) throw new Error(`bad IPv6 address ${text}`);
    return a;
  };
  const buf = Buffer.alloc(128);
  const length = encodeNs(buf, 0, Number.parseInt(clientMac.replace(/:/g, ''), 16), words(source), words(target));
  return buf.subarray(0, length).toString('hex');
}
