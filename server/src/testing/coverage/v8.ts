/**
 * Node's V8 coverage (`NODE_V8_COVERAGE`) turned into line coverage of the workspace's files.
 *
 * V8 reports, per script, nested byte ranges with execution counts (block coverage). Each
 * character takes the count of the innermost range around it; a line is measured when it holds
 * code (not only blanks, comments or brackets) and ran when some code character on it ran. A
 * script compiled from TypeScript (or anything with a source map Node found: the coverage file's
 * `source-map-cache`) is mapped line by line to its original source through the map, with Node's
 * own `SourceMap`. Scripts outside the package, in node_modules, or not on disk are passed over.
 */
import * as fs from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { languageOf } from '../../trace/languages';
import { scanCode } from '../../trace/scan';
import type { CoverageMap, LineHits } from './model';

interface V8Range {
  startOffset: number;
  endOffset: number;
  count: number;
}

interface V8Script {
  url: string;
  functions: { ranges: V8Range[] }[];
}

interface V8File {
  result?: V8Script[];
  'source-map-cache'?: Record<string, { data?: SourceMapPayload | null; lineLengths?: number[] }>;
}

/** Scripts larger than this are not measured (generated bundles). */
const maxScriptBytes = 4 * 1024 * 1024;
/** Coverage files larger than this are not read. */
const maxCoverageFileBytes = 256 * 1024 * 1024;

/** Which scripts to keep: files under `root` outside node_modules. */
export function withinPackage(root: string): (file: string) => boolean {
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return (file) => file.startsWith(prefix) && !file.includes(`${path.sep}node_modules${path.sep}`);
}

/** Reads V8 coverage files into line coverage; files that cannot be read are problems. */
export function readV8Coverage(files: readonly string[], keep: (file: string) => boolean, texts = new TextCache()): { lines: CoverageMap; problems: string[] } {
  const lines: CoverageMap = new Map();
  const problems: string[] = [];
  for (const file of files) {
    let data: V8File;
    try {
      if (fs.statSync(file).size > maxCoverageFileBytes) {
        problems.push(`${file}: too large to read`);
        continue;
      }
      data = JSON.parse(fs.readFileSync(file, 'utf8')) as V8File;
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
      continue;
    }
    for (const script of Array.isArray(data.result) ? data.result : []) {
      if (typeof script?.url !== 'string' || !script.url.startsWith('file:')) continue;
      let scriptPath: string;
      try {
        scriptPath = fileURLToPath(script.url);
      } catch {
        continue;
      }
      if (!keep(scriptPath)) continue;
      const map = data['source-map-cache']?.[script.url]?.data ?? undefined;
      const measured = scriptLines(scriptPath, script, texts);
      if (!measured) continue;
      if (map) {
        for (const [original, hits] of mapThrough(scriptPath, measured, map)) if (keep(original)) addInto(lines, original, hits);
      } else addInto(lines, scriptPath, measured);
    }
  }
  return { lines, problems };
}

function addInto(lines: CoverageMap, file: string, hits: LineHits): void {
  const target = lines.get(file);
  if (!target) {
    lines.set(file, hits);
    return;
  }
  for (const [line, count] of hits) target.set(line, (target.get(line) ?? 0) + count);
}

/** The text of scripts, read once per conversion. */
export class TextCache {
  private readonly texts = new Map<string, { text: string; code: Uint8Array; lineStarts: number[] } | null>();

  get(file: string): { text: string; code: Uint8Array; lineStarts: number[] } | null {
    if (this.texts.has(file)) return this.texts.get(file)!;
    let entry: { text: string; code: Uint8Array; lineStarts: number[] } | null = null;
    try {
      if (fs.statSync(file).size <= maxScriptBytes) {
        const text = fs.readFileSync(file, 'utf8');
        entry = { text, code: codeMask(text, file), lineStarts: lineStartsOf(text) };
      }
    } catch {
      entry = null;
    }
    this.texts.set(file, entry);
    return entry;
  }
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1 for each character that is code: not whitespace, not in a comment, not a lone bracket or separator. */
function codeMask(text: string, file: string): Uint8Array {
  const mask = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    mask[i] = c === 32 || c === 9 || c === 10 || c === 13 || c === 59 /* ; */ || c === 44 /* , */ || c === 40 || c === 41 || c === 123 || c === 125 || c === 91 || c === 93 ? 0 : 1;
  }
  const syntax = languageOf(file.replace(/\.[cm]?[jt]sx?$/i, '.js'));
  if (syntax) {
    const comments = scanCode(text, syntax, false).comments;
    for (let i = 0; i + 1 < comments.length; i += 2) mask.fill(0, comments[i], comments[i + 1]);
  }
  // A `#!` line is not code V8 runs.
  if (text.startsWith('#!')) mask.fill(0, 0, Math.max(0, text.indexOf('\n')));
  return mask;
}

