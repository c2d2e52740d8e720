/**
 * The foreign-claim port: the responders tell it of every frame whose sender
 * IP is a VIP of `group` on `iface` but whose sender MAC is not the group's —
 * the LVS "ARP problem" happening live (the conflict monitor, diagnostics/,
 * is the sink). Plain arguments: it runs per frame during a conflict, so
 * nothing is allocated for it.
 */
import type { ArpFrame } from '../wire/arp.js';
import type { GroupState } from '../vips/group-state.js';

export type ForeignClaimSink = (iface: string, group: GroupState, frame: Readonly<ArpFrame>, ifaceMac: number) => void;
