/**
 * Hostile workspace input over stdio: data files nested deep enough to overflow a parser, settings
 * that would become broken timers. Each case is one the server used to die or mislead on; each
 * must now end in a problem the user sees and a server that goes on answering.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startServer, uriOf, writeWorkspace } from '../support/lsp';
import { copyProject, missingInstall, removeProject } from '../testing/support';

const doorstopConfig = "settings:\n  digits: 3\n  prefix: SYS\n  sep: ''\n";

/** A Doorstop item of about 2 KB whose `text:` is a flow sequence nested 1,000 deep. */
function deepItem(depth = 1000): string {
  return `active: true\nlinks: []\ntext: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
}

/** Polls `probe` every 50 ms until it answers, for at most `timeoutMs`. */
async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('hostile input over stdio', () => {
  it('reports a Doorstop item nested 1,000 deep and survives opening it and two changes on disk', async function () {
    this.timeout(60000);
    const root = writeWorkspace({
      'reqs/.doorstop.yml': doorstopConfig,
      'reqs/SYS001.yml': 'active: true\nlinks: []\ntext: |\n  The shop accepts orders.\n',
      'reqs/SYS002.yml': 'active: true\nlinks: []\ntext: |\n  Harmless for now.\n',
    });
    const client = await startServer(root);
    try {
      const deep = path.join(root, 'reqs', 'SYS002.yml');
      const text = deepItem();
      assert.ok(text.length > 2000 && text.length < 2100);
      client.open(deep, text, 'yaml');
      const diagnostics = await client.waitForDiagnostics(uriOf(deep), (list) => list.some((d: any) => d.code === 'yaml-depth'));
      assert.match(diagnostics.find((d: any) => d.code === 'yaml-depth').message, /nests deeper than 100 levels/);
      client.close(deep);
      for (const round of [1, 2]) {
        fs.writeFileSync(deep, deepItem(1000 + round));
        client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(deep), type: 2 }] });
        // The watcher batches events: wait until the change is read (the deep item defines nothing).
        const ids = await until(async () => {
          const { requirements } = await client.request('tandem/requirements', {});
          const found = requirements.map((r: any) => r.id);
          return found.includes('SYS002') ? undefined : found;
        });
        assert.deepEqual(ids, ['SYS001'], 'the sound item is still read, the deep one is not');
      }
      const config = path.join(root, 'reqs', '.doorstop.yml');
      fs.writeFileSync(config, `${doorstopConfig}attributes: ${'{a: '.repeat(1000)}1${'}'.repeat(1000)}\n`);
      client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(config), type: 2 }] });
      const info = await client.request('tandem/serverInfo');
      assert.equal(typeof info, 'object', 'the server answers after a deep .doorstop.yml');
    } finally {
      await client.shutdown();
    }
  });

  it('refuses saved test results nested 20,000 deep with a warning, and goes on', async () => {
    const root = writeWorkspace({
      'docs/reqs.md': '## REQ-1: One\n',
      '.tandem/test-results.json': `{"version":1,"results":[${'['.repeat(20000)}${']'.repeat(20000)}]}`,
    });
    const warning = (client: Awaited<ReturnType<typeof startServer>>) =>
      client.waitFor((m) => m.method === 'window/logMessage' && /Saved test results .* could not be read: not valid JSON \(it nests deeper than 100 levels\)/.test(m.params.message), 'the warning', 15000, true);
    const client = await startServer(root);
    try {
      await warning(client);
      const { requirements } = await client.request('tandem/requirements', {});
      assert.deepEqual(requirements.map((r: any) => r.id), ['REQ-1']);
    } finally {
      await client.shutdown();
    }
  });
});

describe('duplicate IDs over stdio', () => {
  it('answers lenses, hovers and diagnostics for 2,000 copies of one heading, every copy marked', async function () {
    this.timeout(60000);
    const root = writeWorkspace({ 'docs/reqs.md': '## REQ-1: One\n', 'src/a.ts': '/** @implements REQ-2 */\nexport const a = 1;\n' });
    const client = await startServer(root);
    try {
      const file = path.join(root, 'docs', 'dup.md');
      const text = '## REQ-2: Same\n\nText.\n\n'.repeat(2000);
      client.open(file, text, 'markdown');
      const uri = uriOf(file);
      const lenses = await client.request('textDocument/codeLens', { textDocument: { uri } }, 20000);
      assert.equal(lenses.filter((lens: any) => lens.command.command === 'tandem.showTrace').length, 2000);
      assert.match(lenses[0].command.title, /duplicate/);
      const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 4 } }, 20000);
      assert.equal((hover.contents.value.match(/REQ-2 is defined 2000 times/g) ?? []).length, 1, 'the same defect is listed once');
      const report = await client.request('textDocument/diagnostic', { textDocument: { uri } }, 20000);
      const duplicates = report.items.filter((d: any) => d.code === 'duplicate');
      assert.equal(duplicates.length, 1000, 'the cap keeps 1,000 diagnostics, the most severe first');
      assert.equal(report.items.length, 1001, 'and one summary');
      const summary = report.items.find((d: any) => d.code === 'too-many-diagnostics');
      assert.match(summary.message, /^1001 more diagnostics of this file are not shown: Tandem shows at most 1000 per file/);
    } finally {
      await client.shutdown();
    }
  });

  it('stays responsive on a file of 140,000 duplicate list items', async function () {
    this.timeout(120000);
    const root = writeWorkspace({ 'docs/reqs.md': '## REQ-1: One\n' });
    const client = await startServer(root);
    try {
      const file = path.join(root, 'docs', 'list.md');
      const text = '- A-7\n'.repeat(140_000);
      assert.ok(text.length < 1024 * 1024);
      client.open(file, text, 'markdown');
      const uri = uriOf(file);
      const lenses = await client.request('textDocument/codeLens', { textDocument: { uri } }, 30000);
      assert.equal(lenses.length, 140_000);
      const report = await client.request('textDocument/diagnostic', { textDocument: { uri } }, 30000);
      assert.equal(report.items.length, 1001);
      assert.equal(report.items.at(-1).code, 'too-many-diagnostics');
      const references = await client.request('textDocument/references', { textDocument: { uri }, position: { line: 0, character: 3 }, context: { includeDeclaration: true } }, 30000);
      assert.equal(references.length, 140_000, 'every definition, without spreading them into one call');
      const symbols = await client.request('workspace/symbol', { query: 'A-7' }, 30000);
      assert.ok(symbols.length >= 1);
    } finally {
      await client.shutdown();
    }
  });
});

describe('minified and generated files', () => {
  /** A bundle as a minifier writes it: one line, hidden dependencies in every function. */
  function bundle(bytes: number): string {
    const parts: string[] = [];
    for (let i = 0, size = 0; size < bytes; i++) {
      const part = `function a${i}(b,c){var d=Math.random(),e=Date.now();if(b>c)return new Date(d+e);return process.env.K${i % 7}?b:c}/* @implements REQ-${i % 900} */`;
      parts.push(part);
      size += part.length;
    }
    return parts.join('');
  }

  it('are left out by content, and the diagnostics pull of a 1.9 MB one-line bundle stays cheap', async function () {
    this.timeout(60000);
    const text = bundle(1.9 * 1024 * 1024);
    const root = writeWorkspace({ 'docs/reqs.md': '## REQ-1: One\n', 'src/vendor.js': text, 'src/gen.ts': '// Code generated by protoc. DO NOT EDIT.\n/** @implements REQ-1 */\nexport const x = Date.now();\n' });
    const client = await startServer(root);
    try {
      const trace = await client.request('tandem/trace', { id: 'REQ-1' });
      assert.equal(trace.implementations.length, 0, 'neither the bundle nor the generated file counts as an implementation');
      const file = path.join(root, 'src', 'vendor.js');
      const uri = uriOf(file);
      client.open(file, text, 'javascript');
      let report = await client.request('textDocument/diagnostic', { textDocument: { uri } }, 30000);
      assert.deepEqual(report.items, []);
      for (let version = 2; version <= 4; version++) {
        client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: ' ' }] });
        report = await client.request('textDocument/diagnostic', { textDocument: { uri } }, 30000);
        assert.deepEqual(report.items, []);
      }
      const generated = path.join(root, 'src', 'gen.ts');
      client.open(generated);
      assert.deepEqual((await client.request('textDocument/diagnostic', { textDocument: { uri: uriOf(generated) } })).items, []);
    } finally {
      await client.shutdown();
    }
  });

  it('are read when excludeGenerated is false, with their diagnostics capped', async function () {
    this.timeout(60000);
    const text = bundle(200 * 1024);
    const root = writeWorkspace({ 'docs/reqs.md': '## REQ-1: One\n', 'src/app.min.js': text, 'tandem.json': '{ "excludeGenerated": false }' });
    const client = await startServer(root);
    try {
      const trace = await client.request('tandem/trace', { id: 'REQ-1' });
      assert.ok(trace.implementations.length > 0, 'the bundle is read');
      const file = path.join(root, 'src', 'app.min.js');
      client.open(file, text, 'javascript');
      const report = await client.request('textDocument/diagnostic', { textDocument: { uri: uriOf(file) } }, 30000);
      assert.equal(report.items.length, 1001);
      assert.equal(report.items.at(-1).code, 'too-many-diagnostics');
    } finally {
      await client.shutdown();
    }
  });
});

describe('tandem.testability.extractFunction on files it must not touch', () => {
  it('answers invalid params for a non-TypeScript file or one outside the workspace, reading nothing there', async function () {
    this.timeout(30000);
    const outside = writeWorkspace({ 'secret.ts': 'export function f(a: number) { if (a) { return a + 1; } return 0; }\n' });
    const root = writeWorkspace({ 'docs/reqs.md': '## REQ-1: One\n', 'src/notes.md': '# Notes\n', 'src/a.py': 'def f():\n    return 1\n' });
    fs.symlinkSync(path.join(outside, 'secret.ts'), path.join(root, 'src', 'link.ts'));
    const client = await startServer(root);
    try {
      const cases: [string, RegExp][] = [
        [uriOf(path.join(root, 'src', 'notes.md')), /notes\.md is not a TypeScript or JavaScript file/],
        [uriOf(path.join(root, 'src', 'a.py')), /a\.py is not a TypeScript or JavaScript file/],
        [uriOf(path.join(outside, 'secret.ts')), /is outside the workspace folders/],
        [uriOf(path.join(root, '..', path.basename(outside), 'secret.ts')), /is outside the workspace folders/],
        [uriOf(path.join(root, 'src', 'link.ts')), /leads outside the workspace folders/],
        [uriOf(path.join(root, 'src', 'missing.ts')), /does not exist/],
      ];
      for (const [uri, message] of cases) {
        const response = await client.requestRaw('workspace/executeCommand', { command: 'tandem.testability.extractFunction', arguments: [uri, 0, 10] });
        assert.equal(response.error?.code, -32602, `${uri}: ${JSON.stringify(response)}`);
        assert.match(response.error.message, message);
      }
      assert.equal(client.serverRequests.filter((m) => m.method === 'workspace/applyEdit').length, 0, 'no edit was asked for');
    } finally {
      await client.shutdown();
    }
  });
});

describe('duration settings', () => {
  it('reports a duration above 2^31-1 ms on tandem.json and keeps the default', async () => {
    const root = writeWorkspace({
      'docs/reqs.md': '## REQ-1: One\n',
      'tandem.json': JSON.stringify({ maxFileSize: 0, testing: { timeoutMs: 1e10, runOnSaveDelayMs: 2 ** 31 }, generation: { requestTimeoutMs: 1e12 } }, null, 2),
    });
    const client = await startServer(root);
    try {
      const diagnostics = await client.waitForDiagnostics(uriOf(path.join(root, 'tandem.json')), (list) => list.length >= 4);
      const messages = diagnostics.map((d: any) => d.message).join('\n');
      assert.match(messages, /testing\.timeoutMs must be a whole number of milliseconds from 1000 to 2147483647/);
      assert.match(messages, /testing\.runOnSaveDelayMs must be a whole number of milliseconds from 0 to 2147483647/);
      assert.match(messages, /generation\.requestTimeoutMs must be a whole number of milliseconds from 1 to 2147483647/);
      assert.match(messages, /maxFileSize must be a positive whole number of bytes/);
      const { requirements } = await client.request('tandem/requirements', {});
      assert.deepEqual(requirements.map((r: any) => r.id), ['REQ-1'], 'files are read with the default size limit');
    } finally {
      await client.shutdown();
    }
  });
});

describe('a test timeout above 2^31-1 ms', () => {
  it('runs the tests with the default timeout instead of timing every run out at once', async function () {
    this.timeout(60000);
    const missing = missingInstall('mocha', 'mocha');
    if (missing) {
      if (process.env.CI === 'true') assert.fail(`mandatory in CI: ${missing}`);
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    const root = copyProject('mocha', { 'tandem.json': '{ "testing": { "timeoutMs": 10000000000 } }' });
    const client = await startServer(root);
    try {
      const result = await client.request('tandem/runTests', { scope: 'file', uri: uriOf(path.join(root, 'test', 'calc.test.js')) }, 30000);
      const byName = Object.fromEntries(result.results.map((r: any) => [r.testName, r.outcome]));
      assert.equal(byName['calc adds two numbers REQ-1'], 'passed', JSON.stringify(result));
    } finally {
      await client.shutdown();
      removeProject(root);
    }
  });
});
