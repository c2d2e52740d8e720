/**
 * Which configured interfaces do not exist, as the lines `--check-config`
 * warns with. Pure: existence is asked of the caller.
 */

/** One warning per configured interface that `exists` says is missing, naming its groups. */
export function missingInterfaceWarnings(groups: ReadonlyArray<{ name: string; interface: string }>, exists: (iface: string) => boolean): string[] {
  const byIface = new Map<string, string[]>();
  for (const g of groups) {
    const list = byIface.get(g.interface);
    if (list === undefined) byIface.set(g.interface, [g.name]);
    else list.push(g.name);
  }
  const out: string[] = [];
  for (const [iface, names] of byIface) {
    if (exists(iface)) continue;
    out.push(
      `interface "${iface}" (groups ${names.map((n) => `"${n}"`).join(', ')}) does not exist now; the daemon waits for it and answers its VIPs once it appears (check groups[].interface if it is not created later)`,
    );
  }
  return out;
}
