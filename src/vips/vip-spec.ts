/**
 * VIP entries as operators write them, IPv4 and IPv6 alike:
 * `198.51.100.7`, `2001:db8::7`, blocks `198.51.100.0/24`, `2001:db8::/120`,
 * ranges `198.51.100.10-198.51.100.20`, `2001:db8::a-2001:db8::14`, and
 * exclusions `!198.51.100.9`, `!2001:db8::/126`. IPv6 addresses in every
 * form inet_pton(3) accepts (wire/ipv6.ts). Pure parsing and expansion, no I/O.
 */
import { formatIpv4, parseIpv4 } from '../wire/ipv4.js';
import { formatIpv6, isIpv6LinkLocal, isIpv6Loopback, isIpv6Multicast, isIpv6Unspecified, parseIpv6 } from '../wire/ipv6.js';
import { addWords, compareWords, offsetWords } from './address-words.js';
import { EXCLUDE, MAX_SPAN, type EntryKind, type EntryPosition, type VipEntryList } from './vip-entry-list.js';
import { releaseBuffers } from '../util/release-buffer.js';
import { growRanges, mergedRanges, shrinkRanges, trimmed, type MergedRanges } from './merged-ranges.js';
import { runToEnd } from '../util/run-steps.js';

/**
 * Largest block one entry may name: 65,536 addresses, a /16 in IPv4, a /112
 * in IPv6. Bigger blocks are almost always a typo (a /8 would be 16M VIPs, an
 * IPv6 /64 more addresses than any memory) and would cost memory for nothing.
 */
export const MAX_BLOCK_SIZE = MAX_SPAN + 1;
export const MAX_BLOCK_PREFIX = 32 - Math.log2(MAX_BLOCK_SIZE);
export const MAX_IPV6_BLOCK_PREFIX = 128 - Math.log2(MAX_BLOCK_SIZE);

/** What is wrong with an entry, and where: `column` (1-based, within the raw text) points at the part that is wrong. */
export interface VipEntryProblem {
  message: string;
  column: number;
}

/** What is wrong with an address, and where in its text (0-based); `whole`: `why` needs no context. */
interface AddressProblem {
  why: string;
  at: number;
  whole?: true;
}

/** What parsing needs to know of an address family. */
interface AddressFamily {
  readonly name: 'IPv4' | 'IPv6';
  readonly bits: number;
  /** 32-bit words per address */
  readonly width: number;
  readonly maxBlockPrefix: number;
  /** Parses `text` into out[at, at+width); a detail of what is wrong (maybe ''), or undefined when it parses. */
  parse(text: string, out: Uint32Array, at: number): AddressProblem | undefined;
  format(words: Uint32Array, at: number): string;
  /** Why the address at words[at] may not be (or start or end) a VIP, if it may not. */
  refusal(words: Uint32Array, at: number): string | undefined;
  add(list: VipEntryList, exclude: boolean, words: Uint32Array, at: number, span: number, where: EntryPosition): void;
}

const IPV4_FAMILY: AddressFamily = {
  name: 'IPv4',
  bits: 32,
  width: 1,
  maxBlockPrefix: MAX_BLOCK_PREFIX,
  parse(text, out, at) {
    const ip = parseIpv4(text);
    if (ip === undefined) return { why: '', at: 0 };
    out[at] = ip;
    return undefined;
  },
  format: (words, at) => formatIpv4(words[at]!),
  refusal: () => undefined,
  add: (list, exclude, words, at, span, where) => list.push(exclude, words[at]!, words[at]! + span, where),
};

/** One address of the parse, for the class checks (which take an address at index 0). */
const probe6 = new Uint32Array(4);

