/**
 * A daemon with real InterfaceLinks (socket watch, responder, counters) on
 * `lo`, for the tests of what reads them (status, metrics, missing
 * interfaces): the wire is the test's fake conn, so it needs the addon but
 * not root, and no packet leaves.
 */
import { createLogger } from '../../src/log/log.js';
import type { DaemonConfig } from '../../src/config/load-config.js';
import type { Snapshot } from '../../src/config/snapshot.js';
import type { FrameConn } from '../../src/io/frame-conn.js';
import type { InterfaceLink } from '../../src/daemon/interface-link.js';
import { InterfaceLinkOpener } from '../../src/daemon/interface-link-opener.js';
import type { ForeignClaimSink } from '../../src/responder/foreign-claim.js';
import { assemble, type Build, type FixtureOptions, type TestDaemon } from './daemon-fixture.js';

/** A daemon with real InterfaceLinks on `lo` whose wire is `conn` (needs the addon, not root). */
export function startDaemon(
  config: DaemonConfig | Snapshot,
  conn: FrameConn,
  build: Build<InterfaceLink> = () => [],
  opts: FixtureOptions & { foreignClaims?: ForeignClaimSink } = {},
): Promise<TestDaemon<InterfaceLink>> {
  return assemble(
    config,
    (vips) => new InterfaceLinkOpener({ log: opts.log ?? createLogger('silent'), vips, foreignClaims: opts.foreignClaims ?? (() => {}), openConn: () => conn }),
    build,
    opts,
  );
}
