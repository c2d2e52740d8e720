// Lab helpers for link events: flap an interface with `ip link set down/up`
// and record when the kernel said each link changed (`ip -ts monitor link`),
// so a test can measure "link up → first frame" against the kernel's own
// event time rather than the time a command returned.
import { sleep, type Lab } from './lab.js';

/** One link event as `ip -ts monitor link` printed it. */
export interface LinkEvent {
  /** epoch seconds */
  time: number;
  iface: string;
  flags: string[];
  /** operstate: UP, DOWN, LOWERLAYERDOWN, … */
  state: string;
}

export interface LinkMonitorCapture {
  stop(): Promise<LinkEvent[]>;
}

const EVENT_LINE = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)\] (?:Deleted )?\d+: ([^:@\s]+)(?:@\S+)?: <([^>]*)>.* state (\S+)/;

/** Parses `ip -ts monitor link` output (TZ=UTC). Pure. */
export function parseLinkMonitor(text: string): LinkEvent[] {
  const out: LinkEvent[] = [];
  for (const line of text.split('\n')) {
    const m = EVENT_LINE.exec(line);
    if (m === null) continue;
    out.push({ time: Date.parse(`${m[1]!}Z`) / 1000, iface: m[2]!, flags: m[3]!.split(','), state: m[4]! });
  }
  return out;
}

/** Starts `ip -ts monitor link` in `host`; resolves once it runs. */
export async function startLinkMonitor(lab: Lab, host: string): Promise<LinkMonitorCapture> {
  const child = lab.spawn(host, 'ip', ['-ts', 'monitor', 'link'], { env: { TZ: 'UTC' } });
  let text = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    text += d;
  });
  // ip subscribes before it prints anything; give it a moment to be scheduled.
  await sleep(200);
  return {
    stop: async () => {
      await sleep(100);
      child.kill('SIGTERM');
      return parseLinkMonitor(text);
    },
  };
}

/**
 * Takes `iface` of `host` down and up again. `downMs` 0 does both in one
 * `ip -batch` (the link is down for well under a millisecond). Returns the
 * time (epoch s) just before the command that brings it up was started: the
 * link came up after it, so "first frame − this" bounds a reaction from above.
 */
export async function flapLink(lab: Lab, host: string, iface: string, downMs: number): Promise<number> {
  if (downMs === 0) {
    const before = Date.now() / 1000;
    await lab.exec(host, 'ip', ['-batch', '-'], { check: true, input: `link set ${iface} down\nlink set ${iface} up\n` });
    return before;
  }
  await lab.setLink(host, iface, 'down');
  await sleep(downMs);
  const before = Date.now() / 1000;
  await lab.setLink(host, iface, 'up');
  return before;
}

/** Times (epoch s) at which `iface` came up again (state UP after a not-UP event). Pure. */
export function upTimes(events: LinkEvent[], iface: string): number[] {
  const times: number[] = [];
  let down = false;
  for (const e of events) {
    if (e.iface !== iface) continue;
    if (e.state !== 'UP') down = true;
    else if (down) {
      times.push(e.time);
      down = false;
    }
  }
  return times;
}
