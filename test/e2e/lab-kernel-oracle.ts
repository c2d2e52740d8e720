/**
 * A lab where the Linux kernel's own ARP answers are the oracle for vip-arpd's:
 * a client, a director running vip-arpd for {@link VIP} (the VIP on lo with
 * arp_ignore=1/arp_announce=2, so its kernel stays silent for it) and an
 * "oracle" host whose kernel answers for its own address {@link ORACLE_IP}.
 * The client sends every crafted request twice, once for each target, and the
 * replies it captures say who answered what.
 *
 * Also frame-building helpers for what {@link arpFrameHex} does not do: 802.1Q
 * / 802.1ad tags and trailing bytes.
 */
import type { Test } from 'tap';
import { arpFrameHex, run, type ArpFrameSpec, type Frame, type Lab } from './lab.js';
import { createDirectorLab } from './lab/director.js';

export { CLIENT_IP, DIRECTOR_IP } from './lab/director.js';
export const ORACLE_IP = '192.0.2.3';
export const VIP = '198.51.100.10';

/** Daemon config: one MASTER group answering {@link VIP} on eth0. */
export const ORACLE_LAB_CONFIG = {
  stateFile: '',
  control: { socket: '' },
  watch: { enabled: false },
  log: { level: 'info' },
  groups: [{ name: 'web', interface: 'eth0', vips: [VIP] }],
};

/** Builds the client/director/oracle lab described in the module comment. */
export async function kernelOracleLab(t: Test): Promise<Lab> {
  return createDirectorLab(t, { vips: [VIP], extraHosts: [{ name: 'oracle', ip: `${ORACLE_IP}/24` }] });
}

/** One 802.1Q (TPID 0x8100) or 802.1ad (0x88a8) tag. */
export interface VlanTag {
  tpid: 0x8100 | 0x88a8;
  vid: number;
  /** Priority code point, 0-7 (default 0). */
  pcp?: number;
}

/**
 * withVlanTags inserts `tags` (outermost first) after the source MAC of the
 * Ethernet frame `frameHex`, as a switch trunk port would send it.
 */
export function withVlanTags(frameHex: string, tags: VlanTag[]): string {
  const frame = Buffer.from(frameHex, 'hex');
  const inserted = tags.map((tag) => {
    const b = Buffer.alloc(4);
    b.writeUInt16BE(tag.tpid, 0);
    b.writeUInt16BE((((tag.pcp ?? 0) & 7) << 13) | (tag.vid & 0x0fff), 2);
    return b;
  });
  return Buffer.concat([frame.subarray(0, 12), ...inserted, frame.subarray(12)]).toString('hex');
}

/**
 * withTrailer pads the frame `frameHex` to `totalLength` bytes with `fill`
 * (a byte, or a pattern of bytes counting up from it).
 */
export function withTrailer(frameHex: string, totalLength: number, fill: 'zero' | 'pattern' = 'zero'): string {
  const frame = Buffer.from(frameHex, 'hex');
  const trailer = Buffer.alloc(Math.max(0, totalLength - frame.length));
  if (fill === 'pattern') for (let i = 0; i < trailer.length; i++) trailer[i] = (i * 7 + 1) & 0xff;
  return Buffer.concat([frame, trailer]).toString('hex');
}

/** The same request once for vip-arpd ({@link VIP}) and once for the oracle's kernel ({@link ORACLE_IP}). */
export function requestPair(spec: Omit<ArpFrameSpec, 'targetIp'>): { daemon: string; kernel: string } {
  return { daemon: arpFrameHex({ ...spec, targetIp: VIP }), kernel: arpFrameHex({ ...spec, targetIp: ORACLE_IP }) };
}

/** Who answered a request from `senderIp`, by the replies captured on the client. */
export function answeredBy(frames: Frame[], senderIp: string): { daemon: boolean; kernel: boolean } {
  const replies = frames.filter((f) => f.arpOp === 2 && f.targetIp === senderIp);
  return {
    daemon: replies.some((f) => f.senderIp === VIP),
    kernel: replies.some((f) => f.senderIp === ORACLE_IP),
  };
}

/**
 * setLanMtu sets the MTU of LAN `index` (ethN of every host, the bridge brN
 * and its ports in the switch namespace), e.g. 9000 for jumbo frames.
 */
export async function setLanMtu(lab: Lab, index: number, mtu: number): Promise<void> {
  const sw = ['-n', lab.switchNs];
  const ports = await run('ip', [...sw, '-o', 'link', 'show', 'master', `br${index}`], { check: true });
  for (const m of ports.stdout.matchAll(/^\d+: ([^:@\s]+)/gm)) {
    await run('ip', [...sw, 'link', 'set', m[1]!, 'mtu', String(mtu)], { check: true });
  }
  await run('ip', [...sw, 'link', 'set', `br${index}`, 'mtu', String(mtu)], { check: true });
  for (const host of lab.hosts) await lab.exec(host, 'ip', ['link', 'set', `eth${index}`, 'mtu', String(mtu)], { check: true });
}
