/**
 * Hostile bytes and messages on every transport: frames the JSON-RPC reader would reject must
 * never desynchronise the connection, the LSP lifecycle is kept, and malformed parameters answer
 * -32602 naming the parameter, never an internal error.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { serverBin, startServer, uriOf, writeWorkspace, type LspClient } from '../support/lsp';
import { RawPeer, type Transport } from '../support/wire';

const body = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tandem/serverInfo' });

for (const transport of ['stdio', 'socket'] as Transport[]) {
  describe(`the frame guard over ${transport}`, function () {
    this.timeout(30000);
    let peer: RawPeer;
    const root = writeWorkspace({ 'reqs.md': '## REQ-1: One\n' });

    beforeEach(async () => {
      peer = await RawPeer.start(transport);
      await peer.initialize(root);
    });
    afterEach(() => peer.close());

    async function stillServing(): Promise<void> {
      const response = await peer.request('tandem/serverInfo', undefined, 5000);
      assert.equal(response.result?.folders?.[0], uriOf(root), `the server should still answer: ${JSON.stringify(response)}`);
    }
    const warned = (pattern: RegExp) =>
      peer.waitFor((m) => m.method === 'window/logMessage' && pattern.test(m.params.message), `a log line matching ${pattern}`, 5000);
    const answered = (id: number) => peer.messages.some((m) => m.id === id && m.method === undefined);

    it('drops a frame with a header line without a colon, its body too, and stays in step', async () => {
      peer.writeRaw(`Content-Length: ${body(1).length}\r\nNo colon here\r\n\r\n${body(1)}`);
      await stillServing();
      await warned(/malformed header line "No colon here"/);
      assert.ok(!answered(1), 'a frame with a malformed header must not be served');
    });

    it('drops a header with conflicting Content-Length values and resynchronises', async () => {
      peer.writeRaw(`Content-Length: 10\r\nContent-Length: ${body(2).length}\r\n\r\n${body(2)}`);
      await stillServing();
      await warned(/conflicting Content-Length values 10, \d+/);
      assert.ok(!answered(2));
    });

    it('serves a frame whose Content-Length is repeated with the same value, and one with a Content-Type', async () => {
      peer.writeRaw(`Content-Length: ${body(3).length}\r\ncontent-length: ${body(3).length}\r\n\r\n${body(3)}`);
      peer.writeRaw(`Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: ${body(4).length}\r\n\r\n${body(4)}`);
      await peer.waitFor((m) => m.id === 3, 'the answer to the repeated header', 5000);
      await peer.waitFor((m) => m.id === 4, 'the answer to the frame with a Content-Type', 5000);
    });

    it('drops control characters in a header', async () => {
      peer.writeRaw(`Content-Length: ${body(5).length}\x00\r\n\r\n${body(5)}`);
      peer.writeRaw(`Content-Length: ${body(6).length}\r\nX-Bell: \x07\r\n\r\n${body(6)}`);
      await stillServing();
      assert.ok(!answered(5) && !answered(6));
    });

    it('refuses a 2 GiB Content-Length without waiting for it', async () => {
      peer.writeRaw('Content-Length: 2147483648\r\n\r\n{}');
      await stillServing();
      await warned(/too large/);
    });

    it('finds a frame behind garbage in the same write', async () => {
      peer.writeRaw(`garbage \u0001\u0002 {"not": "a frame"}Content-Length: ${body(7).length}\r\n\r\n${body(7)}`);
      await peer.waitFor((m) => m.id === 7, 'the answer to the frame behind the garbage', 5000);
      await warned(/not a message/);
    });

    it('reads a frame sent one byte at a time', async () => {
      const frame = `Content-Length: ${body(8).length}\r\n\r\n${body(8)}`;
      for (const c of frame) peer.writeRaw(c);
      await peer.waitFor((m) => m.id === 8, 'the answer to a frame split into bytes', 5000);
    });

    it('reads a 6 MB message in 64 KiB chunks and answers the next request', async () => {
      const text = `## REQ-2: Big\n${'x'.repeat(6 * 1024 * 1024)}\n`;
      const message = Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: uriOf(`${root}/big.md`), languageId: 'markdown', version: 1, text } } }));
      const frame = Buffer.concat([Buffer.from(`Content-Length: ${message.length}\r\n\r\n`), message]);
      for (let at = 0; at < frame.length; at += 65536) peer.writeRaw(frame.subarray(at, at + 65536));
      await stillServing();
    });

    it('survives megabytes of garbage', async () => {
      peer.writeRaw(Buffer.alloc(3 * 1024 * 1024, 'z'));
      peer.writeRaw(`\r\n\r\nContent-Length: ${body(9).length}\r\n\r\n${body(9)}`);
      await peer.waitFor((m) => m.id === 9, 'the answer after the garbage', 10000);
    });
  });
}

describe('the gate over node-ipc', function () {
  this.timeout(20000);

  it('drops messages that are not JSON-RPC objects and keeps the lifecycle', async () => {
    const root = writeWorkspace({ 'reqs.md': '## REQ-1: One\n' });
    const child = spawn(process.execPath, [serverBin, '--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    try {
      const messages: any[] = [];
      child.on('message', (message: any) => {
        messages.push(message);
        if (message.id !== undefined && message.method) child.send({ jsonrpc: '2.0', id: message.id, result: null });
      });
      const answer = (id: number) =>
        new Promise<any>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no answer to ${id} over node-ipc within 5 s`)), 5000);
          const look = () => {
            const found = messages.find((m) => m.id === id && m.method === undefined);
            if (found) {
              clearTimeout(timer);
              resolve(found);
            } else setTimeout(look, 20);
          };
          look();
        });
      for (const junk of ['garbage', 42, null, [1, 2], { method: 5 }, { jsonrpc: '2.0' }]) child.send(junk as any);
      child.send({ jsonrpc: '2.0', id: 1, method: 'tandem/serverInfo' });
      assert.equal((await answer(1)).error?.code, -32002, 'a request before initialize answers ServerNotInitialized');
      child.send({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { processId: null, rootUri: uriOf(root), capabilities: {} } });
      assert.equal((await answer(2)).result?.serverInfo?.name, 'tandem');
      child.send({ jsonrpc: '2.0', method: 'initialized', params: {} });
      child.send({ jsonrpc: '2.0', id: 3, method: 'textDocument/hover', params: { textDocument: { uri: 7 }, position: { line: 0, character: 0 } } });
      const invalid = await answer(3);
      assert.equal(invalid.error?.code, -32602);
      assert.match(invalid.error.message, /params\.textDocument\.uri must be a string, not number 7/);
      child.send({ jsonrpc: '2.0', id: 4, method: 'tandem/serverInfo' });
      assert.deepEqual((await answer(4)).result?.folders, [uriOf(root)]);
    } finally {
      child.kill();
    }
  });
});

describe('the LSP lifecycle', function () {
  this.timeout(20000);

  it('answers -32002 before initialize, refuses a second initialize and every request after shutdown', async () => {
    const root = writeWorkspace({ 'reqs.md': '## REQ-1: One\n' });
    const peer = await RawPeer.start('stdio');
    try {
      const early = await peer.request('workspace/executeCommand', { command: 'tandem.reindex', arguments: [] });
      assert.equal(early.error?.code, -32002);
      assert.match(early.error.message, /before initialize/);
      peer.send({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: uriOf(`${root}/x.md`), languageId: 'markdown', version: 1, text: '## REQ-9: Early\n' } } });
      await peer.initialize(root);
      const again = await peer.request('initialize', { processId: null, rootUri: null, workspaceFolders: [], capabilities: {} });
      assert.equal(again.error?.code, -32600);
      const info = await peer.request('tandem/serverInfo');
      assert.deepEqual(info.result.folders, [uriOf(root)], 'a refused second initialize must leave the folders as they were');
      await peer.waitFor((m) => m.method === 'window/logMessage' && /^Indexed/.test(m.params.message), 'the first index', 10000);
      const requirements = await peer.request('tandem/requirements', {});
      assert.deepEqual(requirements.result.requirements.map((r: any) => r.id), ['REQ-1'], 'a didOpen before initialize must have been dropped');
      assert.equal((await peer.request('shutdown')).error, undefined);
      const late = await peer.request('tandem/requirements', {});
      assert.equal(late.error?.code, -32600);
      assert.match(late.error.message, /after shutdown/);
      const exited = new Promise<number | null>((resolve) => peer.child.once('exit', resolve));
      peer.send({ jsonrpc: '2.0', method: 'exit' });
      assert.equal(await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 5000))]), 0);
    } finally {
      peer.close();
    }
  });
});

describe('parameters of the wrong type', function () {
  this.timeout(30000);
  let client: LspClient;
  let uri: string;

  before(async () => {
    const root = writeWorkspace({ 'reqs.md': '## REQ-1: One\n', 'src/a.ts': '/** @implements REQ-1 */\nexport function a() {}\n' });
    uri = uriOf(`${root}/src/a.ts`);
    client = await startServer(root);
  });
  after(async () => {
    await client.shutdown();
  });

  const cases: [string, string, () => unknown, RegExp][] = [
    ['hover with null params', 'textDocument/hover', () => null, /params must be an object, not null/],
    ['hover with a numeric URI', 'textDocument/hover', () => ({ textDocument: { uri: 42 }, position: { line: 0, character: 0 } }), /params\.textDocument\.uri must be a string, not number 42/],
    ['definition with a negative line', 'textDocument/definition', () => ({ textDocument: { uri }, position: { line: -1, character: 0 } }), /params\.position\.line must be an integer/],
    ['completion with a string character', 'textDocument/completion', () => ({ textDocument: { uri }, position: { line: 0, character: '3' } }), /params\.position\.character must be an integer/],
    ['codeAction without context', 'textDocument/codeAction', () => ({ textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }), /params\.context must be an object, not missing/],
    ['workspace/symbol with a numeric query', 'workspace/symbol', () => ({ query: 5 }), /params\.query must be a string, not number 5/],
    ['tandem/traceAt with null', 'tandem/traceAt', () => null, /params must be an object, not null/],
    ['documentSymbol without a document', 'textDocument/documentSymbol', () => ({}), /params\.textDocument must be an object, not missing/],
    ['executeCommand with a numeric command', 'workspace/executeCommand', () => ({ command: 1 }), /params\.command must be a string/],
    ['runTests with a numeric scope', 'tandem/runTests', () => ({ scope: 1 }), /params\.scope must be a string/],
  ];
  for (const [name, method, params, message] of cases) {
    it(`answers -32602 naming the parameter: ${name}`, async () => {
      const response = await client.requestRaw(method, params());
      assert.equal(response.error?.code, -32602, `expected InvalidParams, got ${JSON.stringify(response)}`);
      assert.match(response.error!.message, message);
    });
  }

  for (const command of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    it(`answers a clear error for the command ${command}, not one of Object's methods`, async () => {
      const response = await client.requestRaw('workspace/executeCommand', { command, arguments: [] });
      assert.equal(response.error?.code, -32602, JSON.stringify(response));
      assert.match(response.error!.message, new RegExp(`Unknown command "${command}"`));
    });
  }

  it('advertises only its own commands', () => {
    const commands: string[] = client.initializeResult.capabilities.executeCommandProvider.commands;
    assert.ok(commands.length > 3 && commands.every((name) => name.startsWith('tandem.')), JSON.stringify(commands));
  });
});
