/**
 * Which files belong to a workspace folder, and reading them safely.
 *
 * Discovery walks the folder once, honouring every `.gitignore` on the way (nested ones apply below
 * their own folder) and the configured `exclude` globs. Reading refuses what would hurt the
 * server: binary files (a NUL byte near the start) and files over the size limit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { matchesAny } from './glob';

/** Extensions that are never text worth reading: skipped before any I/O. */
const binaryExtensions = new Set(
  (
    'png jpg jpeg gif bmp ico webp tif tiff psd pdf zip gz tgz bz2 xz 7z rar jar war ear class so dll dylib exe o a lib obj ' +
    'wasm node bin dat db sqlite mp3 mp4 mov avi mkv wav flac ogg woff woff2 ttf otf eot pyc pyo whl lockb'
  ).split(' '),
);

export function hasBinaryExtension(filePath: string): boolean {
  const dot = filePath.lastIndexOf('.');
  return dot >= 0 && binaryExtensions.has(filePath.slice(dot + 1).toLowerCase());
}

/** Relative path with `/` separators, for globs and .gitignore rules. */
export function relativePath(folder: string, filePath: string): string {
  return path.relative(folder, filePath).split(path.sep).join('/');
}

/** One .gitignore's rules, applying to paths below `base`. */
interface IgnoreScope {
  base: string;
  rules: Ignore;
}

/**
 * Answers "is this path ignored?" for one workspace folder, from its .gitignore files and the
 * exclude globs. .gitignore files are read lazily per folder and cached until `forget`.
 */
export class IgnoreRules {
  private readonly scopes = new Map<string, IgnoreScope | null>();

  constructor(
    readonly folder: string,
    private readonly exclude: readonly string[],
  ) {}

  /** Drops the cached rules of one .gitignore (after it changed on disk). */
  forget(gitignorePath: string): void {
    this.scopes.delete(path.dirname(gitignorePath));
  }

  private scope(dir: string): IgnoreScope | null {
    let scope = this.scopes.get(dir);
    if (scope !== undefined) return scope;
    scope = null;
    try {
      const text = fs.readFileSync(path.join(dir, '.gitignore'), 'utf8');
      scope = { base: dir, rules: ignore().add(text) };
    } catch {
      // No .gitignore here.
    }
    this.scopes.set(dir, scope);
    return scope;
  }

  /** True when `filePath` (a file, or a folder when `isDirectory`) is excluded from the workspace. */
  ignores(filePath: string, isDirectory = false): boolean {
    const rel = relativePath(this.folder, filePath);
    if (rel === '' || rel.startsWith('..')) return false;
    if (matchesAny(isDirectory ? `${rel}/` : rel, this.exclude)) return true;
    // Every .gitignore from the folder root down to the file's own folder may speak.
    const parts = rel.split('/');
    let dir = this.folder;
    for (let i = 0; i < parts.length; i++) {
      const scope = this.scope(dir);
      if (scope) {
        const below = parts.slice(i).join('/') + (isDirectory ? '/' : '');
        if (scope.rules.ignores(below)) return true;
      }
      dir = path.join(dir, parts[i]);
    }
    return false;
  }
}

/**
 * Lists every file of a folder that is not ignored. Folders are pruned as soon as they are
 * ignored, so a large ignored `node_modules` costs nothing. Symbolic links are not followed.
 */
export function discoverFiles(rules: IgnoreRules, shouldStop: () => boolean = () => false): string[] {
  const files: string[] = [];
  const pending = [rules.folder];
  while (pending.length > 0) {
    if (shouldStop()) break;
    const dir = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === '.git' || rules.ignores(full, true)) continue;
        pending.push(full);
      } else if (entry.isFile()) {
        if (hasBinaryExtension(entry.name) || rules.ignores(full)) continue;
        files.push(full);
      }
    }
  }
  return files;
}

export type ReadResult =
  | { ok: true; text: string }
  | { ok: false; reason: 'missing' | 'binary' | 'too-large' | 'unreadable'; detail: string };

/** Reads a file as UTF-8 text unless it is missing, binary or larger than `maxBytes`. */
export function readTextFile(filePath: string, maxBytes: number): ReadResult {
  let buffer: Buffer;
  try {
    const stat = fs.statSync(filePath);
    if (!stat.isFile()) return { ok: false, reason: 'missing', detail: `${filePath} is not a file` };
    if (stat.size > maxBytes) {
      return { ok: false, reason: 'too-large', detail: `${filePath} has ${stat.size} bytes, over the limit of ${maxBytes} (setting maxFileSize)` };
    }
    buffer = fs.readFileSync(filePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'missing', detail: `${filePath} does not exist` };
    return { ok: false, reason: 'unreadable', detail: `${filePath} could not be read: ${(error as Error).message}` };
  }
  if (looksBinary(buffer)) return { ok: false, reason: 'binary', detail: `${filePath} looks binary (it has NUL bytes)` };
  return { ok: true, text: buffer.toString('utf8') };
}

/** A NUL byte in the first 8 KiB marks a binary file, as git decides. */
export function looksBinary(buffer: Uint8Array): boolean {
  const end = Math.min(buffer.length, 8192);
  for (let i = 0; i < end; i++) if (buffer[i] === 0) return true;
  return false;
}
