/**
 * Per-second rates between two `status` samples of one daemon: ARP frames by
 * outcome and GARP frames, per interface. Pure. Counters that went down (a
 * restarted daemon, a re-created interface) give no rate rather than a
 * negative one.
 */

export interface InterfaceSample {
  name: string;
  counts: Record<string, number>;
  txDropped: number;
}
export interface GarpSample {
  name: string;
  request: number;
  reply: number;
}

/** What top reads of a `status` reply. */
export interface StatusSample {
  /** epoch ms the sample was taken */
  at: number;
  pid: number;
  startedAt: string;
  interfaces: InterfaceSample[];
  garp: GarpSample[];
}

export interface InterfaceRates {
  /** frames received per second, by outcome */
  outcomes: Record<string, number>;
  /** ARP requests received per second (every frame but replies) */
  requests: number;
  txDropped: number;
  garp: number;
}

/** Rates per interface name, or undefined when `prev` is missing, of another daemon run, or not older. */
export function ratesBetween(prev: StatusSample | undefined, cur: StatusSample): Map<string, InterfaceRates> | undefined {
  if (prev === undefined || prev.pid !== cur.pid || prev.startedAt !== cur.startedAt) return undefined;
  const seconds = (cur.at - prev.at) / 1000;
  if (seconds <= 0) return undefined;
  const per = (now: number, before: number | undefined): number => (before === undefined || now < before ? 0 : (now - before) / seconds);
  const out = new Map<string, InterfaceRates>();
  for (const i of cur.interfaces) {
    const p = prev.interfaces.find((x) => x.name === i.name);
    if (p === undefined) continue;
    const outcomes = Object.fromEntries(Object.entries(i.counts).map(([k, n]) => [k, per(n, p.counts[k] ?? 0)]));
    const requests = Object.entries(outcomes)
      .filter(([k]) => k !== 'not-request')
      .reduce((s, [, r]) => s + r, 0);
    const g = cur.garp.find((x) => x.name === i.name);
    const pg = prev.garp.find((x) => x.name === i.name);
    const garp = g === undefined ? 0 : per(g.request + g.reply, pg === undefined ? 0 : pg.request + pg.reply);
    out.set(i.name, { outcomes, requests, txDropped: per(i.txDropped, p.txDropped), garp });
  }
  return out;
}

/**
 * The sample top keeps of a `status` reply.
 * @throws {TypeError} when `status` is not a vip-arpd status reply.
 */
export function sampleOf(status: unknown, at: number): StatusSample {
  const s = status as { daemon?: { pid?: unknown; startedAt?: unknown }; interfaces?: unknown; garp?: { interfaces?: unknown } };
  if (typeof s?.daemon?.pid !== 'number' || !Array.isArray(s.interfaces)) throw new TypeError('the daemon did not answer status with daemon and interfaces');
  return {
    at,
    pid: s.daemon.pid,
    startedAt: String(s.daemon.startedAt),
    interfaces: s.interfaces as InterfaceSample[],
    garp: Array.isArray(s.garp?.interfaces) ? (s.garp.interfaces as GarpSample[]) : [],
  };
}
