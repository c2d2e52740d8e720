// @ts-check
/**
 * The pass-everything XDP program (test/e2e/fixtures/xdp-pass.bpf.c): a veth
 * delivers frames that XDP_TX sends back out of its peer only when the
 * receiving peer runs NAPI, and an XDP program on the peer is what turns it
 * on (GRO does not, on this lab's kernel). The XDP e2e tests and the flood
 * benchmark attach it to the receiving ends.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './run.mjs';

const PASS_SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'e2e', 'fixtures', 'xdp-pass.bpf.c');

/**
 * buildPassProgram compiles the pass-everything program into `dir`.
 * @param {string} dir
 * @returns {Promise<string>} the object's path
 * @throws {Error} when clang fails.
 */
export async function buildPassProgram(dir) {
  const out = join(dir, 'xdp-pass.bpf.o');
  const arch = (await run('gcc', ['-print-multiarch'], { check: true })).stdout.trim();
  await run('clang', ['-O2', '-target', 'bpf', `-I/usr/include/${arch}`, '-c', PASS_SOURCE, '-o', out], { check: true });
  return out;
}
