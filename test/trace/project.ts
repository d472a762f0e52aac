/**
 * Loads a fixture project into a trace graph the way the workspace does: every file read, its role
 * decided by folder and extension, Doorstop documents found by their `.doorstop.yml`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDoorstopItemPath, parseDoorstopConfig, type DoorstopDocument } from '../../server/src/trace/extract';
import type { FileRole } from '../../server/src/trace/model';
import type { TraceGraph } from '../../server/src/trace/graph';
import { extract, newGraph, walk } from './helpers';

export interface LoadedProject {
  root: string;
  graph: TraceGraph;
  texts: Map<string, string>;
}

export function roleOf(root: string, filePath: string, doorstop: DoorstopDocument | undefined): FileRole {
  const relative = path.relative(root, filePath).split(path.sep).join('/');
  if (doorstop) return 'requirements';
  if (/\.(?:md|markdown)$/.test(relative)) return 'requirements';
  if (/(?:^|\/)tests?\//.test(relative) || /\.(?:test|spec)\.[jt]s$|_test\.(?:go|py)$|^test_/.test(relative)) return 'test';
  if (/\.(?:json|ya?ml|txt)$/.test(relative)) return 'other';
  return 'source';
}

export function loadProject(root: string, idPattern?: string): LoadedProject {
  const graph = newGraph();
  const files = walk(root);
  const documents = new Map<string, DoorstopDocument>();
  for (const file of files) {
    if (path.basename(file) !== '.doorstop.yml') continue;
    const parsed = parseDoorstopConfig(file, fs.readFileSync(file, 'utf8'));
    if (parsed.document) documents.set(path.dirname(file), parsed.document);
  }
  const texts = new Map<string, string>();
  for (const file of files) {
    if (path.basename(file).startsWith('expected') || path.basename(file) === '.doorstop.yml') continue;
    const document = documents.get(path.dirname(file));
    const doorstop = document && isDoorstopItemPath(file, document) ? document : undefined;
    const text = fs.readFileSync(file, 'utf8');
    texts.set(file, text);
    graph.setFile(extract(file, text, roleOf(root, file, doorstop), { ...(idPattern ? { idPattern } : {}), ...(doorstop ? { doorstop } : {}) }));
  }
  return { root, graph, texts };
}
