/**
 * The IPv4 announcement: gratuitous ARP, in the request form (RFC 5227
 * announcement, `arping -U`) or the reply form (`arping -A`).
 */
import { encodeGarp, type GarpForm } from '../wire/arp.js';
import type { AnnounceEncoder } from './announce-encoder.js';

export const arpAnnounceEncoder: AnnounceEncoder<GarpForm> = {
  family: 'ipv4',
  wordsPerAddress: 1,
  encode: (buf, offset, form, mac, ips, index) => encodeGarp(buf, offset, form, mac, ips[index]!),
};
