// @ts-check
/**
 * The two-namespace LAN the reload benchmarks use: a client (192.0.2.2) and
 * a director (192.0.2.1) joined by a veth pair, the paced sender compiled,
 * and a temp dir; all removed on exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNamespace, createVeth, nsExec } from './netns.mjs';
import { compileSender } from './sender.mjs';

/**
 * @param {string} tmpPrefix name prefix of the temp dir
 * @returns {Promise<{ tmp: string, sender: { path: string }, client: string, director: string }>}
 */
export async function clientDirectorLan(tmpPrefix) {
  const tmp = mkdtempSync(join(tmpdir(), tmpPrefix));
  const sender = compileSender();
  process.on('exit', () => {
    sender.remove();
    rmSync(tmp, { recursive: true, force: true });
  });
  const client = await createNamespace('client');
  const director = await createNamespace('director');
  await createVeth(client, 'eth0', director, 'eth0');
  nsExec(client, 'ip', ['addr', 'add', '192.0.2.2/24', 'dev', 'eth0']);
  nsExec(director, 'ip', ['addr', 'add', '192.0.2.1/24', 'dev', 'eth0']);
  return { tmp, sender, client, director };
}
