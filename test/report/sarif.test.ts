/**
 * SARIF 2.1.0 from `tandem check`, `tandem trace` and `tandem testability`, validated against the
 * OASIS schema (test/fixtures/sarif), with one result per gap, defect and finding at its place and
 * fingerprints that survive an edit above the finding.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import { cliBin, repoRoot, writeWorkspace } from '../support/lsp';

function tandem(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliBin, ...args], { encoding: 'utf8', timeout: 60000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('uri', (value: string) => {
  try {
    return new URL(value).protocol.length > 1;
  } catch {
    return false;
  }
});
ajv.addFormat('uri-reference', (value: string) => {
  try {
    return new URL(value, 'file:///base/') !== undefined;
  } catch {
    return false;
  }
});
ajv.addFormat('date-time', (value: string) => !Number.isNaN(Date.parse(value)));
const validate = ajv.compile(schema);

function valid(text: string): any {
  const log = JSON.parse(text);
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
  return log;
}

const workspace = {
  'docs/reqs.md': '## REQ-1: Parse\n\nParse it.\n\n## REQ-2: Total\n\nAdd it up.\n\n## REQ-2: Total again\n\nA duplicate.\n\n## REQ-3: Untouched\n\nNothing serves it.\n',
  'src/a.ts': '/** @implements REQ-1 */\nexport function parse(start) { return Date.now() - start; }\n/** @implements REQ-2 */\nexport function total() {}\n// @implements REQ-77\nexport function ghost() {}\n',
  'test/a.test.ts': "it('REQ-1 parses', () => {});\n",
};

describe('report: SARIF', function () {
  // Each test runs the CLI several times; testability loads TypeScript each time.
  this.timeout(90000);
  it('check: valid SARIF 2.1.0, a rule per kind, one result per gap and defect at its place', () => {
    const root = writeWorkspace(workspace);
    const result = tandem(['check', '--format', 'sarif', root]);
    assert.equal(result.status, 1, result.stderr);
    const log = valid(result.stdout);
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs.length, 1);
    const run = log.runs[0];
    assert.equal(run.tool.driver.name, 'Tandem');
    assert.match(run.tool.driver.version, /^\d+\.\d+\.\d+$/);
    assert.ok(run.tool.driver.informationUri);
    for (const rule of run.tool.driver.rules) {
      assert.ok(rule.shortDescription.text.length > 0);
      assert.match(rule.helpUri, /sarif\.md#trace-/);
      const anchor = rule.helpUri.split('#')[1];
      assert.ok(fs.readFileSync(path.join(repoRoot, 'docs', 'sarif.md'), 'utf8').includes(`<a id="${anchor}"></a>`), `docs/sarif.md documents ${anchor}`);
    }
    const summary = run.results.map((r: any) => [r.ruleId, r.locations?.[0]?.physicalLocation.artifactLocation.uri, r.locations?.[0]?.physicalLocation.region.startLine]);
    // A duplicate is reported at each of its definitions.
    assert.deepEqual(summary.sort(), [
      ['trace/duplicate', 'docs/reqs.md', 5],
      ['trace/duplicate', 'docs/reqs.md', 9],
      ['trace/unimplemented', 'docs/reqs.md', 13],
      ['trace/unknown-id', 'src/a.ts', 5],
      ['trace/untested', 'docs/reqs.md', 5],
    ]);
    for (const r of run.results) {
      assert.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId);
      assert.equal(r.locations[0].physicalLocation.artifactLocation.uriBaseId, '%SRCROOT%');
    }
    assert.ok(run.originalUriBaseIds['%SRCROOT%'].uri.startsWith('file:///'));
  });

  it('fingerprints stay the same across runs and when lines move, and differ between results', () => {
    const root = writeWorkspace(workspace);
    const prints = () => new Map<string, string>(JSON.parse(tandem(['check', '--format', 'sarif', root]).stdout).runs[0].results.map((r: any) => [`${r.ruleId} ${r.message.text}`, r.partialFingerprints['tandem/v1']]));
    const first = prints();
    assert.deepEqual(prints(), first);
    assert.equal(new Set(first.values()).size, first.size, 'every result has its own fingerprint');
    fs.writeFileSync(path.join(root, 'docs/reqs.md'), `# Requirements\n\nAn introduction that moves every line.\n\n${workspace['docs/reqs.md']}`);
    fs.writeFileSync(path.join(root, 'src/a.ts'), `// a new first line\n${workspace['src/a.ts']}`);
    const moved = prints();
    assert.deepEqual([...moved.values()].sort(), [...first.values()].sort());
  });

  it('trace --format sarif is the check against the configured requirement', () => {
    const root = writeWorkspace(workspace);
    const log = valid(tandem(['trace', '--format', 'sarif', root]).stdout);
    assert.equal(log.runs[0].results.length, 5);
  });

  it('testability: valid SARIF with the rules met, and text and JSON', () => {
    const root = writeWorkspace(workspace);
    const sarif = tandem(['testability', '--format', 'sarif', root]);
    assert.equal(sarif.status, 0, sarif.stderr);
    const log = valid(sarif.stdout);
    const results = log.runs[0].results;
    const clock = results.find((r: any) => r.ruleId === 'testability/hidden-clock');
    assert.ok(clock, JSON.stringify(results.map((r: any) => r.ruleId)));
    assert.equal(clock.locations[0].physicalLocation.artifactLocation.uri, 'src/a.ts');
    assert.equal(clock.locations[0].physicalLocation.region.startLine, 2);
    assert.match(log.runs[0].tool.driver.rules[clock.ruleIndex].helpUri, /testability\.md#hidden-clock$/);
    const json = JSON.parse(tandem(['testability', '--format', 'json', root]).stdout);
    assert.ok(json.findings.some((f: any) => f.code === 'hidden-clock' && f.path === 'src/a.ts' && f.range.start.line === 1));
    const text = tandem(['testability', root]).stdout;
    assert.match(text, /^src\/a\.ts:2:\d+: warning hidden-clock: /m);
    assert.match(text, /\d+ testability findings? in \d+ of \d+ files?\.\n$/);
  });
});
