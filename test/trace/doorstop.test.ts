/**
 * Doorstop trees: documents from `.doorstop.yml`, items from their YAML files, parent links, and
 * suspect links found by recomputing each parent's fingerprint the way Doorstop does.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkTrace } from '../../server/src/trace/check';
import { doorstopStamp } from '../../server/src/trace/doorstop';
import { isDoorstopItemPath, parseDoorstopConfig } from '../../server/src/trace/extract';
import { extract, fixture } from './helpers';
import { loadProject } from './project';

const root = fixture('doorstop');
const idPattern = '[A-Z][A-Z0-9]*-\\d+|SYS\\d{3}';

describe('trace: Doorstop document trees', () => {
  const expected = JSON.parse(fs.readFileSync(path.join(root, 'expected-verdict.json'), 'utf8')) as {
    listed: string[];
    defects: Record<string, string[]>;
    statuses: Record<string, string>;
  };
  const { graph } = loadProject(root, idPattern);

  it('lists the normative items of every document', () => {
    assert.deepEqual(graph.requirements({}).map((r) => r.id).sort(), expected.listed);
  });

  it('reports a suspect link and a link to a missing parent, and nothing else', () => {
    const result = checkTrace(graph, { require: 'covered' });
    const actual: Record<string, string[]> = {};
    for (const defect of result.defects) actual[defect.id ?? '?'] = [...new Set([...(actual[defect.id ?? '?'] ?? []), defect.kind])].sort();
    assert.deepEqual(actual, expected.defects);
  });

  it('gives each item its status from the tags in code and tests', () => {
    for (const [id, status] of Object.entries(expected.statuses)) assert.equal(graph.trace(id)?.requirement.status, status, `status of ${id}`);
  });

  it('shows parents upstream and children downstream, with the suspect flag', () => {
    const child = graph.trace('LLR-002')!;
    assert.deepEqual(child.upstream.map((u) => [u.id, u.suspect]), [['SYS002', true]]);
    const parent = graph.trace('SYS001')!;
    assert.deepEqual(parent.downstream.map((d) => [d.id, d.suspect]), [['LLR-001', false]]);
    assert.equal(parent.requirement.title, 'The shop accepts orders from customers.');
    assert.equal(graph.trace('SYS002')!.requirement.title, 'Reports');
    assert.deepEqual(graph.trace('LLR-001')!.acceptanceCriteria, ['Given an empty order, when it is submitted, then it is rejected.']);
  });

  it('binds a tag in a Python docstring to its method, qualified by the class', () => {
    const trace = graph.trace('LLR-001')!;
    assert.deepEqual(trace.implementations.map((l) => l.symbol), ['OrderService.submit']);
    assert.deepEqual(trace.tests.map((l) => l.testName), ['test_rejects_empty_orders']);
  });

  it('computes the fingerprint as Doorstop does (SHA-256 of UID, text and ref, URL-safe Base64)', () => {
    // The expected value is what Python's hashlib gives for these values.
    assert.equal(doorstopStamp('SYS001', 'The shop accepts orders from customers.', '', undefined, []), 'Hp2xT07zdB8eqj3MeId56lxm06hiF-AAgo_I2CkpENs=');
  });

  it('reads the document settings and recognises item files by their UID', () => {
    const config = path.join(root, 'llr', '.doorstop.yml');
    const parsed = parseDoorstopConfig(config, fs.readFileSync(config, 'utf8'));
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.document, { folder: path.dirname(config), prefix: 'LLR', sep: '-', digits: 3, parent: 'SYS', extendedReviewed: [] });
    assert.equal(isDoorstopItemPath(path.join(root, 'llr', 'LLR-001.yml'), parsed.document!), true);
    assert.equal(isDoorstopItemPath(path.join(root, 'llr', 'notes.yml'), parsed.document!), false);
    assert.equal(isDoorstopItemPath(path.join(root, 'reqs', 'LLR-001.yml'), parsed.document!), false);
  });

  it('reports a configuration without a prefix, and broken YAML, without throwing', () => {
    const noPrefix = parseDoorstopConfig('/t/.doorstop.yml', 'settings:\n  digits: 3\n');
    assert.equal(noPrefix.document, undefined);
    assert.deepEqual(noPrefix.problems.map((p) => p.code), ['doorstop-config']);
    const broken = parseDoorstopConfig('/t/.doorstop.yml', 'settings: [prefix: X\n');
    assert.equal(broken.document, undefined);
    assert.ok(broken.problems.some((p) => p.code === 'yaml-syntax'), `expected a yaml-syntax problem, got ${JSON.stringify(broken.problems)}`);
  });

  it('warns about a child item without a parent link unless it is derived', () => {
    const child = { folder: '/t', prefix: 'LLR', sep: '', digits: 3, parent: 'SYS', extendedReviewed: [] };
    const lonely = extract('/t/LLR001.yml', 'text: Alone.\nlinks: []\n', 'requirements', { doorstop: child });
    assert.deepEqual(lonely.problems.map((p) => p.code), ['doorstop-no-parent-link']);
    const derived = extract('/t/LLR002.yml', 'text: Alone.\nlinks: []\nderived: true\n', 'requirements', { doorstop: child });
    assert.deepEqual(derived.problems, []);
    const root = extract('/t/SYS001.yml', 'text: Top.\nlinks: []\n', 'requirements', { doorstop: { ...child, prefix: 'SYS', parent: undefined } });
    assert.deepEqual(root.problems, []);
  });

  it('keeps what it can of a broken item and reports where the YAML breaks', () => {
    const document = { folder: '/t', prefix: 'REQ', sep: '', digits: 3, extendedReviewed: [] };
    const facts = extract('/t/REQ001.yml', 'text: |\n  Something.\nlinks:\n- SYS001: abc\n  - : [\n', 'requirements', { doorstop: document });
    assert.ok(facts.problems.length > 0, 'expected a problem for the broken YAML');
    assert.equal(facts.problems[0].code, 'yaml-syntax');
    const notAMap = extract('/t/REQ002.yml', '- just\n- a list\n', 'requirements', { doorstop: document });
    assert.deepEqual(notAMap.requirements, []);
    assert.deepEqual(notAMap.problems.map((p) => p.code), ['doorstop-item']);
  });
});
