// Malformed ARP frames, one per reason the decoder rejects them, for the
// responder tests (AF_PACKET, and XDP in front of it).
import { arpFrameHex, type ArpFrameSpec } from './lab.js';

/** Each case: the `malformed:<reason>` it is counted as, and the frame as hex for scapySend. */
export function malformedArpFrames(base: ArpFrameSpec): Array<{ reason: string; hex: string }> {
  return [
    { reason: 'htype', hex: arpFrameHex({ ...base, htype: 6 }) },
    { reason: 'ptype', hex: arpFrameHex({ ...base, ptype: 0x86dd }) },
    { reason: 'hlen', hex: arpFrameHex({ ...base, hlen: 8 }) },
    { reason: 'plen', hex: arpFrameHex({ ...base, plen: 16 }) },
    { reason: 'op', hex: arpFrameHex({ ...base, op: 3 }) },
    { reason: 'sender-mac', hex: arpFrameHex({ ...base, senderMac: '01:00:5e:00:00:01' }) },
    { reason: 'sender-mac', hex: arpFrameHex({ ...base, senderMac: 'ff:ff:ff:ff:ff:ff' }) },
    { reason: 'short', hex: arpFrameHex({ ...base, truncate: 30 }) },
  ];
}