/**
 * The measured lines of one script (V8 offsets are UTF-16 code units, as JavaScript strings
 * count): each code character takes the innermost range's count.
 */
function scriptLines(file: string, script: V8Script, texts: TextCache): LineHits | undefined {
  const entry = texts.get(file);
  if (!entry) return undefined;
  const { text, code, lineStarts } = entry;
  const counts = new Float64Array(text.length);
  const ranges: V8Range[] = [];
  for (const fn of script.functions ?? []) for (const range of fn.ranges ?? []) ranges.push(range);
  // Outer ranges first, so inner ones paint over them.
  ranges.sort((a, b) => a.startOffset - b.startOffset || b.endOffset - a.endOffset);
  for (const range of ranges) {
    const start = Math.max(0, Math.min(text.length, range.startOffset | 0));
    const end = Math.max(start, Math.min(text.length, range.endOffset | 0));
    counts.fill(Math.max(0, Number(range.count) || 0), start, end);
  }
  const hits: LineHits = new Map();
  for (let line = 0; line < lineStarts.length; line++) {
    const start = lineStarts[line];
    const end = line + 1 < lineStarts.length ? lineStarts[line + 1] : text.length;
    let measured = false;
    let best = 0;
    for (let i = start; i < end; i++) {
      if (!code[i]) continue;
      measured = true;
      if (counts[i] > best) best = counts[i];
    }
    if (measured) hits.set(line + 1, best);
  }
  return hits;
}

/** The generated lines mapped to original lines through the script's source map. */
function mapThrough(generatedFile: string, hits: LineHits, payload: SourceMapPayload): Map<string, LineHits> {
  const out = new Map<string, LineHits>();
  let map: SourceMap;
  try {
    map = new SourceMap(payload);
  } catch {
    return out;
  }
  const text = fs.readFileSync(generatedFile, 'utf8').split('\n');
  const sourceRoot = payload.sourceRoot ?? '';
  const resolved = new Map<string, string>();
  const originalPath = (source: string): string => {
    let found = resolved.get(source);
    if (found === undefined) {
      if (source.startsWith('file:')) {
        try {
          found = fileURLToPath(source);
        } catch {
          found = '';
        }
      } else found = path.resolve(path.dirname(generatedFile), sourceRoot, source);
      resolved.set(source, found);
    }
    return found;
  };
  for (const [line, count] of hits) {
    const lineText = text[line - 1] ?? '';
    const column = Math.max(0, lineText.search(/\S/));
    const entry = map.findEntry(line - 1, column) as { generatedLine?: number; originalSource?: string; originalLine?: number };
    if (entry.generatedLine !== line - 1 || entry.originalSource === undefined || entry.originalLine === undefined) continue;
    const original = originalPath(entry.originalSource);
    if (!original) continue;
    let target = out.get(original);
    if (!target) out.set(original, (target = new Map()));
    const at = entry.originalLine + 1;
    target.set(at, Math.max(target.get(at) ?? 0, count));
  }
  return out;
}

/**
 * The source a compiled file was written from, when its source map names exactly one (a test
 * compiled by tsc: `out/test/x.test.js` → `test/x.test.ts`); else the file itself.
 */
export function originalSourceOf(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const reference = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(text.slice(-4096))?.[1];
    if (!reference) return file;
    let json: string;
    const inline = /^data:application\/json[^,]*?(;base64)?,(.*)$/.exec(reference);
    if (inline) json = inline[1] ? Buffer.from(inline[2], 'base64').toString('utf8') : decodeURIComponent(inline[2]);
    else json = fs.readFileSync(path.resolve(path.dirname(file), reference), 'utf8');
    const map = JSON.parse(json) as { sources?: unknown; sourceRoot?: unknown };
    if (!Array.isArray(map.sources) || map.sources.length !== 1 || typeof map.sources[0] !== 'string') return file;
    const source = map.sources[0];
    const original = source.startsWith('file:') ? fileURLToPath(source) : path.resolve(path.dirname(file), typeof map.sourceRoot === 'string' ? map.sourceRoot : '', source);
    return fs.existsSync(original) ? original : file;
  } catch {
    return file;
  }
}
