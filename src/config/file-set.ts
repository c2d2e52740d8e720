/**
 * FileSet: the config and VIP files one load read, each read exactly once,
 * with a content hash. A reload validates exactly the bytes it hashed, so the
 * "unchanged" test and the applied snapshot can never disagree. Each file is
 * hashed as it is read, so its bytes may be freed once parsed (load-snapshot.ts)
 * and the set still hashes the same.
 */
import { readTextFile, type FileRead } from './read-text-file.js';
import { crypto } from '../util/node-builtins.js';
import { releaseBuffers } from '../util/release-buffer.js';

const { createHash } = crypto;

export type { FileRead } from './read-text-file.js';

export class FileSet {
  private readonly reads = new Map<string, FileRead>();
  /** sha256 of each file's bytes (ok reads) */
  private readonly digests = new Map<string, Buffer>();
  private readonly prefetched: FileSet | undefined;
  private budget: number | undefined;
  /** a read was refused because it would have gone past the budget */
  overBudget = false;

  /**
   * @param prefetched reads to reuse (e.g. those hashed to see whether anything changed) before touching the disk
   * @param budget bytes this set may read in all; a file that would go past it is not read and sets `overBudget`
   */
  constructor(prefetched?: FileSet, budget?: number) {
    this.prefetched = prefetched;
    this.budget = budget;
  }

  /** Reads `path` (absolute) once; later calls return the same result. Never throws, never blocks on a FIFO. */
  read(path: string): FileRead {
    let r = this.reads.get(path);
    if (r !== undefined) return r;
    r = this.prefetched?.reads.get(path);
    if (r !== undefined) {
      const digest = this.prefetched!.digests.get(path);
      if (digest !== undefined) this.digests.set(path, digest);
    } else {
      r = readTextFile(path, this.budget);
      if (r.ok) this.digests.set(path, createHash('sha256').update(r.bytes).digest());
      if (this.budget !== undefined) {
        if (r.ok) this.budget -= r.size;
        else if (r.code === 'EFBIG') this.overBudget = true;
      }
    }
    this.reads.set(path, r);
    return r;
  }

  /** Frees the bytes read (util/release-buffer.ts), when nothing loaded from them is kept. */
  release(): void {
    for (const r of this.reads.values()) if (r.ok) releaseBuffers(r.bytes);
  }

  /** Paths read, in first-read order. */
  paths(): string[] {
    return [...this.reads.keys()];
  }

  /** sha256 over every path and its content's sha256 (or error code), order-independent. */
  hash(): string {
    const h = createHash('sha256');
    for (const path of [...this.reads.keys()].sort()) {
      const r = this.reads.get(path)!;
      h.update(`${path}\0${r.ok ? `ok\0${r.size}\0` : `err\0${r.code}`}\0`);
      if (r.ok) h.update(this.digests.get(path)!);
    }
    return h.digest('hex');
  }
}
