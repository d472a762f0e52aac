/**
 * Reads a coverage report of any supported format from disk and resolves its file names in the
 * workspace. The format is told by the content, not the name: XML (Cobertura or JaCoCo by the root
 * element), JSON (coverage.py's `coverage json`), anything else LCOV.
 *
 * A report names files as the tool saw them: absolute paths from another machine (CI), paths
 * relative to the report, to a Cobertura `<source>`, or to the project, or a JaCoCo package path
 * (`com/acme/Invoice.java`). Each name is tried against those folders, then matched by its longest
 * trailing run of folder names against the workspace's files; a name that matches nothing is
 * counted, not guessed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import { parseLcov } from './lcov';
import type { CoverageFormat, CoverageMap, LineHits, ReadCoverage } from './model';
import { parseCoverageXml } from './xml';

/** Reports larger than this are refused with a problem rather than read. */
export const maxReportBytes = 512 * 1024 * 1024;

/** coverage.py's JSON report (`coverage json`): executed and missing lines per file. */
export function parseCoveragePyJson(text: string): ReadCoverage {
  const result: ReadCoverage = { format: 'coveragepy', files: [], sourceRoots: [], problems: [] };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    result.problems.push(`not valid JSON: ${(error as Error).message}`);
    return result;
  }
  const files = (data as { files?: unknown })?.files;
  if (!files || typeof files !== 'object') {
    result.problems.push('not a coverage.py JSON report (no "files" object)');
    return result;
  }
  for (const [name, entry] of Object.entries(files as Record<string, unknown>)) {
    const { executed_lines: executed, missing_lines: missing } = (entry ?? {}) as { executed_lines?: unknown; missing_lines?: unknown };
    const lines: LineHits = new Map();
    for (const line of Array.isArray(missing) ? missing : []) if (Number.isInteger(line) && line > 0) lines.set(line, 0);
    for (const line of Array.isArray(executed) ? executed : []) if (Number.isInteger(line) && line > 0) lines.set(line, 1);
    result.files.push({ name, lines });
  }
  return result;
}

/** Reads a file as UTF-8 text chunks, without holding more than one chunk of bytes. */
function* chunksOf(file: string): Generator<string> {
  const fd = fs.openSync(file, 'r');
  const decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(1 << 16);
  try {
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      yield decoder.write(buffer.subarray(0, read));
    }
    const rest = decoder.end();
    if (rest) yield rest;
  } finally {
    fs.closeSync(fd);
  }
}

/** The format of a report from its first bytes. */
export function sniffFormat(head: string): 'xml' | 'json' | 'lcov' {
  const start = head.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<')) return 'xml';
  if (start.startsWith('{')) return 'json';
  return 'lcov';
}

/** Reads one report file; problems (unreadable, malformed, too large) are returned, never thrown. */
export function readCoverageFile(file: string): ReadCoverage {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (error) {
    return { format: 'lcov', files: [], sourceRoots: [], problems: [`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`] };
  }
  if (size > maxReportBytes) return { format: 'lcov', files: [], sourceRoots: [], problems: [`is ${size} bytes, more than the ${maxReportBytes} read`] };
  try {
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(512);
    const got = fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    const kind = sniffFormat(head.subarray(0, got).toString('utf8'));
    if (kind === 'xml') return parseCoverageXml(chunksOf(file));
    const text = fs.readFileSync(file, 'utf8');
    return kind === 'json' ? parseCoveragePyJson(text) : parseLcov(text);
  } catch (error) {
    return { format: 'lcov', files: [], sourceRoots: [], problems: [`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`] };
  }
}

/** Finds report names among the workspace's files; built once per set of files. */
export class PathResolver {
  private readonly known: Set<string>;
  private byBase: Map<string, string[]> | undefined;

  constructor(
    private readonly roots: readonly string[],
    private readonly workspaceFiles: readonly string[],
  ) {
    this.known = new Set(workspaceFiles);
  }

  private exists(file: string): boolean {
    return this.known.has(file) || (this.known.size === 0 && fs.existsSync(file));
  }

  /** The workspace file a report's name stands for, or undefined. */
  resolve(name: string, bases: readonly string[]): string | undefined {
    let named = name.trim();
    if (named.startsWith('file:')) {
      try {
        named = fileURLToPath(named);
      } catch {
        return undefined;
      }
    }
    if (!named) return undefined;
    if (path.isAbsolute(named) && this.exists(path.normalize(named))) return path.normalize(named);
    if (!path.isAbsolute(named)) {
      for (const base of [...bases, ...this.roots]) {
        const candidate = path.resolve(base, named);
        if (this.exists(candidate)) return candidate;
      }
    }
    return this.bySuffix(named);
  }

  /** The workspace file sharing the longest tail of folder names with `named` (its file name at least), when only one does. */
  private bySuffix(named: string): string | undefined {
    if (!this.byBase) {
      this.byBase = new Map();
      for (const file of this.workspaceFiles) {
        const base = path.basename(file);
        const list = this.byBase.get(base);
        if (list) list.push(file);
        else this.byBase.set(base, [file]);
      }
    }
    const parts = named.split(/[\\/]+/).filter(Boolean);
    const candidates = this.byBase.get(parts[parts.length - 1] ?? '');
    if (!candidates) return undefined;
    let best: string | undefined;
    let bestLength = 0;
    let tie = false;
    for (const candidate of candidates) {
      const theirs = candidate.split(path.sep);
      let shared = 0;
      while (shared < parts.length && shared < theirs.length && parts[parts.length - 1 - shared] === theirs[theirs.length - 1 - shared]) shared++;
      if (shared > bestLength) {
        best = candidate;
        bestLength = shared;
        tie = false;
      } else if (shared === bestLength) tie = true;
    }
    return tie ? undefined : best;
  }
}

export interface LoadedCoverage {
  format: CoverageFormat;
  lines: CoverageMap;
  /** Files the report names that are not in the workspace. */
  unresolved: number;
  problems: string[];
}

/** Reads a report and resolves its names: the report's lines by workspace file. */
export function loadCoverageReport(file: string, resolver: PathResolver): LoadedCoverage {
  const read = readCoverageFile(file);
  const reportDir = path.dirname(path.resolve(file));
  const bases = [...read.sourceRoots.map((root) => path.resolve(reportDir, root)), reportDir];
  const lines: CoverageMap = new Map();
  let unresolved = 0;
  for (const entry of read.files) {
    const resolved = resolver.resolve(entry.name, bases);
    if (!resolved) {
      unresolved++;
      continue;
    }
    const existing = lines.get(resolved);
    if (!existing) lines.set(resolved, entry.lines);
    else for (const [line, hits] of entry.lines) existing.set(line, (existing.get(line) ?? 0) + hits);
  }
  return { format: read.format, lines, unresolved, problems: read.problems.map((problem) => `${file}: ${problem}`) };
}
