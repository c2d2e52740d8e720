import t from 'tap';
import { releaseBuffers } from '../../src/util/release-buffer.js';
import { VipEntryList } from '../../src/vips/vip-entry-list.js';

const arrayBuffersMb = (): number => process.memoryUsage().arrayBuffers / 1048576;

t.test('releaseBuffers detaches whole-buffer views and frees their memory', async (t) => {
  const big = new Uint32Array(4 * 1048576);
  big.fill(7);
  const before = arrayBuffersMb();
  releaseBuffers(big);
  t.equal(big.length, 0, 'the view reads as empty');
  t.equal(big.buffer.byteLength, 0, 'its buffer is detached');
  // Node.js >= 22 frees at once (ArrayBuffer.prototype.transfer); older ones at the next scavenge.
  for (let i = 0; i < 50 && arrayBuffersMb() > before - 15; i++) {
    Array.from({ length: 50_000 }, (_, k) => ({ k }));
    await new Promise((r) => setImmediate(r));
  }
  t.ok(arrayBuffersMb() <= before - 15, `16 MB freed (${before.toFixed(1)} → ${arrayBuffersMb().toFixed(1)} MB of ArrayBuffers)`);
});

t.test('releaseBuffers leaves views of part of a buffer alone (a small Buffer shares node’s pool)', async (t) => {
  const pooled = Buffer.from('198.51.100.1\n');
  const neighbour = Buffer.from('kept');
  t.ok(pooled.byteLength < pooled.buffer.byteLength, 'a pooled Buffer');
  releaseBuffers(pooled, new Uint8Array(new ArrayBuffer(16), 4, 8));
  t.equal(pooled.toString(), '198.51.100.1\n');
  t.equal(neighbour.toString(), 'kept');
  releaseBuffers(new Uint8Array(0));
  t.pass('an empty buffer is fine');
});

t.test('VipEntryList.release empties the list', async (t) => {
  const list = new VipEntryList(1000);
  list.push(false, 1, 10);
  list.release();
  t.equal(list.count, 0);
  t.equal(list.ipv6Count, 0);
});
