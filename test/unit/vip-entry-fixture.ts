/** Helpers for the VIP entry tests of both families (vips.test.ts, vips-ipv6.test.ts). */
import { parseVipEntry } from '../../src/vips/vip-spec.js';
import { VipEntryList } from '../../src/vips/vip-entry-list.js';

/** One entry parsed into a list of its own: the entry as text, or the problem. */
export function parseOne(s: string) {
  const list = new VipEntryList(1);
  return parseVipEntry(s, list) ?? list.at(0);
}

/** An entry as `VipEntryList.at` gives it, without a position. */
export function entryOf(family: 4 | 6, exclude: boolean, first: string, last = first) {
  return { family, exclude, first, last };
}
