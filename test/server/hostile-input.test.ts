/**
 * Hostile workspace input over stdio: data files nested deep enough to overflow a parser, settings
 * that would become broken timers. Each case is one the server used to die or mislead on; each
 * must now end in a problem the user sees and a server that goes on answering.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startServer, uriOf, writeWorkspace } from '../support/lsp';

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
