/**
 * OpenFastTrace semantics on a fixture project: the same items, links and defects as `oft trace`
 * reports for it (the expected verdict is derived from OpenFastTrace's user guide and
 * specification and written in the fixture's `expected-verdict.json`).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTrace } from '../../server/src/trace/check';
import { extract, fixture, newGraph, textAt } from './helpers';
import { loadProject } from './project';

const root = fixture('oft-project');

interface Verdict {
  defective: Record<string, string[]>;
  items: string[];
  statuses: Record<string, string>;
}

describe('trace: OpenFastTrace project verdict', () => {
  const expected = JSON.parse(fs.readFileSync(path.join(root, 'expected-verdict.json'), 'utf8')) as Verdict;
  const project = loadProject(root);
  const { graph } = project;

  /** Names a defective item: its ID, or for an item a tag defines, its file and the ID it covers. */
  const itemKey = (id: string): string => {
    const definition = graph.definitions(id)[0];
    if (!definition || definition.path.endsWith('.md')) return id;
    const text = project.texts.get(definition.path)!;
    return `${path.relative(root, definition.path).split(path.sep).join('/')}#${textAt(text, definition.span)}`;
  };

  it('lists the specification items and the tag items that need coverage', () => {
    const listed = graph.requirements({}).map((r) => r.id).sort();
    assert.deepEqual(listed, [...expected.items].sort());
  });

  it('finds exactly the defective items, with the kinds of their defects', () => {
    const result = checkTrace(graph, { require: 'covered' });
    const actual: Record<string, string[]> = {};
    for (const defect of result.defects) {
      assert.ok(defect.id, `every OpenFastTrace defect belongs to an item, but "${defect.message}" has none`);
      const key = itemKey(defect.id);
      actual[key] = [...new Set([...(actual[key] ?? []), defect.kind])].sort();
    }
    const wanted = Object.fromEntries(Object.entries(expected.defective).map(([k, v]) => [k, [...v].sort()]));
    assert.deepEqual(actual, wanted);
    assert.equal(result.ok, false);
  });

  it('gives each item the status its coverage implies', () => {
    for (const [id, status] of Object.entries(expected.statuses)) {
      const trace = graph.trace(id);
      assert.ok(trace, `expected ${id} to be traced`);
      assert.equal(trace.requirement.status, status, `status of ${id}`);
    }
  });

  it('keeps the title, description, needs and tags of an item', () => {
    const trace = graph.trace('req~pay~1')!;
    assert.equal(trace.requirement.title, 'Pay');
    assert.equal(trace.text, 'The shop takes card payments.');
    assert.deepEqual(trace.needs, ['arch']);
    assert.deepEqual(trace.upstream.map((u) => u.id), ['feat~checkout~1']);
    assert.deepEqual(trace.downstream.map((d) => d.id), ['arch~pay~1']);
    assert.deepEqual(graph.trace('dsn~pay-service~1')!.needs, ['impl', 'utest']);
  });

  it('does not read an OpenFastTrace tag written inside a string literal', () => {
    assert.equal(graph.trace('dsn~string-only~1'), null);
    const validator = path.join(root, 'src', 'Validator.java');
    const facts = extract(validator, project.texts.get(validator)!, 'source');
    assert.deepEqual(facts.tags.map((t) => t.target), ['dsn~order-validator~1', 'dsn~dup~1', 'dsn~order-validator~2', 'dsn~report-exporter~1']);
  });

  it('names a tag item with needs after the item it covers, and others uniquely', () => {
    const pay = path.join(root, 'src', 'Pay.java');
    const facts = extract(pay, project.texts.get(pay)!, 'source');
    assert.deepEqual(facts.tags[0].oftItem, { name: 'pay-impl', revision: 1, needs: ['utest'] });
    const short = extract('/x/A.java', '// [impl->dsn~a~1>>utest, itest]\n// [impl->dsn~a~1]\n', 'source');
    assert.deepEqual(short.tags[0].oftItem, { name: 'a', revision: 0, needs: ['utest', 'itest'] });
    assert.match(short.tags[1].oftItem!.name, /^a-\d+$/);
  });

  it('passes a check of a clean chain, with a rejected item left uncovered', () => {
    const clean = extract('/p/doc/spec.md', '# Feature\n`feat~a~1`\nNeeds: req\n\n# Requirement\n`req~a~1`\nCovers:\n* `feat~a~1`\n\nNeeds: impl\n\n# Dropped\n`req~b~1`\nStatus: rejected\n\nNeeds: impl\n', 'requirements');
    const graph = newGraph();
    graph.setFile(clean);
    graph.setFile(extract('/p/src/A.java', '// [impl->req~a~1]\nclass A {}\n', 'source'));
    const result = checkTrace(graph, { require: 'covered' });
    assert.deepEqual([result.ok, result.defects, result.gaps.map((g) => g.id)], [true, [], []]);
    assert.equal(graph.trace('req~b~1')!.requirement.status, 'unimplemented');
  });

  it('points every defect at the line to fix', () => {
    const result = checkTrace(graph, { require: 'covered' });
    for (const defect of result.defects) {
      assert.ok(defect.location, `the ${defect.kind} defect of ${defect.id} has a location`);
      const file = fileURLToPath(defect.location.uri);
      assert.ok(fs.existsSync(file), `the location ${file} exists`);
    }
  });
});

describe('trace: OpenFastTrace Status, Tags and Depends, and defect severities', () => {
  const spec = [
    '# Spec',
    '',
    '### Base',
    '`req~base~1`',
    '',
    'Needs: impl',
    '',
    '### Login',
    '`req~login~1`',
    '',
    'Status: draft',
    '',
    'Depends:',
    '* `req~base~1`',
    '',
    'Tags: security, ui',
    '',
    'Needs: impl',
    '',
    '### Twice',
    '`req~twice~1`',
    '',
    '### Twice again',
    '`req~twice~1`',
    '',
  ].join('\n');

  it('gives the trace the item status, tags and dependencies', () => {
    const graph = newGraph();
    graph.setFile(extract('/p/doc/spec.md', spec, 'requirements'));
    const login = graph.trace('req~login~1')!;
    assert.equal(login.itemStatus, 'draft');
    assert.deepEqual(login.tags, ['security', 'ui']);
    assert.deepEqual(login.depends.map((d) => [d.id, d.status]), [['req~base~1', 'unimplemented']]);
    const base = graph.trace('req~base~1')!;
    assert.equal(base.itemStatus, undefined);
    assert.deepEqual([base.tags, base.depends], [[], []]);
  });

  it('says how each defect is shown: a duplicate as an error, uncovered as the setting says', () => {
    const graph = newGraph();
    graph.setFile(extract('/p/doc/spec.md', spec, 'requirements'));
    const severities = (id: string) => graph.trace(id)!.defects.map((d) => [d.kind, d.severity]);
    assert.deepEqual(severities('req~twice~1'), [['duplicate', 'error'], ['duplicate', 'error']]);
    assert.deepEqual(severities('req~base~1'), [['uncovered', 'warning']]);
    graph.setOptions({ uncoveredSeverity: 'off' });
    assert.deepEqual(severities('req~base~1'), [['uncovered', 'off']]);
    // Diagnostics show what the defects say.
    const problems = graph.problems('/p/doc/spec.md');
    assert.ok(problems.filter((p) => p.code === 'duplicate').every((p) => p.severity === 'error'));
    assert.ok(!problems.some((p) => p.code === 'uncovered'));
  });
});
