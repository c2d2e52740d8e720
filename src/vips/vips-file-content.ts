/**
 * What a group's VIP file gave a snapshot, kept as the next reload's stand-in
 * for the file when it is found empty (config/load-snapshot.ts): the VIPs the
 * text meant, not the text. For a group with no inline VIPs they are the
 * group's own arrays, so keeping them costs nothing, where the text of a
 * 100k + 100k-VIP file was 3.4 MB kept through every reload
 * (docs/benchmarks.md, "Reload of 100k + 100k VIPs").
 *
 * Exact, because exclusions apply to a whole group whatever their order: the
 * file's inclusions less its exclusions, and its exclusions, give the group's
 * other entries the same exclusions the text did. Plain typed arrays (no
 * class), so a worker's structured clone keeps it whole.
 */
import { EXCLUDE, IPV6, MAX_SPAN, type EntryPosition, type VipEntryList } from './vip-entry-list.js';
import { IPV6_WORDS, offsetWords } from './address-words.js';
import { expandVipEntriesSteps } from './vip-spec.js';
import { expandIpv6VipEntriesSteps } from './ipv6-expand.js';

export interface VipsFileContent {
  /** the file's IPv4 VIPs: its inclusions less its exclusions, ascending, unique */
  vips: Uint32Array;
  /** the same of IPv6, 4 words per address */
  ipv6Vips: Uint32Array;
  /** the file's IPv4 exclusions: [first address, span] per entry */
  excluded: Uint32Array;
  /** the file's IPv6 exclusions: [4 words of the first address, span] per entry */
  excluded6: Uint32Array;
}

/** The exclusion entries of `list` in [from, to). */
export function exclusionsOf(list: VipEntryList, from: number, to: number): Pick<VipsFileContent, 'excluded' | 'excluded6'> {
  let v4 = 0;
  let v6 = 0;
  for (let i = from; i < to; i++) {
    const kind = list.kindOf(i);
    if (kind === EXCLUDE) v4++;
    else if (kind === (IPV6 | EXCLUDE)) v6++;
  }
  const excluded = new Uint32Array(2 * v4);
  const excluded6 = new Uint32Array((IPV6_WORDS + 1) * v6);
  let a = 0;
  let b = 0;
  for (let i = from; i < to; i++) {
    const kind = list.kindOf(i);
    if (kind === EXCLUDE) {
      excluded[a++] = list.firstOf(i);
      excluded[a++] = list.spanOf(i);
    } else if (kind === (IPV6 | EXCLUDE)) {
      excluded6.set(list.ipv6Firsts.subarray(list.ipv6FirstAt(i), list.ipv6FirstAt(i) + IPV6_WORDS), b);
      excluded6[b + IPV6_WORDS] = list.spanOf(i);
      b += IPV6_WORDS + 1;
    }
  }
  return { excluded, excluded6 };
}

/** The content of `list`'s entries [from, to) on their own (a group's VIP file beside its inline VIPs). */
export function* vipsFileContentSteps(list: VipEntryList, from: number, to: number): Generator<void, VipsFileContent> {
  const vips = yield* expandVipEntriesSteps(list, from, to);
  const ipv6Vips = yield* expandIpv6VipEntriesSteps(list, from, to);
  return { vips, ipv6Vips, ...exclusionsOf(list, from, to) };
}

/**
 * Adds `content` to `into` as entries written `at`: its VIPs as runs of
 * consecutive addresses (a /16 is one entry), its exclusions as they were.
 */
export function addVipsFileContent(into: VipEntryList, content: VipsFileContent, at: EntryPosition): void {
  forEachRun(content.vips, 1, (from, span) => into.push(false, content.vips[from]!, content.vips[from]! + span, at));
  forEachRun(content.ipv6Vips, IPV6_WORDS, (from, span) => into.pushIpv6(false, content.ipv6Vips, from, span, at));
  const { excluded, excluded6 } = content;
  for (let i = 0; i < excluded.length; i += 2) into.push(true, excluded[i]!, excluded[i]! + excluded[i + 1]!, at);
  for (let i = 0; i < excluded6.length; i += IPV6_WORDS + 1) into.pushIpv6(true, excluded6, i, excluded6[i + IPV6_WORDS]!, at);
}

/** Calls `visit(offset of the run's first address, span)` for each run of consecutive addresses of ascending `words`, `width` words each. */
function forEachRun(words: Uint32Array, width: number, visit: (from: number, span: number) => void): void {
  let from = 0;
  let span = 0;
  for (let at = width; at <= words.length; at += width) {
    if (at < words.length && span < MAX_SPAN && offsetWords(words, from, words, at, width) === span + 1) {
      span++;
      continue;
    }
    visit(from, span);
    from = at;
    span = 0;
  }
}
