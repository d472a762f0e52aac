/**
 * Reading a workspace file as text, safely: regular files only (never a FIFO, a device, or
 * anything in `/proc`, `/sys` or `/dev`), within a size limit, and not binary.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** The kernel's own file systems: their files report size 0 or block, and are never workspace text. */
const systemFolders = ['/proc', '/sys', '/dev'];

/** True when an absolute path lies in `/proc`, `/sys` or `/dev` (or is one of them). */
export function isSystemPath(filePath: string): boolean {
  if (process.platform === 'win32') return false;
  return systemFolders.some((folder) => filePath === folder || filePath.startsWith(`${folder}/`));
}

/**
 * Opening a FIFO for reading waits for a writer; with O_NONBLOCK it returns at once (and a read
 * finds no data), so a file swapped for a FIFO between the check and the read cannot block.
 */
const readFlags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** What kind of thing a path is when it is not a regular file, for a log line. */
function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * True when the text looks binary (a NUL among its first 8 KiB): such a file yields no facts.
 */
export function looksBinary(text: string): boolean {
  const head = text.length > 8192 ? text.slice(0, 8192) : text;
  return head.includes('\u0000');
}

export type ReadResult =
  | { ok: true; text: string }
  | { ok: false; reason: 'missing' | 'binary' | 'too-large' | 'unreadable' | 'not-a-file'; detail: string };

/**
 * Reads a file as UTF-8 text unless it is missing, binary, larger than `maxBytes`, or not a regular
 * file of the workspace (a FIFO, a device, anything in `/proc`, `/sys` or `/dev`). `readFileSync`
 * with an encoding opens, reads and decodes in one call into the runtime, which a full index of
 * thousands of files notices; the size is checked first so a huge file is never read, and an empty
 * one is not read at all (procfs reports size 0 for files whose read can block).
 */
export function readTextFile(filePath: string, maxBytes: number): ReadResult {
  let text: string;
  try {
    if (isSystemPath(path.resolve(filePath))) return { ok: false, reason: 'not-a-file', detail: `${filePath} is in a system folder (/proc, /sys, /dev)` };
    const stat = fs.statSync(filePath, { throwIfNoEntry: false });
    if (!stat) return { ok: false, reason: 'missing', detail: `${filePath} does not exist` };
    if (stat.isDirectory()) return { ok: false, reason: 'missing', detail: `${filePath} is not a file` };
    if (!stat.isFile()) return { ok: false, reason: 'not-a-file', detail: `${filePath} is ${kindOf(stat)}, not a regular file` };
    if (stat.size > maxBytes) {
      return { ok: false, reason: 'too-large', detail: `${filePath} has ${stat.size} bytes, over the limit of ${maxBytes} (setting maxFileSize)` };
    }
    if (stat.size === 0) return { ok: true, text: '' };
    // The runtime takes numeric flags here too (its types say only strings).
    text = fs.readFileSync(filePath, { encoding: 'utf8', flag: readFlags as unknown as string });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'missing', detail: `${filePath} does not exist` };
    if (code === 'EISDIR') return { ok: false, reason: 'missing', detail: `${filePath} is not a file` };
    return { ok: false, reason: 'unreadable', detail: `${filePath} could not be read: ${(error as Error).message}` };
  }
  // NUL decodes to U+0000, so the text answers "a NUL near the start?" as the bytes would.
  if (looksBinary(text)) return { ok: false, reason: 'binary', detail: `${filePath} looks binary (it has NUL bytes)` };
  return { ok: true, text };
}

/**
 * Hands a file to `write` as UTF-8 text in pieces of about 1 MB, so that a streaming reader never
 * holds the whole file as one string. A character split between two pieces arrives whole.
 */
export function streamTextFile(file: string, write: (text: string) => void): void {
  const decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      write(decoder.write(buffer.subarray(0, n)));
    }
    write(decoder.end());
  } finally {
    fs.closeSync(fd);
  }
}
