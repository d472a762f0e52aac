/**
 * Edits reach every editor in a form it can apply: resource operations, documentChanges and change
 * annotations are used only when the client says it supports them.
 */
import * as assert from 'node:assert/strict';
import { adaptEdit } from '../../server/src/lsp/client';
import type { WorkspaceEdit } from 'vscode-languageserver';

const edit: WorkspaceEdit = {
  documentChanges: [
    { kind: 'create', uri: 'file:///w/test/a.test.js', options: { overwrite: false } },
    {
      textDocument: { uri: 'file:///w/test/a.test.js', version: null },
      edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: 'new test', annotationId: 'new' }],
    },
    {
      textDocument: { uri: 'file:///w/src/a.js', version: 3 },
      edits: [{ range: { start: { line: 4, character: 0 }, end: { line: 6, character: 1 } }, newText: 'body', annotationId: 'stub' }],
    },
  ],
  changeAnnotations: { new: { label: 'New test file' }, stub: { label: 'Implementation', needsConfirmation: true } },
};

describe('adapting edits to the client', () => {
  it('keeps everything for a client that supports it all', () => {
    const adapted = adaptEdit(edit, { workspace: { workspaceEdit: { documentChanges: true, resourceOperations: ['create'], changeAnnotationSupport: {} } } });
    assert.deepEqual(adapted, edit);
  });

  it('creates files by editing them when the client has no resource operations (eglot 1.9)', () => {
    const adapted = adaptEdit(edit, { workspace: { workspaceEdit: { documentChanges: true } } });
    assert.equal(adapted.documentChanges!.length, 2);
    assert.ok(adapted.documentChanges!.every((change) => !('kind' in change)), 'no CreateFile is sent');
    assert.equal(adapted.changeAnnotations, undefined);
    assert.ok(adapted.documentChanges!.every((change) => 'edits' in change && change.edits.every((e) => !('annotationId' in e))));
  });

  it('falls back to the changes map when the client has no documentChanges', () => {
    const adapted = adaptEdit(edit, {});
    assert.deepEqual(Object.keys(adapted), ['changes']);
    assert.deepEqual(adapted.changes!['file:///w/test/a.test.js'], [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: 'new test' }]);
    assert.equal(adapted.changes!['file:///w/src/a.js'][0].newText, 'body');
  });
});