const IPV6_FAMILY: AddressFamily = {
  name: 'IPv6',
  bits: 128,
  width: 4,
  maxBlockPrefix: MAX_IPV6_BLOCK_PREFIX,
  parse(text, out, at) {
    const e = parseIpv6(text, out, at);
    if (e === undefined) return undefined;
    if (e.code === 'zone-index') {
      const zone = text.indexOf('%');
      return { why: `a VIP has no zone index ("${text.slice(zone)}"): the group's interface says where it is answered`, at: zone, whole: true };
    }
    return { why: e.message, at: 0 };
  },
  format(words, at) {
    for (let w = 0; w < 4; w++) probe6[w] = words[at + w]!;
    return formatIpv6(probe6);
  },
  refusal(words, at) {
    for (let w = 0; w < 4; w++) probe6[w] = words[at + w]!;
    const what = ipv6Class(probe6);
    return what === undefined ? undefined : `${formatIpv6(probe6)} ${what}`;
  },
  add: (list, exclude, words, at, span, where) => list.pushIpv6(exclude, words, at, span, where),
};

/** What `a` is when it may not be a VIP: the classes that are never answered on a wire for a host. */
function ipv6Class(a: Uint32Array): string | undefined {
  if (isIpv6Multicast(a)) return 'is a multicast address (ff00::/8); a VIP is unicast';
  if (isIpv6LinkLocal(a)) return 'is link-local (fe80::/10); a VIP is a global or unique-local address';
  if (isIpv6Loopback(a)) return 'is the loopback address';
  if (isIpv6Unspecified(a)) return 'is the unspecified address';
  if (a[0] === 0 && a[1] === 0 && a[2] === 0xffff) return `is IPv4-mapped; write the IPv4 address ${formatIpv4(a[3]!)} instead`;
  return undefined;
}

/** IPv6 text always has a colon, IPv4 text never. */
function familyOf(text: string): AddressFamily {
  return text.includes(':') ? IPV6_FAMILY : IPV4_FAMILY;
}

/** The entry's first and last address as parsed: words [0, 4) and [4, 8). */
const parsed = new Uint32Array(8);
const FIRST = 0;
const LAST = 4;

/**
 * Parses one entry and adds it to `into` as written at `where`: one parse,
 * straight into the list's typed columns. On failure nothing is added and
 * the problem says what is wrong with the entry and where.
 */
export function parseVipEntry(raw: string, into: VipEntryList, where: EntryPosition = {}): VipEntryProblem | undefined {
  const text = raw.trim();
  const exclude = text.startsWith('!');
  const body = exclude ? text.slice(1).trim() : text;
  /** index of `body` in `raw`, so columns point into what the operator wrote */
  const bodyAt = raw.length - raw.trimStart().length + (exclude ? text.length - body.length : 0);
  if (body === '') return { message: `empty VIP entry "${raw}"`, column: bodyAt + 1 };
  const bad = parseBody(body, exclude, into, where);
  return bad === undefined ? undefined : { message: `invalid VIP entry "${text}": ${bad.why}`, column: bodyAt + bad.at + 1 };
}

/** The problem of an address, in the context of what was expected there. */
function explain(context: string, p: AddressProblem): AddressProblem {
  return { why: p.whole === true ? p.why : p.why === '' ? context : `${context} (${p.why})`, at: p.at };
}

/** What is wrong `at` (0-based) in the entry's body. */
function wrong(why: string, at = 0): AddressProblem {
  return { why, at };
}

