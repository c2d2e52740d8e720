// IPv6 neighbour helpers for the NDP e2e tests: a host's neighbour entry as
// the kernel holds it, and tshark's view of captured frames, as raw bytes or
// as fields; the resolution every NDP e2e test checks; the invalid NS they
// put on the wire and the check that each is counted.
import type { Test } from 'tap';
import { writeIpv6 } from '../../src/wire/ipv6.js';
import { parseMac } from '../../src/wire/mac.js';
import { encodeNs, NDP_FRAME_LENGTH } from '../../src/wire/ndp.js';
import { fixIcmpv6Checksum, ipv6 } from '../unit/golden-bytes.js';
import { run, scapySend, waitFor, type Lab } from './lab.js';

/** `host`'s IPv6 neighbour entry for `addr` on eth0, from `ip -j -6 neigh`. */
export async function neighbour6(lab: Lab, host: string, addr: string): Promise<{ mac?: string; state: string } | undefined> {
  const r = await run('ip', ['-n', lab.ns(host), '-j', '-6', 'neigh', 'show', 'to', addr, 'dev', 'eth0'], { check: true });
  const e = (JSON.parse(r.stdout || '[]') as Array<{ dst: string; lladdr?: string; state?: string[] }>).find((x) => x.dst === addr);
  if (e === undefined) return undefined;
  return { ...(e.lladdr !== undefined ? { mac: e.lladdr.toLowerCase() } : {}), state: (e.state ?? []).join(',') };
}

/** The raw bytes (hex) of the frames in `file` that match tshark display filter `filter`. */
export async function rawFrames(file: string, filter: string): Promise<string[]> {
  const r = await run('tshark', ['-r', file, '-Y', filter, '-T', 'json', '-x'], { check: true });
  const packets = JSON.parse(r.stdout.trim() || '[]') as Array<{ _source: { layers: { frame_raw: [string, ...unknown[]] } } }>;
  return packets.map((p) => p._source.layers.frame_raw[0]);
}

/** The `fields` of each frame in `file` matching display filter `filter`, one object per frame (a repeated field joined by ','). */
export async function frameFields(file: string, filter: string, fields: string[]): Promise<Array<Record<string, string>>> {
  const r = await run(
    'tshark',
    ['-r', file, '-n', '-Y', filter, '-T', 'fields', '-E', 'separator=|', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])],
    { check: true },
  );
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Object.fromEntries(l.split('|').map((v, i) => [fields[i]!, v])));
}

/** The NA fields the tests check, as tshark names them. */
export const NA_FIELDS = [
  'eth.dst',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.hlim',
  'icmpv6.nd.na.flag.r',
  'icmpv6.nd.na.flag.s',
  'icmpv6.nd.na.flag.o',
  'icmpv6.nd.na.target_address',
  'icmpv6.opt.type',
  'icmpv6.opt.linkaddr',
  'icmpv6.checksum.status',
];

/**
 * {@link NA_FIELDS} of the first solicited NA (an answer; S=1) from `mac` for
 * `target` in capture `file`, waited for. A MASTER's unsolicited NAs (its
 * takeover burst, S=0) are not answers and are left out.
 */
export async function firstNa(file: string, mac: string, target: string): Promise<Record<string, string>> {
  const nas = await waitFor(
    async () => {
      const f = await frameFields(
        file,
        `icmpv6.type == 136 && eth.src == ${mac} && icmpv6.nd.na.target_address == ${target} && icmpv6.nd.na.flag.s == 1`,
        NA_FIELDS,
      );
      return f.length > 0 ? f : undefined;
    },
    { timeoutMs: 5000, what: `an NA for ${target} from ${mac} in the capture` },
  );
  return nas[0]!;
}

