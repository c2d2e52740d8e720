/**
 * The XDP program's verdict counters (`counters` map of
 * native/xdp/arp_xdp.bpf.c): what it answered and why it passed the rest up.
 * Pure: reading the per-CPU map is xdp-program.ts's job.
 */

/** In the order of `enum counter` in arp_xdp.bpf.c; the index is the map key. */
export const XDP_VERDICTS = [
  'answered',
  'pass:not-arp',
  'pass:vlan',
  'pass:malformed',
  'pass:sender-vip',
  'pass:not-request',
  'pass:gratuitous',
  'pass:martian',
  'pass:not-a-vip',
  'pass:not-master',
  'pass:not-for-us',
  'pass:error',
] as const;

export type XdpVerdict = (typeof XDP_VERDICTS)[number];
export type XdpCounts = Record<XdpVerdict, number>;

export function zeroXdpCounts(): XdpCounts {
  return Object.fromEntries(XDP_VERDICTS.map((v) => [v, 0])) as XdpCounts;
}

/** Frames passed up to the stack (and so to the AF_PACKET path when they are ARP). */
export function passedTotal(c: XdpCounts): number {
  return XDP_VERDICTS.reduce((n, v) => (v === 'answered' ? n : n + c[v]), 0);
}

/** Sums one per-CPU value: `cpus` u64 slots of 8 bytes in host byte order. */
export function sumPerCpu(buf: Buffer, cpus: number, littleEndian: boolean): number {
  let n = 0;
  for (let i = 0; i < cpus; i++) n += Number(littleEndian ? buf.readBigUInt64LE(i * 8) : buf.readBigUInt64BE(i * 8));
  return n;
}
