/**
 * The `fastPath` setting: which interfaces get the XDP fast path
 * (src/fastpath/, docs/xdp.md). `"off"` (the default), `"xdp"` for every
 * group interface (in the driver where it can, else generic), `"xdp-generic"`
 * for every group interface in generic mode only, or a list of the interface
 * names that get `"xdp"`.
 */

export type FastPathSetting = 'off' | 'xdp' | 'xdp-generic' | readonly string[];

/** How an interface's program is attached: `auto` tries the driver first. */
export type XdpAttachPolicy = 'auto' | 'generic';

const MODES = ['off', 'xdp', 'xdp-generic'];

/** Interface names as the kernel allows them: 1-15 bytes, no slash or whitespace. */
const IFACE_NAME = /^[^/\s]{1,15}$/;

/** What is wrong with a `fastPath` value (naming it and what is allowed), or undefined when it is one. */
export function fastPathProblem(v: unknown): string | undefined {
  if (typeof v === 'string' && MODES.includes(v)) return undefined;
  if (!Array.isArray(v)) return `must be "off", "xdp", "xdp-generic" or a list of interface names; got ${JSON.stringify(v)}`;
  for (const name of v) {
    if (typeof name !== 'string' || !IFACE_NAME.test(name)) {
      return `must list interface names (1-15 characters, no "/" or spaces); got ${JSON.stringify(name)}`;
    }
  }
  return undefined;
}

/** How `setting` attaches XDP to `iface`, or undefined when it does not. */
export function xdpPolicyFor(setting: FastPathSetting, iface: string): XdpAttachPolicy | undefined {
  if (setting === 'off') return undefined;
  if (setting === 'xdp') return 'auto';
  if (setting === 'xdp-generic') return 'generic';
  return setting.includes(iface) ? 'auto' : undefined;
}