/** `host` pings `addr` (each try re-reads the entry) until its neighbour entry is REACHABLE at `mac`; returns the entry. */
export async function pingUntilReachable(lab: Lab, host: string, addr: string, mac: string): Promise<{ mac?: string; state: string }> {
  return waitFor(
    async () => {
      await lab.exec(host, 'ping', ['-6', '-c', '1', '-W', '1', addr]);
      const e = await neighbour6(lab, host, addr);
      return e?.mac === mac && /REACHABLE/.test(e.state) ? e : undefined;
    },
    { timeoutMs: 20_000, what: `a REACHABLE entry for ${addr} at ${mac}` },
  );
}

/** Waits for `host`'s entry for `addr` to leave REACHABLE (STALE when idle; DELAY, then PROBE when used). */
export async function leftReachable(lab: Lab, host: string, addr: string): Promise<{ mac?: string; state: string }> {
  let last: unknown;
  return waitFor(
    async () => {
      const e = await neighbour6(lab, host, addr);
      last = e;
      return e !== undefined && /STALE|DELAY|PROBE/.test(e.state) ? e : undefined;
    },
    { timeoutMs: 30_000, what: 'the entry leaving REACHABLE' },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last entry ${JSON.stringify(last)}`);
  });
}

/** Who resolves whom in {@link assertResolvesAndRevalidates}. */
export interface Resolution {
  /** the client host, its address and MAC */
  host: string;
  hostIp: string;
  hostMac: string;
  /** the VIP and the MAC that must answer for it (with R=1: the director forwards) */
  vip: string;
  mac: string;
}

/**
 * The client's kernel resolves the VIP: ping -6 until REACHABLE at `mac`;
 * tshark reads every field of our NA in `capture` (unicast to the solicitor,
 * R=1 S=1 O=1, hop limit 255, Target LLA, checksum good); the entry leaves
 * REACHABLE and comes back through a unicast NS to our MAC.
 */
export async function assertResolvesAndRevalidates(t: Test, lab: Lab, capture: string, r: Resolution): Promise<void> {
  const entry = await pingUntilReachable(lab, r.host, r.vip, r.mac);
  t.equal(entry.mac, r.mac, `ping -6 answered; the client's entry is REACHABLE at the director's MAC (${entry.state})`);
  t.same(
    await firstNa(capture, r.mac, r.vip),
    {
      'eth.dst': r.hostMac,
      'ipv6.src': r.vip,
      'ipv6.dst': r.hostIp,
      'ipv6.hlim': '255',
      'icmpv6.nd.na.flag.r': '1',
      'icmpv6.nd.na.flag.s': '1',
      'icmpv6.nd.na.flag.o': '1',
      'icmpv6.nd.na.target_address': r.vip,
      'icmpv6.opt.type': '2',
      'icmpv6.opt.linkaddr': r.mac,
      'icmpv6.checksum.status': '1',
    },
    'tshark: unicast to the solicitor, R=1 S=1 O=1, hop limit 255, Target LLA option with our MAC, checksum good',
  );
  const stale = await leftReachable(lab, r.host, r.vip);
  t.match(stale.state, /STALE|DELAY|PROBE/, `the entry left REACHABLE (${stale.state})`);
  const back = await pingUntilReachable(lab, r.host, r.vip, r.mac);
  t.match(back.state, /REACHABLE/, 'back to REACHABLE');
  const nud = await waitFor(
    async () => {
      const f = await frameFields(capture, `icmpv6.type == 135 && eth.src == ${r.hostMac} && eth.dst == ${r.mac} && ipv6.dst == ${r.vip}`, ['frame.number']);
      return f.length > 0 ? f : undefined;
    },
    { timeoutMs: 5000, what: 'a unicast NUD probe' },
  );
  t.ok(nud.length > 0, 'the client probed the VIP with a unicast NS to our MAC');
}

/**
 * An NS from `mac` and `source` (Source LLA option included) for `target`, to
 * the target's solicited-node group, changed by `edit` (in place, or a new
 * frame returned), its checksum fixed; as hex for scapySend.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an edit changes the frame in place (void) or returns a new one
export function nsHex(mac: string, source: string, target: string, edit?: (f: Buffer) => Buffer | void): string {
  const f = Buffer.alloc(NDP_FRAME_LENGTH);
  encodeNs(f, 0, parseMac(mac)!, ipv6(source), ipv6(target));
  return fixIcmpv6Checksum(edit?.(f) ?? f).toString('hex');
}

/** The source MAC of the `n`th invalid NS (from 1): each its own, where an answer would go, under the prefix {@link INVALID_NS_FILTER} matches. */
export function invalidNsMac(n: number): string {
  return `02:00:00:00:0e:${n.toString(16).padStart(2, '0')}`;
}

/** tshark display filter for the frames from every {@link invalidNsMac}. */
const INVALID_NS_FILTER = 'eth.src[0:5] == 02:00:00:00:0e';

/**
 * The invalid NS every NDP e2e test sends, as [outcome counted, frame hex]:
 * from `source` for `target`, each failing one RFC 4861 §7.1.1 check that a
 * bridge passes on, from invalidNsMac(1) to invalidNsMac(5).
 */
export function malformedNs(source: string, target: string): Array<[string, string]> {
  const from = (n: number, edit: (f: Buffer) => void) => nsHex(invalidNsMac(n), source, target, edit);
  const badChecksum = Buffer.from(nsHex(invalidNsMac(3), source, target), 'hex');
  badChecksum[57] = badChecksum[57]! ^ 0xff;
  return [
    [
      'malformed:hop-limit',
      from(1, (f) => {
        f[21] = 64;
      }),
    ],
    [
      'malformed:icmp-code',
      from(2, (f) => {
        f[55] = 1;
      }),
    ],
    ['malformed:checksum', badChecksum.toString('hex')],
    [
      'malformed:target-multicast',
      from(4, (f) => {
        writeIpv6(f, 62, ipv6('ff02::1'));
      }),
    ],
    [
      'malformed:option-length',
      from(5, (f) => {
        f[79] = 0;
      }),
    ],
  ];
}

/**
 * scapy sends `invalid` ([outcome, frame hex], from invalidNsMac(1..n) in that
 * order) from `host`'s eth0; every one must reach the director's wire
 * (`dirCapture`, a capture on its eth0) and be counted once as its outcome by
 * `counts` (the director's outcome counts, read anew each call). Returns the
 * counts that showed it. Whether any was answered the caller checks when its
 * capture stops.
 */
export async function assertInvalidNsCounted(
  t: Test,
  lab: Lab,
  host: string,
  dirCapture: string,
  invalid: Array<[string, string]>,
  counts: () => Promise<Record<string, number>>,
): Promise<Record<string, number>> {
  const before = await counts();
  t.equal(
    await scapySend(
      lab,
      host,
      'eth0',
      invalid.map(([, hex]) => hex),
    ),
    invalid.length,
    'scapy sent every invalid NS',
  );
  let seen: string[] = [];
  await waitFor(
    async () => {
      seen = (await frameFields(dirCapture, INVALID_NS_FILTER, ['eth.src'])).map((f) => f['eth.src']!);
      return seen.length >= invalid.length ? seen : undefined;
    },
    { timeoutMs: 10_000, what: "the invalid NS on the director's wire" },
  ).catch(() => undefined);
  t.same(
    [...new Set(seen)].sort(),
    invalid.map((_, i) => invalidNsMac(i + 1)),
    "every invalid NS reached the director's eth0",
  );
  const after = await waitFor(
    async () => {
      const c = await counts();
      return invalid.every(([o]) => (c[o] ?? 0) > (before[o] ?? 0)) ? c : undefined;
    },
    { timeoutMs: 5000, what: 'every invalid NS counted' },
  );
  for (const [outcome] of invalid) t.equal((after[outcome] ?? 0) - (before[outcome] ?? 0), 1, `counted once as ${outcome}`);
  return after;
}
