/**
 * Test support: a raw peer of the server on a byte-stream transport (stdio or `--socket=PORT`),
 * to send bytes no well-behaved client would, and to read framed answers. Every wait has a timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import type { Writable } from 'node:stream';
import { serverBin, uriOf } from './lsp';

export type Transport = 'stdio' | 'socket';

export class RawPeer {
  private buffer = Buffer.alloc(0);
  readonly messages: any[] = [];
  private waiters: { test: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  stderr = '';
  private nextId = 1000;

  private constructor(
    readonly child: ChildProcess,
    private readonly output: Writable,
    private readonly server?: net.Server,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  static async start(transport: Transport, env: NodeJS.ProcessEnv = {}): Promise<RawPeer> {
    if (transport === 'stdio') {
      const child = spawn(process.execPath, [serverBin, '--stdio'], { stdio: 'pipe', env: { ...process.env, ...env } });
      const peer = new RawPeer(child, child.stdin!);
      child.stdout!.on('data', (chunk: Buffer) => peer.onData(chunk));
      return peer;
    }
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const child = spawn(process.execPath, [serverBin, `--socket=${port}`], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let timer: NodeJS.Timeout | undefined;
    const socket = await Promise.race([
      accepted,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the server did not connect within 10 s')), 10000))),
    ]).finally(() => clearTimeout(timer));
    const peer = new RawPeer(child, socket, server);
    socket.on('data', (chunk: Buffer) => peer.onData(chunk));
    return peer;
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString('ascii'))?.[1]);
      if (this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString('utf8'));
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.messages.push(message);
      for (const waiter of [...this.waiters]) {
        if (waiter.test(message)) {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          waiter.resolve(message);
        }
      }
      // Answer the server's own requests (configuration, registrations) like a plain editor.
      if (message.id !== undefined && message.method) this.send({ jsonrpc: '2.0', id: message.id, result: null });
    }
  }

  writeRaw(data: string | Buffer): void {
    this.output.write(data);
  }

  send(message: object): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.output.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }

  waitFor(test: (m: any) => boolean, what: string, timeoutMs = 10000): Promise<any> {
    const found = this.messages.find(test);
    if (found) return Promise.resolve(found);
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      new Promise<any>((resolve) => this.waiters.push({ test, resolve })),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. Server stderr:\n${this.stderr.slice(-1500)}`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
  }

  /** Sends a request and waits for its response (errors included). */
  request(method: string, params?: unknown, timeoutMs = 10000): Promise<any> {
    const id = this.nextId++;
    this.send({ jsonrpc: '2.0', id, method, params });
    return this.waitFor((m) => m.id === id && m.method === undefined, `the response to ${method}`, timeoutMs);
  }

  async initialize(root: string): Promise<void> {
    const response = await this.request('initialize', { processId: null, rootUri: uriOf(root), capabilities: {} });
    if (response.error) throw new Error(`initialize failed: ${response.error.message}`);
    this.send({ jsonrpc: '2.0', method: 'initialized', params: {} });
  }

  close(): void {
    this.child.kill('SIGKILL');
    this.server?.close();
    if ('destroy' in this.output) (this.output as net.Socket).destroy();
  }
}
