/**
 * The wire: the frame guard's cost for large messages arriving in 64 KiB chunks (4–64 MB), against
 * the JSON-RPC reader it protects measured on the same chunks; and the time from a 32 or 64 MB
 * `didOpen` to the answer of the next request, on the real server.
 */
import { PassThrough } from 'node:stream';
import { StreamMessageReader } from 'vscode-languageserver/node';
import { FrameGuard } from '../server/src/lsp/framing';
import { startServer, writeWorkspace } from '../test/support/lsp';
import type { BenchRow } from './types';

const chunkBytes = 64 * 1024;

function frame(megabytes: number): Buffer {
  const text = 'x'.repeat(megabytes * 1024 * 1024);
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///big.md', languageId: 'markdown', version: 1, text } } }));
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
}

/** Milliseconds until the message is read, through the guard or not. */
async function readTime(data: Buffer, guarded: boolean): Promise<number> {
  const input = new PassThrough({ highWaterMark: chunkBytes });
  let source: NodeJS.ReadableStream = input;
  if (guarded) {
    const guard = new FrameGuard();
    input.pipe(guard);
    source = guard;
  }
  const reader = new StreamMessageReader(source as any);
  const read = new Promise<void>((resolve) => reader.listen(() => resolve()));
  const started = performance.now();
  for (let at = 0; at < data.length; at += chunkBytes) {
    if (!input.write(data.subarray(at, at + chunkBytes))) await new Promise((resolve) => input.once('drain', resolve));
  }
  await read;
  const ms = performance.now() - started;
  reader.dispose();
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function guardRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const megabytes of [4, 16, 64]) {
    const data = frame(megabytes);
    const guard: number[] = [];
    const plain: number[] = [];
    for (let round = 0; round < 3; round++) {
      plain.push(await readTime(data, false));
      guard.push(await readTime(data, true));
    }
    const withGuard = median(guard);
    const readerOnly = median(plain);
    rows.push({ name: `frame guard + reader, ${megabytes} MB in 64 KiB chunks`, value: withGuard, unit: 'ms', note: `${(megabytes / (withGuard / 1000)).toFixed(0)} MB/s; ${(withGuard / readerOnly).toFixed(2)}× the reader alone (${readerOnly.toFixed(0)} ms)` });
  }
  return rows;
}

async function didOpenRows(): Promise<BenchRow[]> {
  const root = writeWorkspace({ 'reqs.md': '## REQ-1: One\n' });
  const client = await startServer(root);
  const rows: BenchRow[] = [];
  try {
    for (const megabytes of [32, 64]) {
      const text = `## REQ-2: Big\n${'lorem ipsum REQ-1 '.repeat(Math.ceil((megabytes * 1024 * 1024) / 18))}\n`;
      const started = performance.now();
      client.open(`${root}/big-${megabytes}.md`, text, 'markdown');
      await client.request('tandem/serverInfo', undefined, 120000);
      rows.push({ name: `didOpen of ${megabytes} MB → next answer`, value: performance.now() - started, unit: 'ms', note: 'over the maxFileSize limit: kept as text, not indexed' });
      client.close(`${root}/big-${megabytes}.md`);
    }
  } finally {
    await client.shutdown();
  }
  return rows;
}

export async function benchWire(): Promise<BenchRow[]> {
  return [...(await guardRows()), ...(await didOpenRows())];
}