/** Parses an entry without its `!` into `into`; what is wrong and where in `body` when it does not parse. */
function parseBody(body: string, exclude: boolean, into: VipEntryList, where: EntryPosition): AddressProblem | undefined {
  const slash = body.indexOf('/');
  if (slash >= 0) {
    const family = familyOf(body.slice(0, slash));
    const bad = family.parse(body.slice(0, slash), parsed, FIRST);
    if (bad !== undefined) return explain(`not an ${family.name} address before "/"`, bad);
    const prefixText = body.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > family.bits) return wrong(`prefix length must be 0-${family.bits}`, slash + 1);
    const prefix = Number(prefixText);
    if (prefix < family.maxBlockPrefix) return wrong(`blocks larger than /${family.maxBlockPrefix} are not allowed (got /${prefix})`, slash + 1);
    // At most 2^16 addresses: the host bits are all in the last word.
    const size = 2 ** (family.bits - prefix);
    const low = FIRST + family.width - 1;
    if (parsed[low]! % size !== 0) {
      parsed[low] = parsed[low]! - (parsed[low]! % size);
      return wrong(`host bits set; did you mean ${family.format(parsed, FIRST)}/${prefix}?`);
    }
    addWords(parsed, FIRST, size - 1, parsed, LAST, family.width);
    const refused = family.refusal(parsed, FIRST) ?? family.refusal(parsed, LAST);
    if (refused !== undefined) return wrong(refused);
    family.add(into, exclude, parsed, FIRST, size - 1, where);
    return undefined;
  }

  const dash = body.indexOf('-');
  if (dash >= 0) {
    const firstText = body.slice(0, dash).trim();
    const lastText = body.slice(dash + 1).trim();
    /** where the range's end is written in `body` (after "-" and any blanks) */
    const lastAt = body.length - body.slice(dash + 1).trimStart().length;
    const family = familyOf(firstText);
    if (lastText !== '' && familyOf(lastText) !== family) {
      return wrong(`both ends of a range must be of one family (here an ${family.name} and an ${familyOf(lastText).name} address)`, lastAt);
    }
    const joined = (): string => `a range is two ${family.name} addresses joined by "-"`;
    const badFirst = family.parse(firstText, parsed, FIRST);
    if (badFirst !== undefined) return explain(joined(), badFirst);
    const badLast = family.parse(lastText, parsed, LAST);
    if (badLast !== undefined) return explain(joined(), { ...badLast, at: lastAt + badLast.at });
    if (compareWords(parsed, LAST, parsed, FIRST, family.width) < 0) return wrong('range end is below its start', lastAt);
    const span = offsetWords(parsed, FIRST, parsed, LAST, family.width);
    if (span < 0 || span > MAX_SPAN) return wrong(`a range may span at most ${MAX_BLOCK_SIZE} addresses (a /${family.maxBlockPrefix})`, lastAt);
    const refusedFirst = family.refusal(parsed, FIRST);
    if (refusedFirst !== undefined) return wrong(refusedFirst);
    const refusedLast = family.refusal(parsed, LAST);
    if (refusedLast !== undefined) return wrong(refusedLast, lastAt);
    family.add(into, exclude, parsed, FIRST, span, where);
    return undefined;
  }

  const family = familyOf(body);
  const bad = family.parse(body, parsed, FIRST);
  if (bad !== undefined) return explain(family === IPV4_FAMILY ? 'not an IPv4 or IPv6 address, CIDR block or range' : 'not an IPv6 address', bad);
  const refused = family.refusal(parsed, FIRST);
  if (refused !== undefined) return wrong(refused);
  family.add(into, exclude, parsed, FIRST, 0, where);
  return undefined;
}

/**
 * A range as one sortable number: start × 2^17 + (end − start). Ranges span at
 * most 2^16 addresses, so the sum stays exact in a double (< 2^49), and a
 * Float64Array of them sorts by start natively, with no comparator and no
 * object per range.
 */
const SPAN = 2 ** 17;

/**
 * Working arrays of {@link expandVipEntries}, grown as needed and reused: a
 * config with 65,535 one-VIP groups expands 65,535 lists, and fresh typed
 * arrays for each (a microsecond apiece, and garbage) took over a second.
 */
const SCRATCH_KEPT = 64;
/** Addresses written between two pauses of {@link expandVipEntriesSteps}: about a millisecond. */
const ADDRESSES_PER_STEP = 65_536;
const scratch = { keys: new Float64Array(SCRATCH_KEPT), inc: mergedRanges(SCRATCH_KEPT), exc: mergedRanges(SCRATCH_KEPT) };

