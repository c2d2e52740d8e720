/**
 * The address families vip-arpd serves, and a VIP as a key that is the same
 * across modules for both: where sets, claims and announcements cross module
 * boundaries they carry the family (or a key that tells it), so the
 * protocol-neutral parts (announcer schedule and pacer, conflict log,
 * defence limiter, handover grace) never assume IPv4.
 */
import { formatIpv4 } from '../wire/ipv4.js';
import { IPV6_WORDS } from './address-words.js';

export type AddressFamily = 'ipv4' | 'ipv6';

/** uint32 words per address in a set's `ips`: 1 for IPv4, 4 for IPv6. */
export function wordsPerAddress(family: AddressFamily): number {
  return family === 'ipv4' ? 1 : IPV6_WORDS;
}

/**
 * A VIP as a map key: an IPv4 address as its uint32 (no allocation on the
 * receive path), an IPv6 address (4 x uint32, src/wire/ipv6.ts) as its
 * RFC 5952 text. The type tells the family; the two never compare equal.
 */
export type VipKey = number | string;

export function familyOfKey(key: VipKey): AddressFamily {
  return typeof key === 'number' ? 'ipv4' : 'ipv6';
}

/** The key as an operator reads it: dotted quad, or the IPv6 text it already is. */
export function formatVipKey(key: VipKey): string {
  return typeof key === 'number' ? formatIpv4(key) : key;
}
