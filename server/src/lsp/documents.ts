/**
 * Open documents as the editor describes them, with one defence: an incremental change whose
 * range lies outside the document (a line past the last, a character past the end of its line)
 * is clamped to the document before it is applied, as VS Code does, and logged. LSP has no way to
 * ask for the text again, so clamping keeps the server in step as well as it can; applied as
 * sent, such a range would make the text document's line table count phantom lines.
 */
import type { TextDocumentContentChangeEvent, TextDocumentsConfiguration } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { clampPosition, lineTable } from './convert';

type Change = TextDocumentContentChangeEvent;

/** The change with its range inside `text`, and whether it had to be moved. */
export function clampChange(text: string, change: Change): { change: Change; clamped: boolean } {
  if (!('range' in change) || !change.range) return { change, clamped: false };
  const table = lineTable(text);
  const start = clampPosition(table, change.range.start);
  const end = clampPosition(table, change.range.end);
  const same = (a: { line: number; character: number }, b: { line: number; character: number }) => a.line === b.line && a.character === b.character;
  if (same(start, change.range.start) && same(end, change.range.end)) return { change, clamped: false };
  return { change: { range: { start, end }, text: change.text }, clamped: true };
}

/** The configuration of `TextDocuments` that clamps out-of-range changes; `log` hears of each one. */
export function clampingDocuments(log: (message: string) => void): TextDocumentsConfiguration<TextDocument> {
  return {
    create: (uri, languageId, version, content) => TextDocument.create(uri, languageId, version, content),
    update: (document, changes, version) => {
      for (const sent of changes) {
        const { change, clamped } = clampChange(document.getText(), sent);
        if (clamped && 'range' in sent) {
          const { start, end } = sent.range;
          log(`An edit of ${document.uri} (version ${version}) reached past the end of the document (${start.line}:${start.character}–${end.line}:${end.character} in ${document.lineCount} lines); it was applied at the end instead.`);
        }
        TextDocument.update(document, [change], version);
      }
      return document;
    },
  };
}
