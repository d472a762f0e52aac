/**
 * Test support: checks that every position the server sends lies inside the document version it
 * describes. It follows the documents the client opens and edits (applying edits as LSP says:
 * lines end at `\n`, `\r\n` or `\r`; an edit past the end lands at the end) and reads the others
 * from disk. A result may describe a recent version (the server answers after later edits
 * arrived, or before it saw a change on disk), so a position passes when any recent version of its
 * document holds it.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Message } from '../../server/src/cli/lspClient';

/** How many versions of a document count as recent. */
const recentVersions = 8;

type Position = { line: number; character: number };

/** The lengths of a text's lines, counted the way LSP counts them. */
function lineLengths(text: string): number[] {
  return text.split(/\r\n|\r|\n/).map((line) => line.length);
}

function applyChange(text: string, change: { range?: { start: Position; end: Position }; text: string }): string {
  if (!change.range) return change.text;
  const offset = (p: Position): number => {
    const pattern = /\r\n|\r|\n/g;
    let start = 0;
    for (let line = 0; line < p.line; line++) {
      const found = pattern.exec(text);
      if (!found) return text.length;
      start = found.index + found[0].length;
    }
    pattern.lastIndex = start;
    const next = pattern.exec(text);
    const end = next ? next.index : text.length;
    return Math.min(start + p.character, end);
  };
  let from = offset(change.range.start);
  let to = offset(change.range.end);
  if (from > to) [from, to] = [to, from];
  return text.slice(0, from) + change.text + text.slice(to);
}

function isPosition(value: unknown): value is Position {
  return typeof value === 'object' && value !== null && typeof (value as Position).line === 'number' && typeof (value as Position).character === 'number';
}

export class PositionChecker {
  /** The current text of each open document, by URI. */
  private readonly open = new Map<string, string>();
  /** Recent texts (newest last) of every document seen, by URI. */
  private readonly recent = new Map<string, number[][]>();
  /** The lines of every version of the open documents the client sent (bounded), by URI and version. */
  private readonly byVersion = new Map<string, Map<number, number[]>>();

  private rememberVersion(uri: string, version: unknown, text: string): void {
    if (typeof version !== 'number') return;
    const versions = this.byVersion.get(uri) ?? new Map<number, number[]>();
    versions.set(version, lineLengths(text));
    if (versions.size > 20000) versions.delete(versions.keys().next().value!);
    this.byVersion.set(uri, versions);
  }
  checked = 0;

  private remember(uri: string, text: string): void {
    const list = this.recent.get(uri) ?? [];
    list.push(lineLengths(text));
    if (list.length > recentVersions) list.shift();
    this.recent.set(uri, list);
  }

  sent(message: Message): void {
    const params = message.params;
    if (message.method === 'textDocument/didOpen' && typeof params?.textDocument?.text === 'string') {
      this.open.set(params.textDocument.uri, params.textDocument.text);
      this.remember(params.textDocument.uri, params.textDocument.text);
      this.rememberVersion(params.textDocument.uri, params.textDocument.version, params.textDocument.text);
    } else if (message.method === 'textDocument/didChange' && this.open.has(params?.textDocument?.uri) && Array.isArray(params.contentChanges)) {
      let text = this.open.get(params.textDocument.uri)!;
      for (const change of params.contentChanges) if (typeof change?.text === 'string') text = applyChange(text, change);
      this.open.set(params.textDocument.uri, text);
      this.remember(params.textDocument.uri, text);
      this.rememberVersion(params.textDocument.uri, params.textDocument.version, text);
    } else if (message.method === 'textDocument/didClose') this.open.delete(params?.textDocument?.uri);
  }

  /** The versions of a document a position may describe: recent ones, and the file on disk when it is not open. */
  private versions(uri: string): number[][] | undefined {
    if (!this.open.has(uri) && uri.startsWith('file:')) {
      try {
        // Only regular files: a FIFO in a test workspace would block this process for good.
        const file = fileURLToPath(uri);
        const stat = fs.statSync(file);
        if (stat.isFile() && stat.size <= 64 * 1024 * 1024) this.remember(uri, fs.readFileSync(file, 'utf8'));
      } catch {
        // Not on disk (deleted, or never there): only what was seen counts.
      }
    }
    return this.recent.get(uri);
  }

  received(message: Message, request?: Message): string[] {
    const problems: string[] = [];
    const what = message.method ?? `the response to ${request?.method ?? 'a request'}`;
    const root = message.method === 'textDocument/publishDiagnostics' ? message.params?.uri : request?.params?.textDocument?.uri;
    const value = message.method ? message.params : message.result;
    const cache = new Map<string, number[][] | undefined>();
    // Diagnostics that name their document's version are checked against exactly that version.
    const versioned = message.method === 'textDocument/publishDiagnostics' && typeof message.params?.version === 'number' ? this.byVersion.get(root)?.get(message.params.version) : undefined;
    if (versioned) cache.set(root, [versioned]);
    const stack: { node: unknown; uri: string | undefined; path: string }[] = [{ node: value, uri: root, path: '' }];
    while (stack.length > 0) {
      const { node, uri, path } = stack.pop()!;
      if (typeof node !== 'object' || node === null) continue;
      const record = node as Record<string, any>;
      const here: string | undefined = typeof record.uri === 'string' ? record.uri : typeof record.targetUri === 'string' ? record.targetUri : typeof record.textDocument?.uri === 'string' ? record.textDocument.uri : uri;
      for (const [key, child] of Object.entries(record)) {
        const at = `${path}${Array.isArray(node) ? `[${key}]` : `.${key}`}`;
        if (isPosition(child)) {
          if (!here) continue;
          if (!cache.has(here)) cache.set(here, this.versions(here));
          const versions = cache.get(here);
          if (!versions) continue;
          this.checked++;
          const fits = (lines: number[]) => Number.isInteger(child.line) && Number.isInteger(child.character) && child.line >= 0 && child.line < lines.length && child.character >= 0 && child.character <= lines[child.line];
          // Diagnostics without a version may describe any version seen (a push for the file on disk that arrives after edits).
          const unversioned = message.method === 'textDocument/publishDiagnostics' && typeof message.params?.version !== 'number';
          if (!versions.some(fits) && !(unversioned && [...(this.byVersion.get(here)?.values() ?? [])].some(fits))) {
            const latest = versions[versions.length - 1];
            problems.push(`${what}: ${at} = ${child.line}:${child.character} is outside ${here} (${latest.length} lines${child.line < latest.length ? `, line ${child.line} has ${latest[child.line]} characters` : ''})`);
          }
        } else if (key === 'changes' && typeof child === 'object' && child !== null && !Array.isArray(child)) {
          for (const [changed, edits] of Object.entries(child)) stack.push({ node: edits, uri: changed, path: `${at}[${changed}]` });
        } else stack.push({ node: child, uri: here, path: at });
      }
    }
    return problems;
  }
}
