/**
 * The e2e lab helpers in one import, for the tests written against it; each
 * concern lives in its own module under test/e2e/lab/ (and the namespace
 * plumbing, shared with the benchmarks and the demo, under lab/).
 */
export { LAB_PREFIX } from '../../lab/names.mjs';
export { sweepStaleLabs } from '../../lab/netns.mjs';
export { waitExit } from '../../lab/processes.mjs';
export { run, type ExecOpts, type ExecResult } from '../../lab/run.mjs';
export * from './lab/capture.js';
export * from './lab/clients.js';
export * from './lab/controlled-daemon.js';
export * from './lab/daemon.js';
export * from './lab/environment.js';
export * from './lab/frames.js';
export * from './lab/namespaces.js';
export * from './lab/wait.js';
