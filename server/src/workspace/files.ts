/**
 * Which files belong to a workspace folder, and reading them safely.
 *
 * Discovery walks the folder once, honouring every `.gitignore` on the way (nested ones apply below
 * their own folder) and the configured `exclude` globs. Reading refuses what would hurt the
 * server: binary files (a NUL byte near the start), files over the size limit, and anything that
 * is not a regular file or lies in the kernel's folders (`/proc`, `/sys`, `/dev`), where a read can
 * block forever (a FIFO without a writer, `/proc/kmsg`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { isSystemPath, readTextFile } from '../text/read';
import { matchesAny } from '../text/glob';

export { isSystemPath, readTextFile, type ReadResult } from '../text/read';

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
  // Most paths asked about lie below the folder: cut the prefix instead of asking path.relative.
  if (filePath.length > folder.length + 1 && filePath.startsWith(folder) && filePath[folder.length] === path.sep && !folder.endsWith(path.sep)) {
    const rel = filePath.slice(folder.length + 1);
    if (!rel.includes(`${path.sep}..`) && !rel.startsWith('..') && !rel.includes(`${path.sep}.${path.sep}`) && !rel.includes(path.sep + path.sep)) {
      return path.sep === '/' ? rel : rel.split(path.sep).join('/');
    }
  }
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
    // Read like any workspace file: a .gitignore that is a FIFO must not block the walk.
    const read = readTextFile(path.join(dir, '.gitignore'), 1024 * 1024);
    if (read.ok) scope = { base: dir, rules: ignore().add(read.text) };
    this.scopes.set(dir, scope);
    return scope;
  }

  /** True when `filePath` (a file, or a folder when `isDirectory`) is excluded from the workspace. */
  ignores(filePath: string, isDirectory = false): boolean {
    const rel = relativePath(this.folder, filePath);
    if (rel === '' || rel.startsWith('..')) return false;
    return this.ignoresRelative(rel, isDirectory);
  }

  /**
   * The same answer for a path already relative to the folder (with `/` separators), which the
   * walk knows without asking `path.relative` for each of thousands of files.
   */
  ignoresRelative(rel: string, isDirectory = false): boolean {
    if (this.exclude.length > 0 && matchesAny(isDirectory ? `${rel}/` : rel, this.exclude)) return true;
    // Every .gitignore from the folder root down to the file's own folder may speak.
    let dir = this.folder;
    let from = 0;
    for (;;) {
      const scope = this.scope(dir);
      if (scope) {
        const below = (from === 0 ? rel : rel.slice(from)) + (isDirectory ? '/' : '');
        if (scope.rules.ignores(below)) return true;
      }
      const slash = rel.indexOf('/', from);
      if (slash === -1) return false;
      dir = path.join(dir, rel.slice(from, slash));
      from = slash + 1;
    }
  }
}

/**
 * Lists every file of a folder that is not ignored. Folders are pruned as soon as they are
 * ignored, so a large ignored `node_modules` costs nothing. Symbolic links are not followed.
 */
export function discoverFiles(
  rules: IgnoreRules,
  shouldStop: () => boolean = () => false,
  unreadable: (dir: string, error: Error) => void = () => undefined,
): string[] {
  const files: string[] = [];
  // Folders to visit, with their path relative to the workspace folder ('' for the folder itself).
  const pending: [string, string][] = [[rules.folder, '']];
  while (pending.length > 0) {
    if (shouldStop()) break;
    const [dir, relDir] = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      unreadable(dir, error as Error);
      continue;
    }
    for (const entry of entries) {
      const name = entry.name;
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      if (entry.isDirectory()) {
        if (name === '.git' || rules.ignoresRelative(rel, true)) continue;
        if (dir === '/' && isSystemPath(`/${name}`)) continue;
        pending.push([path.join(dir, name), rel]);
      } else if (entry.isFile()) {
        // Only regular files: FIFOs, devices and sockets are never listed.
        if (hasBinaryExtension(name) || rules.ignoresRelative(rel)) continue;
        files.push(path.join(dir, name));
      }
    }
  }
  return files;
}

