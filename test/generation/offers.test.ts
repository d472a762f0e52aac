/**
 * Which generation actions the server offers on a stub, over stdio: implementing it, never
 * "Generate tests" (tests of a stub would pin `not implemented`), even when the testability rules
 * report it as an untested export; and a `tandem.generate` of kind "tests" on a stub is refused.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fullCapabilities, startServer, uriOf, type LspClient } from '../support/lsp';
import { removeWorkspace, shopWorkspace } from './support/workspace';

describe('generation: what is offered on a stub', function () {
  this.timeout(60_000);
  let root: string;
  let client: LspClient | undefined;
  beforeEach(() => {
    root = shopWorkspace();
  });
  afterEach(async () => {
    await client?.shutdown();
    client = undefined;
    removeWorkspace(root);
  });

  it('offers implementing a stub, not generating tests for it, even on an untested-export finding', async () => {
    client = await startServer(root, { capabilities: fullCapabilities() });
    const slugify = path.join(root, 'src', 'slugify.ts');
    const text = fs.readFileSync(slugify, 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('function slugify'));
    const character = text.split('\n')[line].indexOf('slugify');
    const range = { start: { line, character }, end: { line, character: character + 7 } };
    const untested = { range, source: 'tandem', code: 'untested-export', message: 'slugify is exported but no test mentions it' };
    const actions = await client.request('textDocument/codeAction', { textDocument: { uri: uriOf(slugify) }, range, context: { diagnostics: [untested] } });
    const titles = actions.filter((a: any) => a.kind === 'refactor.generate').map((a: any) => a.title);
    assert.deepEqual(titles, ['Implement `slugify` with tests']);
    await client.request('workspace/executeCommand', { command: 'tandem.generate', arguments: [{ kind: 'tests', uri: uriOf(slugify), symbol: 'slugify' }] }, 30_000);
    const refusal = await client.waitFor((m) => /^window\/showMessage/.test(m.method ?? '') && /is a stub/.test(m.params.message), 'the refusal', 30_000, true);
    assert.match(refusal.params.message, /slugify is a stub: tests of it would pin "not implemented"/);
    assert.equal(client.serverRequests.filter((m) => m.method === 'workspace/applyEdit').length, 0);
  });
});
