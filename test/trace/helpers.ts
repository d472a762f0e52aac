/**
 * Shared helpers of the trace tests: fixture paths, extraction with the default options, and
 * positions marked inside fixture text.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractFacts, type ExtractOptions } from '../../server/src/trace/extract';
import { TraceGraph } from '../../server/src/trace/graph';
import type { FileFacts, FileRole, Position } from '../../server/src/trace/model';
import { pathToFileURL } from 'node:url';

/** The folder of the trace fixtures (they are not compiled, so they are read from the source tree). */
export const fixturesRoot = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'trace');

export function fixture(...parts: string[]): string {
  return path.join(fixturesRoot, ...parts);
}

export const defaultIdPattern = '[A-Z][A-Z0-9]*-\\d+';

export function extract(filePath: string, text: string, role: FileRole, options: Partial<ExtractOptions> = {}): FileFacts {
  return extractFacts(filePath, text, { idPattern: defaultIdPattern, role, ...options });
}

/** Every file under a folder, recursively, as absolute paths in a stable order. */
export function walk(folder: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
}

export function newGraph(): TraceGraph {
  return new TraceGraph({ toUri: (p) => pathToFileURL(p).href });
}

/**
 * The position of the `index`-th occurrence of `needle` in `text`, plus `offset` characters: how
 * tests point into fixtures without counting columns by hand.
 */
export function positionOf(text: string, needle: string, offset = 0, index = 0): Position {
  let at = -1;
  for (let i = 0; i <= index; i++) {
    at = text.indexOf(needle, at + 1);
    if (at === -1) throw new Error(`The fixture has no occurrence ${index + 1} of ${JSON.stringify(needle)}.`);
  }
  at += offset;
  const before = text.slice(0, at);
  const line = before.split('\n').length - 1;
  return { line, character: at - (before.lastIndexOf('\n') + 1) };
}

/** The text a span covers. */
export function textAt(text: string, span: { start: Position; end: Position }): string {
  const lines = text.split('\n');
  if (span.start.line === span.end.line) return lines[span.start.line].slice(span.start.character, span.end.character);
  const parts = [lines[span.start.line].slice(span.start.character)];
  for (let l = span.start.line + 1; l < span.end.line; l++) parts.push(lines[l]);
  parts.push(lines[span.end.line].slice(0, span.end.character));
  return parts.join('\n');
}
