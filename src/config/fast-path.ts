/**
 * The `fastPath` setting: which interfaces get the XDP fast path
 * (src/fastpath/, docs/xdp.md). `"off"` (the default), `"xdp"` for every
 * group interface, or a list of the interface names that get it.
 */

export type FastPathSetting = 'off' | 'xdp' | readonly string[];

/** Interface names as the kernel allows them: 1-15 bytes, no slash or whitespace. */
const IFACE_NAME = /^[^/\s]{1,15}$/;

/**
 * Convict validator for `fastPath`.
 * @throws {Error} naming the bad value and what is allowed.
 */
export function validateFastPath(v: unknown): void {
  if (v === 'off' || v === 'xdp') return;
  if (!Array.isArray(v)) throw new Error(`must be "off", "xdp" or a list of interface names; got ${JSON.stringify(v)}`);
  for (const name of v) {
    if (typeof name !== 'string' || !IFACE_NAME.test(name)) {
      throw new Error(`must list interface names (1-15 characters, no "/" or spaces); got ${JSON.stringify(name)}`);
    }
  }
}

/** True when `setting` gives `iface` the XDP fast path. */
export function wantsXdp(setting: FastPathSetting, iface: string): boolean {
  if (setting === 'off' || setting === 'xdp') return setting === 'xdp';
  return setting.includes(iface);
}
