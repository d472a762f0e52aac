/**
 * A Doorstop item that no code names is realised through its children: it takes the status of
 * its weakest child, and follows the children as they change.
 */
import * as assert from 'node:assert/strict';
import { extractFacts, parseDoorstopConfig } from '../../server/src/trace/extract';
import { TraceGraph } from '../../server/src/trace/graph';
import type { FileRole } from '../../server/src/trace/model';

const sys = parseDoorstopConfig('/w/sys/.doorstop.yml', "settings:\n  digits: 3\n  prefix: SYS\n  sep: ''\n").document!;
const srs = parseDoorstopConfig('/w/srs/.doorstop.yml', "settings:\n  digits: 3\n  prefix: SRS\n  sep: ''\n  parent: SYS\n").document!;
const idPattern = '[A-Z][A-Z0-9]*-\\d+|S[YR]S\\d{3}';
const facts = (path: string, text: string, role: FileRole, doorstop?: typeof sys) => extractFacts(path, text, { idPattern, role, doorstop });

describe('Doorstop parents', () => {
  it('stand as well as their weakest child', () => {
    const graph = new TraceGraph({ toUri: (path) => `file://${path}` });
    graph.setFile(facts('/w/sys/SYS001.yml', 'text: The system confirms orders.\n', 'requirements', sys));
    graph.setFile(facts('/w/sys/SYS002.yml', 'text: The system keeps history.\n', 'requirements', sys));
    graph.setFile(facts('/w/srs/SRS001.yml', 'text: Parse orders.\nlinks:\n- SYS001\n', 'requirements', srs));
    graph.setFile(facts('/w/srs/SRS002.yml', 'text: Number orders.\nlinks:\n- SYS001\n', 'requirements', srs));
    graph.setFile(facts('/w/src/a.py', '# @implements SRS001, SRS002\ndef parse():\n    pass\n', 'source'));
    graph.setFile(facts('/w/tests/test_a.py', '# @verifies SRS001\ndef test_parse():\n    pass\n', 'test'));
    const status = (id: string) => graph.trace(id)!.requirement.status;
    assert.equal(status('SRS001'), 'covered');
    assert.equal(status('SRS002'), 'untested');
    assert.equal(status('SYS001'), 'untested', 'the weakest child decides');
    assert.equal(status('SYS002'), 'unimplemented', 'no children, no code: a gap');
    graph.setFile(facts('/w/tests/test_b.py', '# @verifies SRS002\ndef test_number():\n    pass\n', 'test'));
    assert.equal(status('SYS001'), 'covered', 'the parent follows its children incrementally');
  });
});
