/**
 * Seeded pseudo-random input for the random-buffer tests, so that a failure
 * can be replayed: each test prints the seed it ran with, and
 * `TEST_SEED=<seed> node scripts/run-tests.mjs <file>` runs it again with
 * exactly the same inputs. Without TEST_SEED every run uses DEFAULT_TEST_SEED.
 *
 * The generator is mulberry32 (32-bit state, one multiply-xorshift round per
 * word): small, fast and good enough to spread test inputs; not for secrets.
 */

/** The seed used when TEST_SEED is not set. */
export const DEFAULT_TEST_SEED = 20261201;

/**
 * testSeed returns TEST_SEED as an unsigned 32-bit integer, or DEFAULT_TEST_SEED when unset.
 * @throws {RangeError} when TEST_SEED is set but is not an integer in [0, 2^32).
 */
export function testSeed(env: NodeJS.ProcessEnv = process.env): number {
  const text = env['TEST_SEED'];
  if (text === undefined || text === '') return DEFAULT_TEST_SEED;
  const seed = Number(text);
  if (!/^\d+$/.test(text) || seed > 0xffff_ffff) {
    throw new RangeError(`Cannot use TEST_SEED=${JSON.stringify(text)}: it must be an integer from 0 to 4294967295`);
  }
  return seed;
}

/** A deterministic stream of pseudo-random values from one seed. */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** The next unsigned 32-bit value (mulberry32). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  }

  /** `length` pseudo-random bytes. */
  bytes(length: number): Buffer {
    const buf = Buffer.alloc(length);
    for (let i = 0; i < length; i += 4) {
      const word = this.nextUint32();
      for (let j = 0; j < 4 && i + j < length; j++) buf[i + j] = (word >>> (8 * j)) & 0xff;
    }
    return buf;
  }
}

/**
 * seededRandomFor prints the seed on `t` (a tap test) and returns a generator
 * seeded with it; put `rng.seed` in the assertion messages too, so that a
 * failure line carries it whatever the reporter shows.
 */
export function seededRandomFor(t: { comment(...message: unknown[]): void }): SeededRandom {
  const seed = testSeed();
  t.comment(`random inputs from seed ${seed} (replay: TEST_SEED=${seed})`);
  return new SeededRandom(seed);
}
