/**
 * The server process as an editor meets it: arguments, transports, surviving faults, exiting when
 * the editor goes away.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { LspClient, serverBin, startServer, uriOf, writeWorkspace } from '../support/lsp';

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [serverBin, ...args], { encoding: 'utf8', timeout: 10000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('tandem-ls process', () => {
  it('prints its version and help, and refuses unknown options', () => {
    const version = run(['--version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
    const help = run(['--help']);
    assert.equal(help.status, 0);
    for (const option of ['--stdio', '--node-ipc', '--socket=PORT']) assert.ok(help.stdout.includes(option), `help should mention ${option}`);
    const bad = run(['--bogus']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option --bogus/);
  });

  it('does not load typescript or openai at start-up', () => {
    const probe = spawnSync(
      process.execPath,
      ['-e', "require(process.argv[1]); const loaded = Object.keys(require.cache); console.log(JSON.stringify(['typescript', 'openai'].filter((m) => loaded.some((k) => k.includes(`node_modules/${m}/`)))))", serverBin.replace(/server[\\/]bin[\\/]tandem-ls\.js$/, 'out/server/src/server.js')],
      { encoding: 'utf8', timeout: 10000 },
    );
    assert.equal(probe.status, 0, probe.stderr);
    assert.deepEqual(JSON.parse(probe.stdout), [], 'these heavy modules were loaded by merely starting the server');
  });

  it('answers over --stdio and exits on shutdown/exit', async () => {
    const root = writeWorkspace({ 'reqs.md': '## REQ-1: One\n' });
    const client = await startServer(root);
    const info = await client.request('tandem/serverInfo');
    assert.equal(info.files, 1, `expected one indexed file, got ${JSON.stringify(info)}`);
    await client.shutdown();
    assert.equal(client.exitCode, 0);
  });

  it('answers over --socket=PORT', async () => {
    const root = writeWorkspace({ 'reqs.md': '## REQ-1: One\n' });
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const child = spawn(process.execPath, [serverBin, `--socket=${port}`], { stdio: 'ignore' });
    try {
      const socket = await Promise.race([
        accepted,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the server did not connect within 10 s')), 10000)),
      ]);
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: uriOf(root), capabilities: {} } });
      socket.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      const reply = await new Promise<string>((resolve, reject) => {
        let data = '';
        socket.on('data', (chunk) => {
          data += chunk.toString();
          if (data.includes('"capabilities"')) resolve(data);
        });
        setTimeout(() => reject(new Error(`no initialize result over the socket; got ${data.slice(0, 200)}`)), 10000);
      });
      assert.match(reply, /"hoverProvider":true/);
      socket.destroy();
    } finally {
      child.kill();
      server.close();
    }
  });

  it('answers over --node-ipc', async () => {
    const root = writeWorkspace({ 'reqs.md': '## REQ-1: One\n' });
    const child = spawn(process.execPath, [serverBin, '--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    try {
      const reply = new Promise<any>((resolve, reject) => {
        child.on('message', (message: any) => {
          if (message.id === 1) resolve(message);
        });
        setTimeout(() => reject(new Error('no initialize result over node-ipc within 10 s')), 10000);
      });
      child.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: uriOf(root), capabilities: {} } });
      const message = await reply;
      assert.equal(message.result.serverInfo.name, 'tandem');
    } finally {
      child.kill();
    }
  });

  it('survives a throwing handler, a throw in a timer and an unhandled rejection', async () => {
    const root = writeWorkspace({ 'reqs.md': '## REQ-1: One\n' });
    const client = await startServer(root, { env: { TANDEM_FAULT_INJECTION: '1' } });
    try {
      const thrown = await client.requestRaw('workspace/executeCommand', { command: 'tandem.fault.throw', arguments: [] });
      assert.ok(thrown.error, 'a throwing handler should answer with an error response');
      assert.match(thrown.error!.message, /fault injected/);
      await client.request('workspace/executeCommand', { command: 'tandem.fault.timer', arguments: [] });
      await client.waitFor((m) => m.method === 'window/logMessage' && /a timer threw/.test(m.params.message), 'the timer fault to be logged', 5000, true);
      await client.request('workspace/executeCommand', { command: 'tandem.fault.rejection', arguments: [] });
      await client.waitFor((m) => m.method === 'window/logMessage' && /unhandled rejection/.test(m.params.message), 'the rejection to be logged', 5000, true);
      const { requirements } = await client.request('tandem/requirements', {});
      assert.deepEqual(requirements.map((r: any) => r.id), ['REQ-1']);
    } finally {
      await client.shutdown();
    }
  });

  it('exits when its input closes (the editor went away)', async () => {
    const client = new LspClient(serverBin, ['--stdio']);
    client.child.stdin.end();
    const code = await client.race(client.exited, 'the server to exit after stdin closed', 5000);
    assert.equal(code, 0);
  });

  it('exits when the editor process named in initialize dies', async function () {
    this.timeout(20000);
    const editor = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const client = new LspClient(serverBin, ['--stdio']);
    try {
      await client.request('initialize', { processId: editor.pid, rootUri: null, capabilities: {} });
      client.notify('initialized', {});
      editor.kill('SIGKILL');
      await client.race(client.exited, 'the server to exit after the editor died', 12000);
    } finally {
      editor.kill('SIGKILL');
      client.child.kill('SIGKILL');
    }
  });
});

