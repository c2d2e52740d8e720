// The JSON Schemas of vip-arpctl's --json output (docs/schema/), compiled
// with ajv in strict mode, for tests that check real daemon output against
// them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { REPO_ROOT } from './lab.js';

export const SCHEMA_DIR = join(REPO_ROOT, 'docs', 'schema');
const ID_BASE = 'https://vip-arpd.example/schema/';

/** One compiled schema per command, all sharing common.schema.json. */
export function loadSchemas(): (name: string, data: unknown) => ErrorObject[] {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  for (const f of readdirSync(SCHEMA_DIR).filter((n) => n.endsWith('.schema.json'))) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMA_DIR, f), 'utf8')));
  return (name, data) => {
    const validate = ajv.getSchema(`${ID_BASE}${name}.schema.json`);
    if (validate === undefined) throw new Error(`no schema docs/schema/${name}.schema.json`);
    return validate(data) ? [] : (validate.errors ?? []);
  };
}
