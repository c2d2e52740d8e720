#!/usr/bin/env node
// @ts-check
// `node lab/sweep-stale.mjs` (.ci/run): deletes the lab namespaces of runs
// whose process is gone (names.mjs), printing each; never anything else.
import { sweepStaleLabs } from './netns.mjs';

for (const name of await sweepStaleLabs()) console.log(`lab: removed stale namespace ${name}`);
