// FifoReader and the notify FIFO feature against real FIFOs (mkfifo(1)), no
// root: lines in order, keepalived-style delete and recreate, writes that
// happened before we opened, stopping.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log/log.js';
import { FifoReader } from '../../src/keepalived/fifo-reader.js';
import { NotifyFifoFeature } from '../../src/keepalived/notify-fifo-feature.js';
import { configWith, RecordingConn, startFakeDaemon } from './daemon-fixture.js';

const log = createLogger('silent');
const RECHECK_MS = 20;

function fifoPath(t: Test): string {
  const d = mkdtempSync(join(tmpdir(), 'vip-arpd-fifo-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return join(d, 'notify.fifo');
}

/** Writes like keepalived: open O_RDWR|O_NONBLOCK (never blocks, reader or not), write, keep or close. */
function writeFifo(path: string, text: string): void {
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  writeSync(fd, text);
  // Held a moment so the data outlives the write when no reader has it open yet.
  setTimeout(() => closeSync(fd), 500);
}

async function until(pred: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return pred();
}

t.test('FifoReader reads lines in order and follows a recreated FIFO', async (t) => {
  const path = fifoPath(t);
  const lines: string[] = [];
  const reader = new FifoReader({ path, log, onLine: (l) => lines.push(l), recheckMs: RECHECK_MS });
  t.teardown(() => reader.stop());
  reader.start();
  t.equal(reader.isOpen, false, 'waits while the FIFO does not exist');

  execFileSync('mkfifo', [path]);
  t.ok(await until(() => reader.isOpen), 'opens the FIFO once it appears');
  writeFifo(path, 'INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MAS');
  writeFifo(path, 'TER 100\nGROUP "VG_1" FAULT 0\n');
  t.ok(await until(() => lines.length === 3));
  t.same(lines, ['INSTANCE "VI_1" BACKUP 100', 'INSTANCE "VI_1" MASTER 100', 'GROUP "VG_1" FAULT 0'], 'in order, split lines joined');

  // keepalived restarting: its FIFO is unlinked, a new one is made and written at once.
  unlinkSync(path);
  execFileSync('mkfifo', [path]);
  writeFifo(path, 'INSTANCE "VI_1" BACKUP 100\n');
  t.ok(await until(() => lines.length === 4), 'reads the new FIFO, including what was written before it was opened');
  t.equal(lines[3], 'INSTANCE "VI_1" BACKUP 100');
  t.equal(reader.opens, 2, 'reopened once');

  reader.stop();
  t.equal(reader.isOpen, false, 'stop closes the FIFO');
  writeFifo(path, 'INSTANCE "VI_1" MASTER 100\n');
  await new Promise((r) => setTimeout(r, 100));
  t.equal(lines.length, 4, 'nothing is read after stop');
});

t.test('FifoReader refuses a path that is not a FIFO and keeps waiting', async (t) => {
  const path = fifoPath(t);
  execFileSync('touch', [path]);
  const reader = new FifoReader({ path, log, onLine: () => undefined, recheckMs: RECHECK_MS });
  t.teardown(() => reader.stop());
  reader.start();
  await new Promise((r) => setTimeout(r, 60));
  t.equal(reader.isOpen, false);
  unlinkSync(path);
  execFileSync('mkfifo', [path]);
  t.ok(await until(() => reader.isOpen), 'opens once a FIFO replaces the file');
});

t.test('the notify FIFO feature applies keepalived lines to mapped groups', async (t) => {
  const path = fifoPath(t);
  execFileSync('mkfifo', [path]);
  const daemon = await startFakeDaemon(
    configWith([{ name: 'web', interface: 'lo', vips: ['198.51.100.10'], keepalived: ['VI_1'], initialRole: 'backup' }], { keepalived: { notifyFifo: path } }),
    new RecordingConn(),
    (p) => [new NotifyFifoFeature(p)],
  );
  t.teardown(() => daemon.stop());
  const changes: string[] = [];
  daemon.roles.on('role-changed', (c) => changes.push(`${c.to}/${c.source}`));
  writeFifo(
    path,
    [
      'INSTANCE "VI_1" MASTER 100',
      'VS [192.0.2.1]:tcp:80 UP',
      'garbage',
      'INSTANCE "VI_2" MASTER 100',
      'INSTANCE "VI_1" FAULT 0',
      'INSTANCE "VI_1" MASTER 100',
      '',
    ].join('\n'),
  );
  t.ok(await until(() => changes.length === 3));
  t.same(changes, ['MASTER/keepalived', 'FAULT/keepalived', 'MASTER/keepalived'], 'role changes in FIFO order; other lines skipped');
  t.equal(daemon.groups.get('web')?.role, 'MASTER');
});
