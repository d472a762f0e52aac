/**
 * A Markdown + multi-language project: statuses without and with test results, bindings, and
 * the answers editors ask for at a position.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestResultRecord } from '../../server/src/trace/model';
import { fixture, positionOf } from './helpers';
import { loadProject } from './project';

const root = fixture('mixed');
const expected = JSON.parse(fs.readFileSync(path.join(root, 'expected.json'), 'utf8')) as {
  requirements: Record<string, { title: string; status: string; implementations: number; tests: number }>;
  results: TestResultRecord[];
  statusesWithResults: Record<string, string>;
};
const results = (): TestResultRecord[] => expected.results.map((r) => ({ ...r, path: path.join(root, r.path) }));

describe('trace: mixed Markdown and code project', () => {
  it('lists each requirement with its title, status and counts', () => {
    const { graph } = loadProject(root);
    const actual = Object.fromEntries(graph.requirements({}).map((r) => [r.id, { title: r.title, status: r.status, implementations: r.implementations, tests: r.tests }]));
    assert.deepEqual(actual, expected.requirements);
  });

  it('turns statuses into verified and failing with test results, and back without them', () => {
    const { graph } = loadProject(root);
    graph.setTestResults(results());
    const actual = Object.fromEntries(graph.requirements({}).map((r) => [r.id, r.status]));
    assert.deepEqual(actual, expected.statusesWithResults);
    const failing = graph.trace('REQ-2')!.tests.find((t) => t.result);
    assert.equal(failing?.result?.outcome, 'failed');
    // Go reports the subtest as TestExport/REQ-4_writes_one_line_per_row; it still matches its title.
    const goTests = graph.trace('REQ-4')!.tests.map((t) => [t.testName, t.result?.outcome, t.result?.stale]);
    assert.deepEqual(goTests, [['TestExport', 'passed', true], ['REQ-4 writes one line per row', 'passed', false]]);
    graph.setTestResults([]);
    assert.deepEqual(Object.fromEntries(graph.requirements({}).map((r) => [r.id, r.status])), Object.fromEntries(Object.entries(expected.requirements).map(([id, r]) => [id, r.status])));
  });

  it('keeps the text and acceptance criteria of Markdown requirements', () => {
    const { graph } = loadProject(root);
    const one = graph.trace('REQ-1')!;
    assert.equal(one.text, 'Customers submit an order with at least one line.');
    assert.deepEqual(one.acceptanceCriteria, [
      'Given an empty cart, when the customer submits, then the order is rejected.',
      'Given a cart with lines, when the customer submits, then an order number is returned.',
    ]);
    assert.deepEqual(graph.trace('REQ-2')!.acceptanceCriteria, ['Given a cart with two lines', 'When the total is computed', 'Then it equals the sum of both lines']);
    assert.deepEqual(graph.trace('REQ-4')!.acceptanceCriteria, ['The first row is a header.']);
    assert.equal(graph.trace('REQ-7'), null, 'a heading inside a code block defines nothing');
  });

  it('binds tags to symbols and tests', () => {
    const { graph } = loadProject(root);
    assert.deepEqual(graph.trace('REQ-1')!.implementations.map((l) => l.symbol), ['OrderService.submit'], 'the method is named with the class whose braces hold it');
    assert.deepEqual(graph.trace('REQ-1')!.tests.map((l) => l.testName).sort(), ['OrderService REQ-1 rejects an empty order', 'OrderService returns an order number']);
    assert.deepEqual(graph.trace('REQ-2')!.tests.map((l) => l.testName), ['totals sums the lines']);
    assert.deepEqual(graph.trace('REQ-4')!.implementations.map((l) => l.symbol), ['Export']);
    assert.deepEqual(graph.trace('REQ-4')!.tests.map((l) => l.testName).sort(), ['REQ-4 writes one line per row', 'TestExport']);
    assert.deepEqual(graph.trace('REQ-5')!.implementations.map((l) => l.symbol), ['filter']);
  });

  it('binds TypeScript tags to the qualified symbol when the text is at hand', () => {
    const project = loadProject(root);
    project.graph.setOptions({ readText: (p) => project.texts.get(p) });
    assert.deepEqual(project.graph.trace('REQ-1')!.implementations.map((l) => l.symbol), ['OrderService.submit']);
    const orders = path.join(root, 'src', 'orders.ts');
    const inside = project.graph.traceAt(orders, positionOf(project.texts.get(orders)!, 'return 42'));
    assert.deepEqual(inside.requirements.map((r) => r.id), ['REQ-1']);
    assert.equal(inside.symbol, 'OrderService.submit');
  });

  it('answers traceAt inside a bound function and on an ID, and nothing elsewhere', () => {
    const project = loadProject(root);
    const orders = path.join(root, 'src', 'orders.ts');
    const text = project.texts.get(orders)!;
    const inTotal = project.graph.traceAt(orders, positionOf(text, 'amounts.reduce'));
    assert.deepEqual(inTotal.requirements.map((r) => r.id), ['REQ-2']);
    assert.equal(inTotal.symbol, 'total');
    const onTag = project.graph.traceAt(orders, positionOf(text, 'REQ-1', 2));
    assert.deepEqual(onTag.requirements.map((r) => r.id), ['REQ-1']);
    const test = path.join(root, 'test', 'orders.test.ts');
    const inTest = project.graph.traceAt(test, positionOf(project.texts.get(test)!, 'submit([\'a\'])'));
    assert.deepEqual(inTest.requirements.map((r) => r.id), ['REQ-1']);
    assert.equal(inTest.symbol, 'OrderService returns an order number');
    const outside = project.graph.traceAt(orders, positionOf(text, 'Order intake'));
    assert.deepEqual(outside.requirements, []);
    const doc = path.join(root, 'docs', 'requirements.md');
    const docText = project.texts.get(doc)!;
    assert.deepEqual(project.graph.traceAt(doc, positionOf(docText, 'at least one line')).requirements.map((r) => r.id), ['REQ-1'], 'inside a requirement section');
    assert.deepEqual(project.graph.traceAt(doc, positionOf(docText, 'The first row')).requirements.map((r) => r.id), ['REQ-4']);
    assert.deepEqual(project.graph.traceAt(doc, positionOf(docText, 'Prose that mentions')).requirements, [], 'outside every requirement');
  });

  it('finds IDs at positions, definitions and references', () => {
    const project = loadProject(root);
    const doc = path.join(root, 'docs', 'requirements.md');
    const docText = project.texts.get(doc)!;
    assert.equal(project.graph.idAt(doc, positionOf(docText, 'REQ-4', 1))?.id, 'REQ-4');
    assert.equal(project.graph.idAt(doc, positionOf(docText, 'Prose that mentions REQ-1', 20)), null, 'a reference in prose is no ID token of the trace');
    assert.deepEqual(project.graph.definitions('REQ-1').map((d) => [path.relative(root, d.path), d.span.start.line]), [[path.join('docs', 'requirements.md'), positionOf(docText, 'REQ-1').line]]);
    const references = project.graph.references('REQ-1', false).map((r) => path.relative(root, r.path)).sort();
    assert.deepEqual(references, [path.join('src', 'orders.ts'), path.join('test', 'orders.test.ts'), path.join('test', 'orders.test.ts')]);
    assert.equal(project.graph.references('REQ-1', true).length, 4);
  });

  it('reports an unknown ID in a tag, uncovered requirements, and no unrelated title token', () => {
    const project = loadProject(root);
    const orders = path.join(root, 'src', 'orders.ts');
    const codes = project.graph.problems(orders).map((p) => [p.code, p.data?.id]);
    assert.deepEqual(codes, [['unknown-id', 'REQ-99']]);
    const test = path.join(root, 'test', 'orders.test.ts');
    assert.deepEqual(project.graph.problems(test), [], 'UTF-8 in a test title is not a requirement ID');
    const doc = path.join(root, 'docs', 'requirements.md');
    const uncovered = project.graph.problems(doc).map((p) => [p.code, p.data?.id, p.severity]);
    assert.deepEqual(uncovered, [
      ['uncovered', 'REQ-3', 'warning'],
      ['uncovered', 'REQ-5', 'warning'],
      ['uncovered', 'REQ-6', 'warning'],
    ]);
    project.graph.setOptions({ uncoveredSeverity: 'off' });
    assert.deepEqual(project.graph.problems(doc), []);
  });

  it('summarises coverage per status and per artifact type', () => {
    const { graph } = loadProject(root);
    const coverage = graph.coverage();
    assert.equal(coverage.total, 6);
    assert.deepEqual(coverage.byStatus, { unimplemented: 2, untested: 1, failing: 0, covered: 3, verified: 0 });
    assert.deepEqual(Object.keys(coverage.byArtifactType), ['req']);
    assert.equal(coverage.unknownIdTags, 1);
    assert.equal(coverage.coveredRatio, 0.5);
    const onlyDocs = graph.coverage((p) => p.includes(`${path.sep}nothing${path.sep}`));
    assert.equal(onlyDocs.total, 0);
    assert.equal(onlyDocs.coveredRatio, 1);
  });

  it('filters requirements by status, query, type and gaps', () => {
    const { graph } = loadProject(root);
    assert.deepEqual(graph.requirements({ status: ['unimplemented'] }).map((r) => r.id), ['REQ-3', 'REQ-6']);
    assert.deepEqual(graph.requirements({ query: 'report' }).map((r) => r.id), ['REQ-4', 'REQ-5']);
    assert.deepEqual(graph.requirements({ gapsOnly: true }).map((r) => r.id), ['REQ-3', 'REQ-5', 'REQ-6']);
    assert.deepEqual(graph.requirements({ artifactTypes: ['dsn'] }), []);
    assert.deepEqual(graph.knownIds().map((k) => k.id), ['REQ-1', 'REQ-2', 'REQ-3', 'REQ-4', 'REQ-5', 'REQ-6']);
    assert.deepEqual(graph.workspaceSymbols('total').map((s) => s.name), ['REQ-2']);
  });
});
