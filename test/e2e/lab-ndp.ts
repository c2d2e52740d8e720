// IPv6 neighbour helpers for the NDP e2e tests: a host's neighbour entry as
// the kernel holds it, and tshark's view of captured frames, as raw bytes or
// as fields; the resolution every NDP e2e test checks.
import type { Test } from 'tap';
import { run, waitFor, type Lab } from './lab.js';

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
