/**
 * A tag naming an unknown ID stops being a problem the moment a requirement file defines the ID,
 * and becomes one again when the definition goes — after the graph has already answered queries,
 * which is how the server meets it (the first index answers, then the user edits).
 */
import * as assert from 'node:assert/strict';
import { extractFacts } from '../../server/src/trace/extract';
import { TraceGraph } from '../../server/src/trace/graph';
import { idPrefix } from '../../server/src/trace/ids';
import type { FileRole } from '../../server/src/trace/model';

const options = (role: FileRole) => ({ idPattern: '[A-Z][A-Z0-9]*-\\d+', role });

describe('unknown IDs over edits', () => {
  it('appear and disappear with the definition in another file', () => {
    const graph = new TraceGraph({ toUri: (path) => `file://${path}` });
    graph.setFile(extractFacts('/w/reqs.md', '## REQ-1: One\n', options('requirements')));
    graph.setFile(extractFacts('/w/src/a.ts', '/** @implements REQ-404 */\nexport function ghost() {}\n', options('source')));
    assert.deepEqual(graph.problems('/w/src/a.ts').map((p) => p.code), ['unknown-id']);
    graph.takeChanges();

    graph.setFile(extractFacts('/w/reqs.md', '## REQ-1: One\n\n## REQ-404: Ghost\n', options('requirements')));
    const defined = graph.takeChanges();
    assert.ok(defined.files.includes('/w/src/a.ts'), `the tag's file must be re-published: ${JSON.stringify(defined)}`);
    assert.deepEqual(graph.problems('/w/src/a.ts'), []);

    graph.setFile(extractFacts('/w/reqs.md', '## REQ-1: One\n', options('requirements')));
    assert.ok(graph.takeChanges().files.includes('/w/src/a.ts'));
    assert.deepEqual(graph.problems('/w/src/a.ts').map((p) => p.code), ['unknown-id']);
  });

  it('tells a title token from an ID by the prefix before its number', () => {
    const cases: [string, string][] = [
      ['REQ-12', 'REQ'],
      ['SRD001', 'SRD'],
      ['SRS_042', 'SRS'],
      ['A--1', 'A'],
      ['X.-1', 'X'],
      ['A---1', 'A-'],
      ['ISO9001', 'ISO'],
      ['12', ''],
      ['NONUMBER', 'NONUMBER'],
      ['req~login~2', 'req~login~'],
    ];
    assert.deepEqual(
      cases.map(([id]) => [id, idPrefix(id)]),
      cases,
    );
    const graph = new TraceGraph({ toUri: (path) => `file://${path}` });
    graph.setFile(extractFacts('/w/reqs.md', '## SRS_1: One\n', { idPattern: '[A-Z][A-Z0-9]*[-_]\\d+', role: 'requirements' }));
    graph.setFile(extractFacts('/w/test/a.test.ts', "it('SRS_9 and ISO-9 in a title', () => {});\n", { idPattern: '[A-Z][A-Z0-9]*[-_]\\d+', role: 'test' }));
    // SRS_9 looks like the project's IDs and is unknown; ISO-9 has a prefix no requirement uses.
    assert.equal(graph.coverage().unknownIdTags, 1);
  });
});