/** Lets go of working arrays grown by a large list (a 3M-entry config would keep 70 MB). */
function shrinkScratch(): void {
  if (scratch.keys.length > SCRATCH_KEPT) {
    releaseBuffers(scratch.keys);
    scratch.keys = new Float64Array(SCRATCH_KEPT);
  }
  shrinkRanges(scratch.inc, SCRATCH_KEPT);
  shrinkRanges(scratch.exc, SCRATCH_KEPT);
}

/** The IPv4 entries of `kind` (inclusions or exclusions) in [from, to) of `list`, sorted and merged where they overlap or touch, into `out`. */
function* mergeEntries(list: VipEntryList, from: number, to: number, kind: EntryKind, out: MergedRanges): Generator<void, MergedRanges> {
  let n = 0;
  for (let i = from; i < to; i++) if (list.kindOf(i) === kind) n++;
  yield;
  // Grown to what this list needs, at least doubling (for many small lists one
  // after another). The ranges grow as they are merged: 100,000 consecutive
  // addresses are one range, not 100,000 rows of room (0.8 MB).
  if (scratch.keys.length < n) {
    releaseBuffers(scratch.keys);
    scratch.keys = new Float64Array(Math.max(n, 2 * scratch.keys.length));
  }
  const keys = scratch.keys.subarray(0, n);
  n = 0;
  for (let i = from; i < to; i++) {
    if (list.kindOf(i) === kind) keys[n++] = list.firstOf(i) * SPAN + list.spanOf(i);
  }
  yield;
  if (n > 1) keys.sort();
  yield;
  let count = 0;
  for (let k = 0; k < n; k++) {
    const key = keys[k]!;
    const start = Math.floor(key / SPAN);
    const end = start + (key % SPAN);
    if (count > 0 && start <= out.last[count - 1]! + 1) {
      if (end > out.last[count - 1]!) out.last[count - 1] = end;
    } else {
      if (count === out.first.length) growRanges(out);
      out.first[count] = start;
      out.last[count++] = end;
    }
  }
  out.count = count;
  return out;
}

/**
 * Expands the IPv4 entries in [from, to) of `list` (default: all) to the set of
 * addresses they name: every inclusion, minus every exclusion (exclusions win
 * regardless of order, like a firewall's deny list). Returns addresses in
 * ascending order, without duplicates, in a Uint32Array of its own (4 bytes
 * per VIP, outside the JS heap). Works on merged ranges, so overlapping
 * entries cost one sort and no per-address set.
 */
export function expandVipEntries(list: VipEntryList, from = 0, to = list.count): Uint32Array {
  return runToEnd(expandVipEntriesSteps(list, from, to));
}

/**
 * {@link expandVipEntries}, pausing between its passes and every
 * {@link ADDRESSES_PER_STEP} addresses written (a reload on the event loop,
 * config/load-on-loop.ts). One expansion at a time: the working arrays are shared.
 */
export function* expandVipEntriesSteps(list: VipEntryList, from: number, to: number): Generator<void, Uint32Array> {
  const inc = yield* mergeEntries(list, from, to, 0, scratch.inc);
  const exc = yield* mergeEntries(list, from, to, EXCLUDE, scratch.exc);
  let total = 0;
  for (let r = 0; r < inc.count; r++) total += inc.last[r]! - inc.first[r]! + 1;
  const out = new Uint32Array(total);
  let n = 0;
  let x = 0;
  for (let r = 0; r < inc.count; r++) {
    const last = inc.last[r]!;
    let ip = inc.first[r]!;
    while (ip <= last) {
      while (x < exc.count && exc.last[x]! < ip) x++;
      if (x < exc.count && exc.first[x]! <= ip) {
        ip = exc.last[x]! + 1;
        continue;
      }
      const end = x < exc.count && exc.first[x]! <= last ? exc.first[x]! - 1 : last;
      for (; ip <= end; ip++) {
        out[n++] = ip;
        if (n % ADDRESSES_PER_STEP === 0) yield;
      }
    }
  }
  shrinkScratch();
  return trimmed(out, n);
}
