/**
 * Captures: tshark on a lab interface, and its frames decoded from
 * `tshark -T json` into {@link Frame}s.
 */
import { join } from 'node:path';
import { killAndWait } from '../../../lab/processes.mjs';
import { run } from '../../../lab/run.mjs';
import type { Lab } from './namespaces.js';
import { sleep } from './wait.js';

/** tshark's expert severity for errors (PI_ERROR = 0x00800000, epan/proto.h). */
const EXPERT_SEVERITY_ERROR = 0x00800000;

/** tshark's per-frame JSON: the `_source.layers` object of `tshark -T json`. */
export type TsharkLayers = Record<string, unknown>;

/** One captured frame, decoded by tshark. ARP fields are 0 / '' for non-ARP frames. */
export interface Frame {
  /** Capture time, epoch seconds. */
  time: number;
  /** Frame length on the wire (frame.len). */
  length: number;
  ethSrc: string;
  ethDst: string;
  /** EtherType, e.g. 0x0806. */
  ethType: number;
  arpOp: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
  /** True when tshark marked the frame malformed or raised an error-level expert item. */
  malformed: boolean;
  /** The raw tshark layers, for field-by-field checks (e.g. raw['arp']['arp.hw.size']). */
  raw: TsharkLayers;
}

/** A running capture; see {@link startCapture}. */
export interface Capture {
  /** The pcap(ng) file being written. */
  readonly file: string;
  /** stop ends the capture and returns its frames; may be called again (returns the same frames). */
  stop(): Promise<Frame[]>;
}

function field(layer: unknown, name: string): string {
  if (layer === null || typeof layer !== 'object') return '';
  const v = (layer as Record<string, unknown>)[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return '';
}

function num(s: string): number {
  if (s === '') return 0;
  const n = Number(s);
  return Number.isNaN(n) ? 0 : n;
}

function timeOf(frame: unknown): number {
  const epoch = field(frame, 'frame.time_epoch');
  const n = Number(epoch);
  if (epoch !== '' && !Number.isNaN(n)) return n;
  // Newer tshark prints ISO 8601 here.
  const d = Date.parse(epoch);
  return Number.isNaN(d) ? 0 : d / 1000;
}

function isMalformed(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === '_ws.malformed' || k.startsWith('_ws.malformed')) return true;
    if (k === '_ws.expert.severity' && num(field(node, k)) >= EXPERT_SEVERITY_ERROR) return true;
    if (typeof v === 'object' && isMalformed(v)) return true;
  }
  return false;
}

/** toFrame maps one tshark `_source.layers` object to a {@link Frame}. */
export function toFrame(layers: TsharkLayers): Frame {
  const arp = layers['arp'];
  const eth = layers['eth'];
  return {
    time: timeOf(layers['frame']),
    length: num(field(layers['frame'], 'frame.len')),
    ethSrc: field(eth, 'eth.src').toLowerCase(),
    ethDst: field(eth, 'eth.dst').toLowerCase(),
    ethType: num(field(eth, 'eth.type')),
    arpOp: num(field(arp, 'arp.opcode')),
    senderMac: field(arp, 'arp.src.hw_mac').toLowerCase(),
    senderIp: field(arp, 'arp.src.proto_ipv4'),
    targetMac: field(arp, 'arp.dst.hw_mac').toLowerCase(),
    targetIp: field(arp, 'arp.dst.proto_ipv4'),
    malformed: isMalformed(layers),
    raw: layers,
  };
}

/**
 * readPcap dissects `file` with `tshark -r FILE -T json` and returns its frames.
 *
 * @throws Error when tshark fails.
 */
export async function readPcap(file: string): Promise<Frame[]> {
  const r = await run('tshark', ['-r', file, '-T', 'json', '-n'], { check: true });
  const text = r.stdout.trim();
  if (text === '') return [];
  const packets = JSON.parse(text) as Array<{ _source?: { layers?: TsharkLayers } }>;
  return packets.map((p) => toFrame(p._source?.layers ?? {}));
}

/**
 * startCapture starts `tshark -i iface -f FILTER -w FILE` inside `host` and
 * resolves once tshark reports "Capturing on" (the capture is live). The
 * capture is stopped on teardown if the test forgets.
 *
 * @throws Error when tshark exits or does not start within 10 s.
 */
export async function startCapture(lab: Lab, host: string, iface: string, bpfFilter = ''): Promise<Capture> {
  const dir = lab.tempDir('vip-arpd-cap-');
  const file = join(dir, `${host}-${iface}.pcapng`);
  // tshark drops to dumpcap which must be able to write the file; root can.
  const args = ['-i', iface, '-n', '-q', '-w', file];
  if (bpfFilter !== '') args.push('-f', bpfFilter);
  const child = lab.spawn(host, 'tshark', args);
  let stderr = '';
  child.stdout?.resume();
  await new Promise<void>((resolveP, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Cannot start capture on ${host}/${iface}: no "Capturing on" within 10 s: ${stderr}`));
    }, 10_000);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('Capturing on')) {
        clearTimeout(timer);
        resolveP();
      }
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`Cannot start capture on ${host}/${iface}: tshark exited (${code ?? sig}): ${stderr}`));
    });
  });
  // "Capturing on" is printed once dumpcap has opened the device; a short
  // pause covers the hand-off so the first frame sent next is not missed.
  await sleep(150);
  let frames: Promise<Frame[]> | undefined;
  const stop = (): Promise<Frame[]> => {
    frames ??= (async () => {
      // Let frames in flight land before stopping.
      await sleep(200);
      await killAndWait(child, 'SIGINT', 5000);
      return readPcap(file);
    })();
    return frames;
  };
  lab.teardown(() => killAndWait(child, 'SIGINT', 2000));
  return { file, stop };
}
