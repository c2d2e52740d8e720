/**
 * What `vip-arpd --check-config` prints: the effective configuration (after
 * defaults, file, environment and flags) with each group's VIP count, so an
 * operator sees what the daemon would serve before it serves it.
 */
import type { Snapshot } from './snapshot.js';

/** JSON-able view of a snapshot; VIP lists are summarised as counts. */
export function effectiveConfig(snapshot: Snapshot): Record<string, unknown> {
  const { groups: _groups, ...rest } = snapshot.config;
  return {
    ...rest,
    groups: snapshot.groups.map(({ config: { vips: _inline, ...g }, vips }) => ({ ...g, vipCount: vips.length })),
    vipCount: snapshot.groups.reduce((n, g) => n + g.vips.length, 0),
    files: snapshot.source?.paths ?? [],
    // 0-byte VIP files, taken as not yet written (docs/config.md)
    emptyVipFiles: (snapshot.source?.emptyVipFiles ?? []).map((e) => e.file),
  };
}
