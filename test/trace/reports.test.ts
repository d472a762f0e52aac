/**
 * Report formats on the mixed fixture project: each format carries every requirement with its
 * status, in the shape its readers expect.
 */
import * as assert from 'node:assert/strict';
import { checkTrace } from '../../server/src/trace/check';
import { formatCheck, formatTrace } from '../../server/src/trace/reports';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extract, fixture, newGraph, positionOf } from './helpers';
import { loadProject } from './project';

const root = fixture('mixed');

describe('trace: reports', () => {
  const { graph } = loadProject(root);
  const summaries = graph.requirements({});

  it('json is exactly the protocol shapes', () => {
    const parsed = JSON.parse(formatTrace(graph, 'json'));
    assert.deepEqual(Object.keys(parsed), ['requirements', 'coverage']);
    assert.deepEqual(parsed.requirements, summaries.map((s) => graph.trace(s.id)));
    assert.deepEqual(parsed.coverage, graph.coverage());
  });

  it('csv has a header and one row per requirement, with relative locations', () => {
    const rows = formatTrace(graph, 'csv', { relativeTo: root }).trimEnd().split('\r\n');
    assert.equal(rows[0], 'id,title,format,artifactType,status,implementations,tests,defects,location');
    assert.equal(rows.length, summaries.length + 1);
    assert.equal(rows[1], 'REQ-1,Submit orders,markdown,req,covered,1,2,,docs/requirements.md:3:4');
  });

  it('csv quotes commas and neutralises formulas', () => {
    const other = loadProject(root).graph;
    other.setFile(extract(`${root}/docs/extra.md`, '## REQ-8: =HYPERLINK("x"), a title\n', 'requirements'));
    const row = formatTrace(other, 'csv').split('\r\n').find((r) => r.startsWith('REQ-8'))!;
    assert.match(row, /^REQ-8,"'=HYPERLINK\(""x""\), a title",/);
  });

  it('markdown is a table with one row per requirement', () => {
    const lines = formatTrace(graph, 'markdown', { relativeTo: root }).split('\n').filter((l) => l.startsWith('| REQ-'));
    assert.deepEqual(lines.map((l) => l.split('|')[1].trim()), summaries.map((s) => s.id));
  });

  it('junit has one test case per requirement, failing for gaps', () => {
    const xml = formatTrace(graph, 'junit', { relativeTo: root });
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="tandem trace" tests="6" failures="3">/);
    const cases = xml.match(/<testcase [^>]*?(?:\/>|>[\s\S]*?<\/testcase>)/g) ?? [];
    assert.equal(cases.length, 6);
    const failing = cases.filter((c) => c.includes('<failure')).map((c) => /name="(REQ-\d+)/.exec(c)![1]);
    assert.deepEqual(failing, ['REQ-3', 'REQ-5', 'REQ-6']);
    assert.equal((xml.match(/<testsuite /g) ?? []).length, 1);
  });

  it('junit skips a rejected OpenFastTrace item rather than failing it', () => {
    const other = newGraph();
    other.setFile(extract('/p/doc/spec.md', '# Dropped\n`req~b~1`\nStatus: rejected\n\nNeeds: impl\n', 'requirements'));
    const xml = formatTrace(other, 'junit');
    assert.match(xml, /tests="1" failures="0" errors="0" skipped="1"/);
    assert.match(xml, /<testcase classname="req" name="req~b~1 Dropped"[^>]*>\n\s*<properties>[\s\S]*?<\/properties>\n\s*<skipped message="rejected"\/>/);
  });

  it('text is a matrix with a coverage line', () => {
    const text = formatTrace(graph, 'text');
    const lines = text.split('\n');
    assert.match(lines[0], /^ID\s+Status\s+Impl\s+Tests\s+Defects\s+Title$/);
    for (const s of summaries) assert.ok(lines.some((l) => l.startsWith(s.id) && l.includes(s.status)), `a row for ${s.id}`);
    assert.ok(text.includes('6 requirements: 2 unimplemented, 1 untested, 3 covered; 50% covered; 0 with defects; 1 tag naming unknown IDs.'), text);
  });

  it('check output names each gap and defect with its place', () => {
    const result = checkTrace(graph, { require: 'covered' });
    const text = formatCheck(result, { relativeTo: root });
    const docText = fs.readFileSync(path.join(root, 'docs', 'requirements.md'), 'utf8');
    const reqThree = positionOf(docText, 'REQ-3');
    assert.ok(text.includes(`docs/requirements.md:${reqThree.line + 1}:${reqThree.character + 1}: REQ-3 is unimplemented (Discount codes)`), text);
    const unknown = positionOf(fs.readFileSync(path.join(root, 'src', 'orders.ts'), 'utf8'), 'REQ-99');
    assert.ok(text.includes(`src/orders.ts:${unknown.line + 1}:${unknown.character + 1}: unknownId`), text);
    assert.ok(text.includes('unknownId: No requirement has the ID REQ-99.'), text);
    assert.ok(text.trimEnd().endsWith('Trace check failed.'));
    assert.match(formatCheck({ ok: true, defects: [], gaps: [] }), /passed/);
  });
});
