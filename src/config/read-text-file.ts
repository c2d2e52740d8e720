/**
 * Reads a config or VIP file, checked to be text, without ever blocking on it, and says
 * exactly what is wrong when it is not a readable UTF-8 text file.
 *
 * open(2) of a FIFO blocks until a writer opens it, and a device file can
 * block or never end: a VIP file replaced by `mkfifo` froze the whole daemon.
 * So the path is stat()ed first and anything but a regular file is refused
 * without opening it; the open is O_NONBLOCK anyway and fstat()ed again, so a
 * file swapped for a FIFO between the two calls is refused as well.
 */
import type { Stats } from 'node:fs';
import { LineIndex, type TextPosition } from './json-position.js';
import { fs } from '../util/node-builtins.js';
import { isUtf8 } from 'node:buffer';

const { closeSync, constants, fstatSync, openSync, readFileSync, readSync, statSync } = fs;

/**
 * Larger files are refused instead of read: the largest legitimate config
 * (65,535 groups, or millions of inline VIPs) is well under 100 MB, and a
 * wrong path (a disk image, a log) must not exhaust the daemon's memory.
 */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

const NEWLINE = 0x0a;

/** A failed read: `code` is stable (an errno name or one of ours), `reason` says it for people. */
export interface FileReadFailure {
  ok: false;
  code: string;
  reason: string;
  /** where in the file, when the problem is in its content */
  position?: TextPosition;
}

/**
 * A file's bytes, checked to be UTF-8 text without NUL: VIP files are parsed
 * from them line by line (config/vips-file.ts) and never turned into one
 * string, which Node.js 24 keeps outside the heap until a full collection
 * (docs/benchmarks.md); the config file's JSON is decoded with {@link textOf}.
 * `size` and `endsInNewline` stay true of the file when the bytes are freed
 * after parsing (load-snapshot.ts).
 */
export type FileRead = { ok: true; bytes: Uint8Array; mtimeMs: number; size: number; endsInNewline: boolean } | FileReadFailure;

const ERRNO_REASONS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied: the daemon user cannot read it',
  EPERM: 'permission denied: the daemon user cannot read it',
  ELOOP: 'too many levels of symbolic links',
  ENOTDIR: 'a component of the path is not a directory',
  ENXIO: 'it is a socket or a device without a driver, not a regular file',
  EMFILE: 'the daemon has too many open files',
};

/** What kind of file `st` is, for "is a FIFO (named pipe), not a regular file". */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function failure(code: string, reason: string, position?: TextPosition): FileReadFailure {
  return position === undefined ? { ok: false, code, reason } : { ok: false, code, reason, position };
}

function notRegular(st: Stats): FileReadFailure | undefined {
  if (st.isFile()) return undefined;
  return failure('ENOTREG', `it is ${kindOf(st)}, not a regular file; refusing to open it`);
}

function errnoFailure(err: unknown): FileReadFailure {
  const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
  return failure(code, ERRNO_REASONS[code] ?? code);
}

/**
 * Reads `path` as UTF-8 text (a leading byte order mark is dropped). Never
 * throws and never blocks on a FIFO or device.
 * @param limit larger files are not read: EFBIG (default MAX_FILE_BYTES)
 */
export function readTextFile(path: string, limit = MAX_FILE_BYTES): FileRead {
  try {
    const refused = notRegular(statSync(path));
    if (refused !== undefined) return refused;
  } catch (err) {
    return errnoFailure(err);
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    return errnoFailure(err);
  }
  try {
    const st = fstatSync(fd);
    const refused = notRegular(st);
    if (refused !== undefined) return refused;
    if (st.size > limit) {
      return failure('EFBIG', `it is ${st.size} bytes; files over ${Math.round(limit / 1024 / 1024)} MiB are refused (is it the right file?)`);
    }
    const bytes = readWhole(fd, st.size);
    if (bytes.length > MAX_FILE_BYTES) return failure('EFBIG', `it grew past ${MAX_FILE_BYTES / 1024 / 1024} MiB while being read`);
    const refusedContent = checkText(bytes);
    if (refusedContent !== undefined) return refusedContent;
    return { ok: true, bytes, mtimeMs: st.mtimeMs, size: bytes.length, endsInNewline: bytes[bytes.length - 1] === NEWLINE };
  } catch (err) {
    return errnoFailure(err);
  } finally {
    closeSync(fd);
  }
}

/**
 * The bytes of open file `fd` (`size` as fstat() said) in a buffer of exactly
 * their length (util/release-buffer.ts can free it once parsed): readFileSync
 * of an fd on Node.js 24 returns a file under 64 KiB as a slice of a 64 KiB
 * buffer. A file that grew or shrank meanwhile is read to its end.
 */
function readWhole(fd: number, size: number): Buffer {
  const bytes = Buffer.allocUnsafeSlow(size);
  let n = 0;
  while (n < size) {
    const read = readSync(fd, bytes, n, size - n, null);
    if (read === 0) break;
    n += read;
  }
  const rest = readFileSync(fd);
  return n === size && rest.length === 0 ? bytes : Buffer.concat([bytes.subarray(0, n), rest]);
}

const UTF8 = new TextDecoder('utf-8');

/** Checked bytes → text, BOM dropped (TextDecoder's default). */
export function textOf(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}

/**
 * Undefined for UTF-8 text; binary content is named with its place: the
 * first byte that is not UTF-8, or a NUL character (valid UTF-8, but never in
 * a text file).
 */
export function checkText(bytes: Uint8Array): FileReadFailure | undefined {
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes);
    const before = textOf(bytes.subarray(0, at));
    const byte = bytes[at]!.toString(16).padStart(2, '0');
    return failure('EILSEQ', `byte 0x${byte} is not UTF-8 text: is this a binary file?`, new LineIndex(before).positionOf(before.length));
  }
  const nul = bytes.indexOf(0);
  if (nul < 0) return undefined;
  const before = textOf(bytes.subarray(0, nul));
  return failure('EILSEQ', 'a NUL character: is this a binary file?', new LineIndex(before).positionOf(before.length));
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (RFC 3629). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
    }
    // overlong 3/4-byte forms, UTF-16 surrogates and code points past U+10FFFF
    const d1 = b[i + 1] ?? 0;
    if ((c === 0xe0 && d1 < 0xa0) || (c === 0xed && d1 > 0x9f) || (c === 0xf0 && d1 < 0x90) || (c === 0xf4 && d1 > 0x8f)) return i;
    i += n + 1;
  }
  return b.length;
}
