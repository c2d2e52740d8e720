/**
 * vip-arpctl's line for the `config` status section (the reloader's):
 * "config: generation 3, loaded 2 min ago, watching 2 files; last reload
 * failed 10 s ago: web.vips:2:1: invalid VIP entry …".
 */
import type { ConfigStatus } from './reloader.js';
import { otherFields, type RenderContext } from '../control/generic-format.js';
import { ago, count, firstLine } from '../control/human-units.js';

const SHOWN: readonly (keyof ConfigStatus)[] = [
  'file',
  'generation',
  'loadedAt',
  'lastError',
  'lastErrorAt',
  'reloadFailures',
  'reloads',
  'pending',
  'emptyVipFiles',
  'watching',
];

/** The `config` section, one line (plus any field this version does not know). */
function renderConfigSection(data: unknown, ctx: RenderContext): string {
  const c = data as ConfigStatus & Record<string, unknown>;
  if (typeof c.generation !== 'number' || !Array.isArray(c.watching)) throw new TypeError('not a config status section');
  const parts = [
    `generation ${c.generation}`,
    `loaded ${ago(c.loadedAt, ctx.now)}`,
    c.watching.length === 0 ? 'not watching files' : `watching ${count(c.watching.length, 'file')}`,
  ];
  if (c.reloads > 0 || c.reloadFailures > 0) parts.push(`${count(c.reloads, 'reload')} applied, ${c.reloadFailures} failed`);
  if (c.pending !== null) parts.push(`waiting for ${c.pending} to be complete`);
  const empty = c.emptyVipFiles ?? [];
  if (empty.length > 0) parts.push(`${count(empty.length, 'empty VIP file')} taken as not yet written (${empty.map((e) => e.file).join(', ')})`);
  const failed = c.lastError === null ? '' : `; ${ctx.style.paint('red', `last reload failed ${ago(c.lastErrorAt, ctx.now)}`)}: ${firstLine(c.lastError)}`;
  const file = c.file === null ? '' : ` ${c.file}`;
  return `config${file}: ${parts.join(', ')}${failed}${otherFields(c, SHOWN, ctx)}`;
}

/** vip-arpctl formatters of the config feature's status sections. */
export const CONFIG_STATUS_FORMATTERS = { config: renderConfigSection } as const;
