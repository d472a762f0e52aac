/**
 * Where a test failed: the stack frame that points into the test file (the failing assertion),
 * else into the package's own code outside node_modules, mapped back through a source map when
 * the frame's file has one beside it (compiled TypeScript run as JavaScript).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJson } from '../trace/nesting';

export interface StackFrame {
  file: string;
  /** One-based. */
  line: number;
  /** One-based. */
  column: number;
}

const frameLine = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?\s*$/;

/** The frames of a V8 stack trace that name a file on disk, relative paths resolved against `cwd`. */
export function parseStack(stack: string, cwd: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const line of stack.split('\n')) {
    const match = frameLine.exec(line);
    if (!match) continue;
    let file = match[1];
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file);
      } catch {
        continue;
      }
    }
    if (file.startsWith('node:') || file.startsWith('internal/') || !/[\\/]|\.[cm]?[jt]sx?$/.test(file)) continue;
    frames.push({ file: path.resolve(cwd, file), line: Number(match[2]), column: Number(match[3]) });
  }
  return frames;
}

/** Picks the frame of the failing assertion: in the test file first, else in the package's own code. */
export function failingFrame(stack: string | undefined, testFile: string, cwd: string): StackFrame | undefined {
  if (!stack) return undefined;
  const frames = parseStack(stack, cwd).map(mapThroughSourceMap);
  const inTest = frames.find((frame) => samePath(frame.file, testFile));
  if (inTest) return inTest;
  return frames.find((frame) => !frame.file.split(/[\\/]/).includes('node_modules') && frame.file.startsWith(cwd));
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

// ---- Source maps -------------------------------------------------------------------------------

const base64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const base64Value = new Map([...base64].map((c, i) => [c, i]));

interface DecodedMap {
  sources: string[];
  /** Per generated line: segments [generatedColumn, sourceIndex, sourceLine, sourceColumn]. */
  lines: number[][][];
}

const mapCache = new Map<string, { mtimeMs: number; map: DecodedMap | undefined }>();

/** Decodes one line's segments of a source map's `mappings`. */
function decodeMappings(mappings: string): number[][][] {
  const lines: number[][][] = [];
  let sourceIndex = 0;
  let sourceLine = 0;
  let sourceColumn = 0;
  for (const lineText of mappings.split(';')) {
    const segments: number[][] = [];
    let generatedColumn = 0;
    for (const segmentText of lineText.split(',')) {
      if (!segmentText) continue;
      const values: number[] = [];
      let shift = 0;
      let value = 0;
      for (const c of segmentText) {
        const digit = base64Value.get(c);
        if (digit === undefined) break;
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      generatedColumn += values[0] ?? 0;
      if (values.length >= 4) {
        sourceIndex += values[1];
        sourceLine += values[2];
        sourceColumn += values[3];
        segments.push([generatedColumn, sourceIndex, sourceLine, sourceColumn]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

function loadSourceMap(file: string): DecodedMap | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  const cached = mapCache.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs) return cached.map;
  let map: DecodedMap | undefined;
  try {
    const text = fs.readFileSync(file, 'utf8');
    const reference = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(text.slice(-4096))?.[1];
    if (reference && !reference.startsWith('data:')) {
      const mapFile = path.resolve(path.dirname(file), reference);
      const raw = parseJson(fs.readFileSync(mapFile, 'utf8')) as { sourceRoot?: string; sources: unknown; mappings?: unknown };
      const root = path.resolve(path.dirname(mapFile), raw.sourceRoot ?? '');
      map = { sources: (raw.sources as string[]).map((source) => path.resolve(root, source)), lines: decodeMappings(String(raw.mappings ?? '')) };
    }
  } catch {
    map = undefined;
  }
  mapCache.set(file, { mtimeMs: stat.mtimeMs, map });
  return map;
}

/** The original position of a frame in compiled code, or the frame itself when there is no map. */
export function mapThroughSourceMap(frame: StackFrame): StackFrame {
  if (!/\.[cm]?js$/.test(frame.file)) return frame;
  const map = loadSourceMap(frame.file);
  const segments = map?.lines[frame.line - 1];
  if (!map || !segments || segments.length === 0) return frame;
  let best = segments[0];
  for (const segment of segments) {
    if (segment[0] <= frame.column - 1) best = segment;
    else break;
  }
  return { file: map.sources[best[1]] ?? frame.file, line: best[2] + 1, column: best[3] + 1 };
}
