/**
 * Pure decoding of rtnetlink link messages (rtnetlink(7), linux/netlink.h,
 * linux/if_link.h): RTM_NEWLINK / RTM_DELLINK as the kernel multicasts them
 * to RTNLGRP_LINK. Every length is checked before it is read; any buffer
 * decodes to links and a count of what could not be decoded, never a throw.
 *
 * Layout (host byte order):
 *
 *   nlmsghdr   u32 len | u16 type | u16 flags | u32 seq | u32 pid      (16 bytes)
 *   ifinfomsg  u8 family | u8 pad | u16 type | i32 index | u32 flags | u32 change  (16 bytes)
 *   rtattr*    u16 len | u16 type | data, each padded to 4 bytes
 *
 * A datagram may hold several messages, each starting on a 4-byte boundary.
 */
import { endianness } from 'node:os';

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const NLMSG_HDRLEN = 16;
const IFINFOMSG_LEN = 16;
const RTATTR_HDRLEN = 4;

export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_OPERSTATE = 16;

/** net/if.h / linux/if.h device flags. */
export const IFF_UP = 0x1;
export const IFF_RUNNING = 0x40;
export const IFF_LOWER_UP = 0x10000;

/** RFC 2863 operational states (linux/if.h IF_OPER_*), as `ip link` names them. */
export const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'] as const;

/** One link as one message describes it. */
export interface LinkMessage {
  /** RTM_NEWLINK (created or changed) or RTM_DELLINK (deleted) */
  kind: 'new' | 'del';
  index: number;
  /** IFLA_IFNAME; undefined when the message has none */
  name: string | undefined;
  /** IFF_* flags as SIOCGIFFLAGS reports them (IFF_RUNNING included) */
  flags: number;
  /** ARPHRD_* type (ifi_type) */
  hwType: number;
  /** IFLA_ADDRESS, copied; undefined when absent */
  mac: Buffer | undefined;
  /** IFLA_OPERSTATE name; undefined when absent */
  operstate: string | undefined;
}

export interface DecodedLinks {
  links: LinkMessage[];
  /** messages that were cut short or had an impossible length */
  malformed: number;
}

const LE = endianness() === 'LE';
const u16 = (b: Buffer, o: number): number => (LE ? b.readUInt16LE(o) : b.readUInt16BE(o));
const u32 = (b: Buffer, o: number): number => (LE ? b.readUInt32LE(o) : b.readUInt32BE(o));
const i32 = (b: Buffer, o: number): number => (LE ? b.readInt32LE(o) : b.readInt32BE(o));
const align4 = (n: number): number => (n + 3) & ~3;

/** True when the link can carry frames: administratively up and operationally running. */
export function isRunning(flags: number): boolean {
  return (flags & IFF_UP) !== 0 && (flags & IFF_RUNNING) !== 0;
}

/**
 * Decodes the link messages in `buf[0..length)`, in order. Other message
 * types (NLMSG_DONE, NLMSG_ERROR, address or route messages) are skipped.
 */
export function decodeLinkMessages(buf: Buffer, length: number = buf.length): DecodedLinks {
  const end = Math.min(length, buf.length);
  const links: LinkMessage[] = [];
  let malformed = 0;
  let off = 0;
  while (off + NLMSG_HDRLEN <= end) {
    const len = u32(buf, off);
    const type = u16(buf, off + 4);
    if (len < NLMSG_HDRLEN || off + len > end) {
      malformed++;
      break;
    }
    if (type === RTM_NEWLINK || type === RTM_DELLINK) {
      const link = decodeLink(buf, off + NLMSG_HDRLEN, off + len, type === RTM_NEWLINK ? 'new' : 'del');
      if (link === undefined) malformed++;
      else links.push(link);
    }
    off += align4(len);
  }
  if (off < end && off + NLMSG_HDRLEN > end) malformed++;
  return { links, malformed };
}

function decodeLink(buf: Buffer, start: number, end: number, kind: 'new' | 'del'): LinkMessage | undefined {
  if (start + IFINFOMSG_LEN > end) return undefined;
  const link: LinkMessage = {
    kind,
    hwType: u16(buf, start + 2),
    index: i32(buf, start + 4),
    flags: u32(buf, start + 8),
    name: undefined,
    mac: undefined,
    operstate: undefined,
  };
  let off = start + IFINFOMSG_LEN;
  while (off + RTATTR_HDRLEN <= end) {
    const len = u16(buf, off);
    const type = u16(buf, off + 2) & 0x3fff; // strip NLA_F_NESTED / NLA_F_NET_BYTEORDER
    if (len < RTATTR_HDRLEN || off + len > end) return undefined;
    const data = off + RTATTR_HDRLEN;
    const dataLen = len - RTATTR_HDRLEN;
    if (type === IFLA_IFNAME) {
      const nul = buf.indexOf(0, data);
      link.name = buf.toString('utf8', data, nul < 0 || nul > data + dataLen ? data + dataLen : nul);
    } else if (type === IFLA_ADDRESS) {
      link.mac = Buffer.from(buf.subarray(data, data + dataLen));
    } else if (type === IFLA_OPERSTATE && dataLen >= 1) {
      link.operstate = OPERSTATES[buf[data]!] ?? `state ${buf[data]}`;
    }
    off += align4(len);
  }
  return link;
}
