/**
 * What `vip-arpd --check-config` prints: the effective configuration (after
 * defaults, file, environment and flags) with each group's VIP count, in all
 * and per family, so an operator sees what the daemon would serve before it
 * serves it.
 */
import { vipCounts, type Snapshot } from './snapshot.js';

/** `vipCount` (both families), `ipv4VipCount`, `ipv6VipCount`. */
function countFields(c: { ipv4: number; ipv6: number }): Record<string, number> {
  return { vipCount: c.ipv4 + c.ipv6, ipv4VipCount: c.ipv4, ipv6VipCount: c.ipv6 };
}

/** JSON-able view of a snapshot; VIP lists are summarised as counts. */
export function effectiveConfig(snapshot: Snapshot): Record<string, unknown> {
  const { groups: _groups, ...rest } = snapshot.config;
  return {
    ...rest,
    groups: snapshot.groups.map((group) => {
      const { vips: _inline, ...g } = group.config;
      return { ...g, ...countFields(vipCounts([group])) };
    }),
    ...countFields(vipCounts(snapshot.groups)),
    files: snapshot.source?.paths ?? [],
    // 0-byte VIP files, taken as not yet written (docs/config.md)
    emptyVipFiles: (snapshot.source?.emptyVipFiles ?? []).map((e) => e.file),
  };
}
