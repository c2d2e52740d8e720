/**
 * VIP entries as operators write them: `198.51.100.7`, `198.51.100.0/24`,
 * `198.51.100.10-198.51.100.20`, and exclusions `!198.51.100.9`,
 * `!198.51.100.0/30`. Pure parsing and expansion, no I/O.
 */
import { formatIpv4, parseIpv4 } from '../wire/ipv4.js';

/**
 * Largest block one entry may name: a /16. Bigger blocks are almost always a
 * typo (a /8 would be 16M VIPs) and would cost memory for nothing.
 */
export const MAX_BLOCK_PREFIX = 16;
export const MAX_BLOCK_SIZE = 2 ** (32 - MAX_BLOCK_PREFIX);

/** An inclusive address range to add or remove. */
export interface VipEntry {
  exclude: boolean;
  first: number;
  last: number;
}

export type VipEntryResult = { ok: true; entry: VipEntry } | { ok: false; message: string };

/** Parses one entry; on failure the message says what is wrong with it. */
export function parseVipEntry(raw: string): VipEntryResult {
  const text = raw.trim();
  const exclude = text.startsWith('!');
  const body = exclude ? text.slice(1).trim() : text;
  if (body === '') return { ok: false, message: `empty VIP entry "${raw}"` };
  const fail = (why: string): VipEntryResult => ({ ok: false, message: `invalid VIP entry "${text}": ${why}` });

  const slash = body.indexOf('/');
  if (slash >= 0) {
    const base = parseIpv4(body.slice(0, slash));
    const prefixText = body.slice(slash + 1);
    if (base === undefined) return fail('not an IPv4 address before "/"');
    if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) return fail('prefix length must be 0-32');
    const prefix = Number(prefixText);
    if (prefix < MAX_BLOCK_PREFIX) return fail(`blocks larger than /${MAX_BLOCK_PREFIX} are not allowed (got /${prefix})`);
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) {
      const network = base - (base % size);
      return fail(`host bits set; did you mean ${formatIpv4(network)}/${prefix}?`);
    }
    return { ok: true, entry: { exclude, first: base, last: base + size - 1 } };
  }

  const dash = body.indexOf('-');
  if (dash >= 0) {
    const first = parseIpv4(body.slice(0, dash).trim());
    const last = parseIpv4(body.slice(dash + 1).trim());
    if (first === undefined || last === undefined) return fail('a range is two IPv4 addresses joined by "-"');
    if (last < first) return fail('range end is below its start');
    if (last - first + 1 > MAX_BLOCK_SIZE) return fail(`a range may span at most ${MAX_BLOCK_SIZE} addresses (a /${MAX_BLOCK_PREFIX})`);
    return { ok: true, entry: { exclude, first, last } };
  }

  const ip = parseIpv4(body);
  if (ip === undefined) return fail('not an IPv4 address, CIDR block or range');
  return { ok: true, entry: { exclude, first: ip, last: ip } };
}

/**
 * Expands entries to the set of addresses they name: every inclusion, minus
 * every exclusion (exclusions win regardless of order, like a firewall's
 * deny list). Returns addresses in ascending order.
 */
export function expandVipEntries(entries: readonly VipEntry[]): number[] {
  const included = new Set<number>();
  for (const e of entries) {
    if (e.exclude) continue;
    for (let ip = e.first; ip <= e.last; ip++) included.add(ip);
  }
  for (const e of entries) {
    if (!e.exclude) continue;
    if (e.last - e.first + 1 < included.size) {
      for (let ip = e.first; ip <= e.last; ip++) included.delete(ip);
    } else {
      for (const ip of included) if (ip >= e.first && ip <= e.last) included.delete(ip);
    }
  }
  return [...included].sort((a, b) => a - b);
}
