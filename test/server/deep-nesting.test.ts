/**
 * Deeply nested source outside the testability walk: binding a tag to its symbol parses the file
 * with TypeScript, which recurses once per level. Thousands of levels must not turn `trace` or
 * `traceAt` into internal errors; the tag keeps its per-language binding.
 */
import * as assert from 'node:assert/strict';
import { startServer, uriOf, writeWorkspace } from '../support/lsp';

describe('deeply nested source in the trace', function () {
  this.timeout(30000);

  it('answers trace and traceAt for tags in files nested thousands deep', async () => {
    const files = {
      'reqs.md': '## REQ-1: One\n\n## REQ-2: Two\n\n## REQ-3: Three\n',
      // One level per line, so that no minified-file rule leaves the files out.
      'src/parens.ts': `/** @implements REQ-1 */\nexport const x = ${'(\n'.repeat(4000)}1${')\n'.repeat(4000)};\n`,
      'src/blocks.ts': `// @implements REQ-2\nexport function f(a: boolean) {\n${'if (a) {\n'.repeat(4000)}${'}\n'.repeat(4000)}}\n`,
      'src/chain.ts': `// @implements REQ-3\nexport const y = [1]${'\n  .map((v) => v)'.repeat(3000)};\n`,
    };
    const root = writeWorkspace(files);
    const client = await startServer(root);
    try {
      for (const [id, file] of [['REQ-1', 'src/parens.ts'], ['REQ-2', 'src/blocks.ts'], ['REQ-3', 'src/chain.ts']]) {
        const trace = await client.requestRaw('tandem/trace', { id });
        assert.equal(trace.error, undefined, `tandem/trace ${id}: ${JSON.stringify(trace.error)}`);
        assert.ok(JSON.stringify(trace.result).includes(file.split('/')[1]), `${id} should be implemented in ${file}`);
        const at = await client.requestRaw('tandem/traceAt', { textDocument: { uri: uriOf(`${root}/${file}`) }, position: { line: 1, character: 5 } });
        assert.equal(at.error, undefined, `tandem/traceAt in ${file}: ${JSON.stringify(at.error)}`);
      }
    } finally {
      await client.shutdown();
    }
  });
});
