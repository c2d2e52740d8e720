/**
 * The snapshot and VIP tables (one per family) in force. The daemon (daemon.ts) replaces both
 * in one step on every apply; features read them through ConfigView and
 * VipSource.
 */
import { EventEmitter } from 'node:events';
import type { ConfigView, SnapshotApplied, SnapshotEvents } from '../config/config-view.js';
import type { DaemonConfig } from '../config/load-config.js';
import type { Snapshot } from '../config/snapshot.js';
import type { VipSource } from '../vips/vip-lookup.js';
import { VipTable } from '../vips/vip-table.js';
import { Ipv6VipTable } from '../vips/ipv6-vip-table.js';

export class SnapshotInForce extends EventEmitter<SnapshotEvents> implements ConfigView, VipSource {
  private current: Snapshot | undefined;
  private vipTable = new VipTable();
  private ipv6VipTable = new Ipv6VipTable();
  private gen = 0;

  get snapshot(): Snapshot {
    if (this.current === undefined) throw new Error('daemon has no snapshot yet');
    return this.current;
  }

  get config(): DaemonConfig {
    return this.snapshot.config;
  }

  get table(): VipTable {
    return this.vipTable;
  }

  get ipv6Table(): Ipv6VipTable {
    return this.ipv6VipTable;
  }

  get generation(): number {
    return this.gen;
  }

  /** Puts `snapshot` and its tables in force; returns the new generation. */
  replace(snapshot: Snapshot, table: VipTable, ipv6Table: Ipv6VipTable): number {
    this.vipTable = table;
    this.ipv6VipTable = ipv6Table;
    this.current = snapshot;
    return ++this.gen;
  }

  /** Tells the listeners, once the daemon has finished applying. */
  applied(result: SnapshotApplied): void {
    this.emit('snapshot-applied', result);
  }
}
