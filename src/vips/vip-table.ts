/**
 * VipTable: which group owns which VIP on which interface. Immutable once
 * built; a reload builds a new table and swaps it in one assignment, so a VIP
 * present before and after is never missing, not even for a moment.
 *
 * Maps are keyed by the address as a signed 32-bit integer (`ip | 0`): V8
 * keeps those as small integers, where an unsigned address above 2^31 would
 * be a heap-allocated double per key. {@link vipKey} makes the key.
 */
import type { GroupState } from './group-state.js';

export interface VipBinding {
  readonly ip: number;
  readonly iface: string;
  readonly group: GroupState;
}

/** The map key of an unsigned IPv4 address (see the file comment). */
export function vipKey(ip: number): number {
  return ip | 0;
}

export class VipTable {
  private readonly byIface = new Map<string, Map<number, VipBinding>>();
  /** Bindings per group, so a group's announcement does not scan every VIP of every group. */
  private readonly byGroup = new Map<string, VipBinding[]>();
  private total = 0;

  /**
   * Adds a VIP for `group` on `iface`; returns its binding.
   * @throws {Error} when the VIP is already bound on that interface (by any group).
   */
  add(iface: string, ip: number, group: GroupState): VipBinding {
    const binding = { ip, iface, group };
    this.addBinding(binding);
    return binding;
  }

  /**
   * Adds an existing binding object, e.g. one of the table being replaced:
   * a reload that keeps most VIPs then allocates almost nothing per VIP.
   * @throws {Error} when the VIP is already bound on that interface (by any group).
   */
  addBinding(binding: VipBinding): void {
    const { iface, ip, group } = binding;
    let table = this.byIface.get(iface);
    if (table === undefined) {
      table = new Map();
      this.byIface.set(iface, table);
    }
    const key = ip | 0;
    const existing = table.get(key);
    if (existing !== undefined) {
      throw new Error(`VIP is in two groups on interface ${iface}: "${existing.group.name}" and "${group.name}"`);
    }
    table.set(key, binding);
    let ofGroup = this.byGroup.get(group.name);
    if (ofGroup === undefined) this.byGroup.set(group.name, (ofGroup = []));
    ofGroup.push(binding);
    this.total++;
  }

  /** O(1): the binding of `ip` on `iface`, if any. */
  lookup(iface: string, ip: number): VipBinding | undefined {
    return this.byIface.get(iface)?.get(ip | 0);
  }

  /** The per-interface map (keys from {@link vipKey}), for a responder that looks up many frames at once. */
  forInterface(iface: string): ReadonlyMap<number, VipBinding> | undefined {
    return this.byIface.get(iface);
  }

  /** True when `ip` is a VIP on any interface. */
  isVip(ip: number): boolean {
    // A scan of the per-interface maps (a director has a handful of
    // interfaces) instead of one more map of every VIP.
    const key = ip | 0;
    for (const table of this.byIface.values()) if (table.has(key)) return true;
    return false;
  }

  /** Interfaces that carry at least one VIP. */
  interfaces(): string[] {
    return [...this.byIface.keys()];
  }

  /** All bindings (for status and announcements), interface by interface. */
  *bindings(): IterableIterator<VipBinding> {
    for (const table of this.byIface.values()) yield* table.values();
  }

  /** Bindings of one group. */
  bindingsOf(groupName: string): readonly VipBinding[] {
    return this.byGroup.get(groupName) ?? [];
  }


  get size(): number {
    return this.total;
  }
}
