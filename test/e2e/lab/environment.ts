/**
 * What an e2e test needs from its environment: the repository root, the
 * Python that has scapy, root and the tools a test drives (skipped with the
 * reason otherwise), temp dirs removed on teardown.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

/** Repository root, computed from this file's location (test/e2e/lab/environment.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Python that can import scapy (Debian's python3-scapy), not whatever python3 is first on PATH. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Debian package that provides each tool, for skip messages. */
const TOOL_PACKAGES: Record<string, string> = {
  ip: 'iproute2',
  arping: 'iputils-arping',
  ping: 'iputils-ping',
  tshark: 'tshark',
  tcpdump: 'tcpdump',
  keepalived: 'keepalived',
  farpd: 'farpd',
  scapy: 'python3-scapy',
  netsniff: 'netsniff-ng',
  trafgen: 'netsniff-ng',
  'ocf-tester': 'resource-agents',
  xmllint: 'libxml2-utils',
};

function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, tool);
    try {
      accessSync(p, fsConstants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
    try {
      accessSync(join(dir, tool), fsConstants.X_OK);
      return join(dir, tool);
    } catch {
      // not here
    }
  }
  return undefined;
}

function hasScapy(): boolean {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import scapy'], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * skipUnlessRoot skips the test (one skipped test point carrying the reason)
 * and returns true when we are not root or one of `tools` is missing. `'scapy'`
 * checks that `/usr/bin/python3` can import scapy; `'ip'` is always checked.
 *
 * Usage: `if (skipUnlessRoot(t, ['arping', 'tshark'])) return`
 */
export function skipUnlessRoot(t: Test, tools: string[] = []): boolean {
  let reason: string | undefined;
  if (process.platform !== 'linux') reason = 'needs Linux network namespaces';
  else if (process.getuid?.() !== 0) reason = 'needs root (CAP_NET_ADMIN, CAP_NET_RAW) for network namespaces';
  else {
    for (const tool of ['ip', ...tools]) {
      const ok = tool === 'scapy' ? hasScapy() : which(tool) !== undefined;
      if (!ok) {
        reason = `needs ${tool}: apt-get install ${TOOL_PACKAGES[tool] ?? tool}`;
        break;
      }
    }
  }
  if (reason === undefined) return false;
  // One skipped point that carries the reason, so reporters and
  // scripts/run-tests.mjs count it as skipped, not passed.
  t.pass('skipped', { skip: reason });
  t.end();
  return true;
}

/**
 * tempDir makes a fresh directory under the OS temp dir, removed on teardown.
 */
export function tempDir(t: Test, prefix = 'vip-arpd-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
