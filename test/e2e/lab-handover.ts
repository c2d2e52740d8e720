/**
 * Lab helpers for make-before-break handovers between two LVS directors: a
 * client `c` and directors `a` and `b` on one bridge, each director running
 * vip-arpd with the VIP on lo (LVS-HOWTO "the ARP problem"), driven over its
 * control socket the way an HA hook drives it, and a pure reading of the
 * client-side capture: after the new MASTER's first GARP, did the old one
 * send any frame claiming the VIP?
 */
import { join } from 'node:path';
import type { Test } from 'tap';
import { sendRequest } from '../../src/control/client.js';
import type { ControlResponse } from '../../src/control/protocol.js';
import { createLab, neighbour, sleep, startDaemon, type DaemonProcess, type Frame, type Lab, silenceKernelArp } from './lab.js';
import { followGratuitousArp } from './lab/director.js';

export const HANDOVER_VIP = '198.51.100.10';
export const DIRECTORS = ['a', 'b'] as const;
export type DirectorName = (typeof DIRECTORS)[number];

/** Answers to control requests come within ms; this only bounds a hung daemon. */
const CONTROL_TIMEOUT_MS = 5000;

/**
 * A lab with client `c` (192.0.2.1) and directors `a` (.11) and `b` (.12).
 * The client reaches the VIP range on-link (as a router in front of the
 * directors does) and keeps the kernel defaults that let a GARP move an
 * existing entry (arp_accept=0 only stops GARPs from creating one).
 */
export async function createHandoverLab(t: Test): Promise<Lab> {
  const lab = await createLab(t, {
    hosts: [
      { name: 'c', ip: '192.0.2.1/24' },
      { name: 'a', ip: '192.0.2.11/24' },
      { name: 'b', ip: '192.0.2.12/24' },
    ],
  });
  for (const host of DIRECTORS) {
    await lab.addAddress(host, 'lo', `${HANDOVER_VIP}/32`);
    await silenceKernelArp(lab, host, ['all', 'eth0']);
  }
  await followGratuitousArp(lab, 'c', ['all', 'eth0']);
  await lab.exec('c', 'ip', ['route', 'add', '198.51.100.0/24', 'dev', 'eth0'], { check: true });
  return lab;
}

/** A director's vip-arpd and its control socket. */
export interface HandoverDirector {
  host: DirectorName;
  daemon: DaemonProcess;
  socket: string;
  /** Sends one control request straight to the socket (no vip-arpctl start-up in the timing). @throws Error when refused. */
  ctl(cmd: string, ...args: string[]): Promise<unknown>;
}

export interface HandoverDirectorOpts {
  initialRole: 'master' | 'backup';
  /** the group's `garp` settings */
  garp?: object;
  /** the `diagnostics` section */
  diagnostics?: object;
}

/** Starts vip-arpd on `host` with one group `web` holding {@link HANDOVER_VIP}. */
export async function startHandoverDirector(lab: Lab, host: DirectorName, opts: HandoverDirectorOpts): Promise<HandoverDirector> {
  const dir = lab.tempDir('vip-arpd-handover-');
  const socket = join(dir, 'control.sock');
  const config = {
    groups: [{ name: 'web', interface: 'eth0', vips: [HANDOVER_VIP], initialRole: opts.initialRole, ...(opts.garp ? { garp: opts.garp } : {}) }],
    stateFile: join(dir, 'state.json'),
    control: { socket },
    watch: { enabled: false },
    ...(opts.diagnostics ? { diagnostics: opts.diagnostics } : {}),
  };
  const daemon = await startDaemon(lab, host, config, { dir });
  const ctl = async (cmd: string, ...args: string[]): Promise<unknown> => {
    const r: ControlResponse = await sendRequest(socket, cmd, args, CONTROL_TIMEOUT_MS);
    if (!r.ok) throw new Error(`${host}: ${cmd} ${args.join(' ')} refused: ${r.error.code}: ${r.error.message}`);
    return r.data;
  };
  return { host, daemon, socket, ctl };
}

/** One make-before-break handover as the test ran it (epoch ms, the capture's clock). */
export interface HandoverRecord {
  from: DirectorName;
  to: DirectorName;
  takeoverAt: number;
  releaseAt: number;
  /** the client's neighbour entry for the VIP when the handover had settled */
  clientMac: string | undefined;
}

export interface HandoverRunOpts {
  /** handovers to run; they alternate a→b, b→a, … (the first goes from `a`) */
  count: number;
  /** ms between `takeover` on the new MASTER and `release` on the old, for handover i */
  gapMs(i: number): number;
  /** ms after the release before the client's entry is read and the next handover starts */
  settleMs: number;
}

/**
 * Runs make-before-break handovers: `takeover web` on the new MASTER, then
 * after `gapMs(i)` `release web` on the old one, as keepalived's hooks may
 * run them (notify_master on B before notify_backup on A).
 */
export async function runHandovers(lab: Lab, directors: Record<DirectorName, HandoverDirector>, opts: HandoverRunOpts): Promise<HandoverRecord[]> {
  const records: HandoverRecord[] = [];
  for (let i = 0; i < opts.count; i++) {
    const from: DirectorName = i % 2 === 0 ? 'a' : 'b';
    const to: DirectorName = from === 'a' ? 'b' : 'a';
    const takeoverAt = Date.now();
    await directors[to].ctl('takeover', 'web');
    await sleep(opts.gapMs(i));
    const releaseAt = Date.now();
    await directors[from].ctl('release', 'web');
    await sleep(opts.settleMs);
    records.push({ from, to, takeoverAt, releaseAt, clientMac: (await neighbour(lab, 'c', HANDOVER_VIP))?.mac });
  }
  return records;
}

/** What the capture shows of one handover. */
export interface HandoverVerdict {
  record: HandoverRecord;
  /** capture time (epoch ms) of the new MASTER's first GARP for the VIP; undefined = none seen */
  firstGarpAt: number | undefined;
  /** frames from the old MASTER claiming the VIP after that GARP, before the next handover */
  late: Frame[];
}

function claimsVip(f: Frame, mac: string, vip: string): boolean {
  return f.senderIp === vip && (f.senderMac === mac || f.ethSrc === mac);
}

/**
 * Reads a client-side capture against the handovers that ran. Pure. A frame
 * belongs to handover i when it was captured between its takeover and the
 * next one's.
 */
export function judgeHandovers(
  frames: readonly Frame[],
  records: readonly HandoverRecord[],
  macs: Record<DirectorName, string>,
  vip = HANDOVER_VIP,
): HandoverVerdict[] {
  return records.map((record, i) => {
    const end = records[i + 1]?.takeoverAt ?? Infinity;
    const inWindow = frames.filter((f) => f.time * 1000 >= record.takeoverAt && f.time * 1000 < end);
    const first = inWindow.find((f) => claimsVip(f, macs[record.to], vip) && f.targetIp === vip);
    const firstGarpAt = first === undefined ? undefined : first.time * 1000;
    const late = firstGarpAt === undefined ? [] : inWindow.filter((f) => f.time * 1000 > firstGarpAt && claimsVip(f, macs[record.from], vip));
    return { record, firstGarpAt, late };
  });
}

/** `op 1 +12.3 ms` for each late frame, relative to the new MASTER's first GARP. */
export function describeLate(v: HandoverVerdict): string[] {
  return v.late.map(
    (f) => `op ${f.arpOp} +${(f.time * 1000 - (v.firstGarpAt ?? 0)).toFixed(1)} ms (release at +${(v.record.releaseAt - (v.firstGarpAt ?? 0)).toFixed(0)} ms)`,
  );
}
