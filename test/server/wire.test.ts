/**
 * Raw JSON-RPC framing, as a careless or broken client might send it: the server answers what it
 * can, says what was wrong, and keeps serving.
 */
import * as assert from 'node:assert/strict';
import { startServer, writeWorkspace, type LspClient } from '../support/lsp';

describe('the wire', () => {
  let client: LspClient;

  beforeEach(async () => {
    client = await startServer(writeWorkspace({ 'reqs.md': '## REQ-1: One\n\nText.\n' }));
  });

  afterEach(async () => {
    await client.shutdown();
  });

  async function stillServing(): Promise<void> {
    const { requirements } = await client.request('tandem/requirements', {});
    assert.deepEqual(
      requirements.map((r: any) => r.id),
      ['REQ-1'],
      'the server should still answer after bad input',
    );
  }

  it('answers a body that is not JSON with a parse error and goes on', async () => {
    const body = '{"jsonrpc":"2.0","id":77,"method":';
    client.writeRaw(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await stillServing();
  });

  it('skips a frame without Content-Length and goes on', async () => {
    client.writeRaw('X-Nonsense: 1\r\n\r\n{"jsonrpc":"2.0","id":5,"method":"shutdown"}');
    await stillServing();
    assert.ok(client.logs.some((m) => /Content-Length/.test(m)), `expected a log line about the bad header, got ${JSON.stringify(client.logs.slice(-5))}`);
  });

  it('refuses a 2 GiB Content-Length without waiting for it', async () => {
    client.writeRaw('Content-Length: 2147483648\r\n\r\n{}');
    await stillServing();
    assert.ok(client.logs.some((m) => /too large/.test(m)), `expected a log line refusing the frame, got ${JSON.stringify(client.logs.slice(-5))}`);
  });

  it('answers an unknown method with MethodNotFound', async () => {
    const response = await client.requestRaw('tandem/noSuchThing', {});
    assert.equal(response.error?.code, -32601);
    await stillServing();
  });

  it('answers invalid parameters with an error that says what was expected', async () => {
    const response = await client.requestRaw('tandem/trace', { nope: 1 });
    assert.equal(response.error?.code, -32602);
    assert.match(response.error?.message ?? '', /params\.id must be a string, not missing/);
    await stillServing();
  });

  it('handles multi-byte text in Content-Length counted in bytes', async () => {
    const root = client;
    const result = await root.request('workspace/symbol', { query: 'REQ-1 ünïcødé ✓' });
    assert.ok(Array.isArray(result));
  });
});
