/**
 * Hand-built frames on the wire: {@link arpFrameHex} builds an Ethernet +
 * ARP frame, {@link scapySend} sends frames with scapy's `sendp`.
 */
import { join } from 'node:path';
import { REPO_ROOT, SYSTEM_PYTHON } from './environment.js';
import type { Lab } from './namespaces.js';

const SCAPY_SEND = join(REPO_ROOT, 'test', 'e2e', 'scapy-send.py');

/** Options for {@link scapySend}. */
export interface ScapySendOpts {
  /** Times to send the whole list (default 1). */
  count?: number;
  /** Seconds between frames (default 0). */
  interval?: number;
}

/**
 * scapySend sends raw Ethernet frames (hex strings, whole frame from the
 * destination MAC on) out of `host`'s `iface` with scapy's `sendp`, through
 * `/usr/bin/python3 test/e2e/scapy-send.py`.
 *
 * @throws Error when python/scapy is missing, the script fails, or it sent
 *   fewer than `frames.length * count` frames.
 */
export async function scapySend(lab: Lab, host: string, iface: string, framesHex: string[], opts: ScapySendOpts = {}): Promise<number> {
  const count = opts.count ?? 1;
  const input = JSON.stringify({ iface, frames: framesHex.map((h) => h.replace(/[\s:]/g, '')), count, interval: opts.interval ?? 0 });
  const r = await lab.exec(host, SYSTEM_PYTHON, [SCAPY_SEND], { input, timeoutMs: 120_000 });
  if (r.code !== 0) {
    throw new Error(`Cannot send frames with scapy on ${host}/${iface}: exit code ${r.code}: ${r.stderr.trim()}`);
  }
  const lines = r.stdout.trim().split('\n');
  const res = JSON.parse(lines[lines.length - 1] ?? '{}') as { sent?: number };
  const want = framesHex.length * count;
  if (res.sent !== want) {
    throw new Error(`Cannot send frames with scapy on ${host}/${iface}: sent ${res.sent} of ${want}: ${r.stderr.trim()}`);
  }
  return res.sent;
}

/** Fields of {@link arpFrameHex}. */
export interface ArpFrameSpec {
  ethDst?: string;
  ethSrc: string;
  /** 1 request, 2 reply (default 1). */
  op?: number;
  senderMac?: string;
  senderIp: string;
  targetMac?: string;
  targetIp: string;
  /** Override header fields to build malformed frames. */
  htype?: number;
  ptype?: number;
  hlen?: number;
  plen?: number;
  /** EtherType (default 0x0806). */
  ethType?: number;
  /** Cut the frame to this many bytes. */
  truncate?: number;
}

/**
 * arpFrameHex builds an Ethernet + ARP frame (RFC 826) as a hex string for
 * {@link scapySend}: dst, src, type, then htype, ptype, hlen, plen, op,
 * sha, spa, tha, tpa (42 bytes, no padding).
 */
export function arpFrameHex(s: ArpFrameSpec): string {
  const mac = (m: string): Buffer => Buffer.from(m.replace(/[:-]/g, ''), 'hex');
  const ip4 = (a: string): Buffer => Buffer.from(a.split('.').map((x) => Number(x)));
  const u16 = (n: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n);
    return b;
  };
  const buf = Buffer.concat([
    mac(s.ethDst ?? 'ff:ff:ff:ff:ff:ff'),
    mac(s.ethSrc),
    u16(s.ethType ?? 0x0806),
    u16(s.htype ?? 1),
    u16(s.ptype ?? 0x0800),
    Buffer.from([s.hlen ?? 6, s.plen ?? 4]),
    u16(s.op ?? 1),
    mac(s.senderMac ?? s.ethSrc),
    ip4(s.senderIp),
    mac(s.targetMac ?? '00:00:00:00:00:00'),
    ip4(s.targetIp),
  ]);
  return (s.truncate !== undefined ? buf.subarray(0, s.truncate) : buf).toString('hex');
}
