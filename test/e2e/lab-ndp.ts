// IPv6 neighbour helpers for the NDP e2e tests: a host's neighbour entry as
// the kernel holds it, and tshark's view of captured frames, as raw bytes or
// as fields.
import { run, type Lab } from './lab.js'

/** `host`'s IPv6 neighbour entry for `addr` on eth0, from `ip -j -6 neigh`. */
export async function neighbour6(lab: Lab, host: string, addr: string): Promise<{ mac?: string; state: string } | undefined> {
  const r = await run('ip', ['-n', lab.ns(host), '-j', '-6', 'neigh', 'show', 'to', addr, 'dev', 'eth0'], { check: true })
  const e = (JSON.parse(r.stdout || '[]') as Array<{ dst: string; lladdr?: string; state?: string[] }>).find((x) => x.dst === addr)
  if (e === undefined) return undefined
  return { ...(e.lladdr !== undefined ? { mac: e.lladdr.toLowerCase() } : {}), state: (e.state ?? []).join(',') }
}

/** The raw bytes (hex) of the frames in `file` that match tshark display filter `filter`. */
export async function rawFrames(file: string, filter: string): Promise<string[]> {
  const r = await run('tshark', ['-r', file, '-Y', filter, '-T', 'json', '-x'], { check: true })
  const packets = JSON.parse(r.stdout.trim() || '[]') as Array<{ _source: { layers: { frame_raw: [string, ...unknown[]] } } }>
  return packets.map((p) => p._source.layers.frame_raw[0])
}

/** The `fields` of each frame in `file` matching display filter `filter`, one object per frame (a repeated field joined by ','). */
export async function frameFields(file: string, filter: string, fields: string[]): Promise<Array<Record<string, string>>> {
  const r = await run('tshark', ['-r', file, '-n', '-Y', filter, '-T', 'fields', '-E', 'separator=|', '-E', 'aggregator=,',
    ...fields.flatMap((f) => ['-e', f])], { check: true })
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => Object.fromEntries(l.split('|').map((v, i) => [fields[i]!, v])))
}
