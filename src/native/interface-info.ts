/**
 * Interface facts by name (netdevice(7) ioctls): index, flags, MAC. The
 * IFF_* flag bits are in src/iface/rtnetlink.ts (netlink reports the same).
 */
import { check, native } from './addon.js';

export interface InterfaceInfo {
  name: string;
  index: number;
  mac: Buffer;
  flags: number;
  /** ARPHRD_* type (1 = Ethernet, the only one carrying Ethernet ARP). */
  hwType: number;
}

/**
 * Reads an interface's index, flags and MAC.
 * @throws {SystemError} ENODEV when no interface has that name.
 */
export function interfaceInfo(name: string): InterfaceInfo {
  const index = check(native.interfaceIndex(name), 'ioctl(SIOCGIFINDEX)', name);
  const flags = check(native.interfaceFlags(name), 'ioctl(SIOCGIFFLAGS)', name);
  const mac = Buffer.alloc(6);
  const hwType = check(native.interfaceMac(name, mac), 'ioctl(SIOCGIFHWADDR)', name);
  return { name, index, mac, flags, hwType };
}
