/**
 * The protocol's declarations and its documentation for client authors move together: every
 * method declared in protocol/*.ts is described in protocol/*.md, and so is every command the
 * server offers.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, startServer, writeWorkspace } from '../support/lsp';

const protocolDir = path.join(repoRoot, 'protocol');

function read(ext: string): string {
  return fs
    .readdirSync(protocolDir)
    .filter((file) => file.endsWith(ext))
    .map((file) => fs.readFileSync(path.join(protocolDir, file), 'utf8'))
    .join('\n');
}

describe('protocol documentation', () => {
  it('describes every declared tandem/* method', () => {
    const declared = [...read('.ts').matchAll(/method = '(tandem\/[A-Za-z/]+)'/g)].map((m) => m[1]);
    assert.ok(declared.length >= 6, `expected the trace methods at least, found ${declared.join(', ')}`);
    const docs = read('.md');
    const missing = declared.filter((method) => !docs.includes(`\`${method}\``));
    assert.deepEqual(missing, [], 'these methods are declared in protocol/*.ts but not described in protocol/*.md');
  });

  it('describes every command the server offers', async () => {
    const client = await startServer(writeWorkspace({ 'a.md': '# nothing\n' }));
    try {
      const commands: string[] = client.initializeResult.capabilities.executeCommandProvider.commands;
      assert.ok(commands.includes('tandem.showTrace'), `expected tandem.showTrace among ${commands.join(', ')}`);
      const docs = read('.md');
      const missing = commands.filter((command) => !docs.includes(`\`${command}\``));
      assert.deepEqual(missing, [], 'these commands are offered but not described in protocol/*.md');
    } finally {
      await client.shutdown();
    }
  });
});
