/**
 * ReqIF in and out: exports of real tools (DOORS, Polarion, Capella, Eclipse RMF, StrictDoc;
 * test/fixtures/reqif, see its README for sources and licence) read as requirement sources, the
 * `trace.reqif.idAttribute` setting, `.reqifz` archives, streaming of a large export, and the round
 * trip read → trace → export → read that gives the same requirements.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readReqifFile } from '../../server/src/trace/reqif';
import { cliBin, repoRoot, writeWorkspace } from '../support/lsp';

const samples = path.join(repoRoot, 'test', 'fixtures', 'reqif');

function tandem(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliBin, ...args], { encoding: 'utf8', timeout: 60000, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function sampleWorkspace(names: string[], extra: Record<string, string> = {}): string {
  const files: Record<string, string | Buffer> = { ...extra };
  for (const name of names) files[`reqs/${name}`] = fs.readFileSync(path.join(samples, name));
  return writeWorkspace(files);
}

/** What a requirement is, for comparing two reads: ID, title, text, type and upstream IDs. */
function shapeOf(json: any): [string, string, string, string, string[]][] {
  return json.requirements
    .map((t: any) => [t.requirement.id, t.requirement.title, t.text, t.requirement.artifactType, t.upstream.map((u: any) => u.id).sort()])
    .sort((a: any, b: any) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

describe('report: ReqIF', function () {
  this.timeout(90000);
  it('reads a DOORS export: XHTML text as plain text, title from its first line', () => {
    const { requirements, problems } = readReqifFile(path.join(samples, 'doors-user-03.reqif'));
    assert.deepEqual(problems, []);
    assert.equal(requirements.length, 1);
    assert.equal(requirements[0].text, 'some data\nSubtitle\nsome data\nMore data\nusing even more data');
    assert.equal(requirements[0].title, 'some data');
    assert.equal(requirements[0].format, 'reqif');
  });

  it('reads a Polarion export: ForeignID as the ID, headings as sections, not requirements', () => {
    const { requirements } = readReqifFile(path.join(samples, 'polarion-sample1.reqif'));
    assert.deepEqual(
      requirements.map((r) => [r.id, r.title, r.text, r.artifactType, r.section]),
      [['LOREM-818', 'SW: Lorem Ipsum', 'The Lorem Ipsum shall do something.', 'System Requirement', ['Test Export', 'Section 1']]],
    );
    // A larger anonymised Polarion export: every object that is not a heading is read.
    const large = readReqifFile(path.join(samples, 'polarion-anonymized.reqif'));
    assert.deepEqual(large.problems, []);
    assert.equal(large.requirements.length, 58);
    assert.ok(large.requirements.every((r) => r.artifactType !== 'Heading'));
  });

  it('reads the Eclipse RMF reference files: the spec hierarchy as sections, relations as links', () => {
    const tc1100 = readReqifFile(path.join(samples, 'rmf-tc1100.reqif')).requirements;
    assert.deepEqual(
      tc1100.map((r) => [r.id, r.title, r.section]),
      [
        ['1', 'Obj1', ['ID_TC1100_Specification']],
        ['1.1', 'Obj1.1', ['ID_TC1100_Specification', 'Obj1']],
        ['1.1.1', 'Obj1.1.1', ['ID_TC1100_Specification', 'Obj1', 'Obj1.1']],
        ['1.2', 'Obj1.2', ['ID_TC1100_Specification', 'Obj1']],
        ['2', 'Obj2', ['ID_TC1100_Specification']],
      ],
    );
    const related = readReqifFile(path.join(samples, 'rmf-spec-relation.reqif')).requirements;
    const source = related.find((r) => r.covers.length > 0)!;
    assert.deepEqual(source.covers.map((l) => l.target), ['2c84e85a-59d1-11da-8ef5-afdbd01c7a71']);
  });

  it('reads .reqifz archives, nested folders and relations across the files of one archive', () => {
    const tc1700 = readReqifFile(path.join(samples, 'rmf-tc1700.reqifz'));
    assert.deepEqual(tc1700.problems, []);
    assert.deepEqual(
      tc1700.requirements.map((r) => [r.id, r.title, r.covers.map((l) => l.target)]),
      [
        ['ID_TC1700_SpecObject1', 'Requirement 1', ['ID_TC1700_SpecObject2']],
        ['ID_TC1700_SpecObject2', 'Requirement 2', []],
      ],
    );
    const nested = readReqifFile(path.join(samples, 'strictdoc-nested.reqifz'));
    assert.deepEqual(nested.problems, []);
    assert.equal(nested.requirements.length, 2);
  });

  it('reports a damaged file or archive as a problem and never throws', () => {
    const root = writeWorkspace({ 'a.reqif': '<REQ-IF><CORE-CONTENT><SPEC-OBJECTS><SPEC-OBJECT IDENTIFIER="x">&#99999999;', 'b.reqifz': 'PK not really a zip' });
    const a = readReqifFile(path.join(root, 'a.reqif'));
    assert.ok(a.problems.length > 0);
    const b = readReqifFile(path.join(root, 'b.reqifz'));
    assert.match(b.problems.map((p) => p.message).join('\n'), /not a zip archive/);
  });

  it('trace.reqif.idAttribute chooses the attribute that holds the ID, and tags in code then trace to it', () => {
    const root = sampleWorkspace(['capella-requirements-vp.reqif'], {
      'tandem.json': JSON.stringify({ trace: { reqif: { idAttribute: 'IE PUID' } } }),
      'src/a.ts': '/** @implements PUID-1 */\nexport function a() {}\n',
      'test/a.test.ts': "// @verifies PUID-1\nit('works', () => {});\n",
    });
    const result = tandem(['trace', '--format', 'json', root]);
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.deepEqual(
      json.requirements.map((t: any) => [t.requirement.id, t.requirement.format, t.requirement.status, t.section]),
      [['PUID-1', 'reqif', 'covered', ['MODULE-1']]],
    );
    assert.ok(json.requirements[0].requirement.location.uri.endsWith('/reqs/capella-requirements-vp.reqif'));
  });

  it('round trip: read → trace → export → read gives the same requirements', () => {
    const root = sampleWorkspace(['rmf-tc1100.reqif', 'polarion-sample1.reqif', 'rmf-spec-relation.reqif', 'rmf-tc1700.reqifz', 'doors-user-03.reqif'], {
      'docs/more.md': '## REQ-1: Markdown & <ReqIF>\n\nFirst line.\nSecond "line".\n\nA paragraph, with a comma.\n',
    });
    const first = tandem(['trace', '--format', 'json', root]);
    assert.equal(first.status, 0, first.stderr);
    const exported = tandem(['trace', '--format', 'reqif', root]);
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /LONG-NAME="Tandem.Status"/);
    const again = writeWorkspace({ 'export.reqif': exported.stdout });
    const second = tandem(['trace', '--format', 'json', again]);
    assert.equal(second.status, 0, second.stderr);
    const before = shapeOf(JSON.parse(first.stdout));
    const after = shapeOf(JSON.parse(second.stdout));
    assert.equal(before.length, 12);
    assert.deepEqual(after, before);
    // The verdict goes back with each object, under the identifier it came with.
    assert.match(exported.stdout, /<SPEC-OBJECT IDENTIFIER="ID_TC1100_SpecObject1" /);
    assert.match(exported.stdout, /<ENUM-VALUE-REF>tandem-status-unimplemented<\/ENUM-VALUE-REF>/);
  });

  it('streams a large export: 10,000 objects in 5 MB', function () {
    this.timeout(60000);
    const parts = [
      '<?xml version="1.0" encoding="UTF-8"?><REQ-IF xmlns="http://www.omg.org/spec/ReqIF/20110401/reqif.xsd" xmlns:xhtml="http://www.w3.org/1999/xhtml"><CORE-CONTENT><REQ-IF-CONTENT>',
      '<SPEC-TYPES><SPEC-OBJECT-TYPE IDENTIFIER="T" LONG-NAME="Requirement"><SPEC-ATTRIBUTES><ATTRIBUTE-DEFINITION-STRING IDENTIFIER="A-ID" LONG-NAME="ReqIF.ForeignID"/><ATTRIBUTE-DEFINITION-XHTML IDENTIFIER="A-TEXT" LONG-NAME="ReqIF.Text"/></SPEC-ATTRIBUTES></SPEC-OBJECT-TYPE></SPEC-TYPES><SPEC-OBJECTS>',
    ];
    const filler = 'The system shall keep every record it is given, in order, and say when it cannot. '.repeat(5);
    for (let i = 0; i < 10000; i++) {
      parts.push(
        `<SPEC-OBJECT IDENTIFIER="O${i}"><TYPE><SPEC-OBJECT-TYPE-REF>T</SPEC-OBJECT-TYPE-REF></TYPE><VALUES><ATTRIBUTE-VALUE-STRING THE-VALUE="BIG-${i}"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>A-ID</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING><ATTRIBUTE-VALUE-XHTML><DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>A-TEXT</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION><THE-VALUE><xhtml:div><xhtml:p>${filler}</xhtml:p></xhtml:div></THE-VALUE></ATTRIBUTE-VALUE-XHTML></VALUES></SPEC-OBJECT>\n`,
      );
    }
    parts.push('</SPEC-OBJECTS></REQ-IF-CONTENT></CORE-CONTENT></REQ-IF>');
    const root = writeWorkspace({ 'big.reqif': parts.join('') });
    const file = path.join(root, 'big.reqif');
    assert.ok(fs.statSync(file).size > 5 * 1024 * 1024);
    const { requirements, problems } = readReqifFile(file);
    assert.deepEqual(problems, []);
    assert.equal(requirements.length, 10000);
    assert.equal(requirements[9999].id, 'BIG-9999');
    // Over the default maxFileSize of 2 MB, yet indexed: ReqIF files are streamed, not read whole.
    const listed = tandem(['trace', '--format', 'csv', root]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.equal(listed.stdout.trim().split('\r\n').length, 10001);
  });
});
