import t from 'tap';
import { DEFAULT_TEST_SEED, SeededRandom, testSeed } from './seeded-random.js';

t.test('SeededRandom is mulberry32: seed 1 starts with its published first value', async (t) => {
  t.equal(new SeededRandom(1).nextUint32() / 2 ** 32, 0.6270739405881613);
});

t.test('SeededRandom gives the same bytes for the same seed and others for another', async (t) => {
  const a = new SeededRandom(42).bytes(1001);
  t.same(new SeededRandom(42).bytes(1001), a);
  t.notSame(new SeededRandom(43).bytes(1001), a);
  t.equal(new SeededRandom(7).bytes(3).length, 3, 'a length not a multiple of 4');
});

t.test('testSeed reads TEST_SEED, defaults without it, and refuses what is not a 32-bit integer', async (t) => {
  t.equal(testSeed({}), DEFAULT_TEST_SEED);
  t.equal(testSeed({ TEST_SEED: '' }), DEFAULT_TEST_SEED);
  t.equal(testSeed({ TEST_SEED: '4294967295' }), 4294967295);
  t.equal(testSeed({ TEST_SEED: '0' }), 0);
  for (const bad of ['-1', '1.5', '0x10', 'abc', '4294967296', ' 1']) {
    t.throws(() => testSeed({ TEST_SEED: bad }), { name: 'RangeError', message: /TEST_SEED/ }, bad);
  }
});
