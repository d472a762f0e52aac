/**
 * Hostile files against the keystroke budget (100 ms): one requirement ID defined thousands of
 * times (headings, then list items), and a 1.9 MB one-line minified bundle. Each row is the time
 * from a request to its answer over stdio on the real server, after the file is open.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer, uriOf } from '../test/support/lsp';
import type { BenchRow } from './types';

async function timed<T>(run: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await run();
  return [performance.now() - started, value];
}

/** A bundle that looks like what a minifier writes: one line, short names, tags in strings and comments. */
export function minifiedBundle(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const part = `function a${i}(b,c){var d=Math.random(),e=Date.now();if(b>c)return new Date(d+e);return process.env.K${i % 7}?b:c}/*REQ-${i % 900} */`;
    parts.push(part);
    size += part.length;
  }
  return parts.join('');
}

/** A request's time, or NaN when it takes longer than `limitMs` (the server is then restarted). */
async function measure(request: () => Promise<unknown>, limitMs: number): Promise<[number, any]> {
  try {
    return await timed(() => Promise.race([request(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), limitMs))]));
  } catch {
    return [NaN, undefined];
  }
}

type Client = Awaited<ReturnType<typeof startServer>>;

/** Stops a server that may be stuck: politely, else by signal. */
async function stop(client: Client): Promise<void> {
  try {
    await client.shutdown();
  } catch {
    client.child.kill('SIGKILL');
  }
}

export async function benchHostile(limitMs = 60_000): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-hostile-'));
  fs.mkdirSync(path.join(root, 'docs'));
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, 'docs', 'reqs.md'), '## REQ-1: One\n');
  const over = `over ${limitMs / 1000} s`;
  try {
    const cases: [string, string, string][] = [];
    for (const copies of [250, 500, 1000, 2000]) cases.push([`${copies} duplicate headings`, `dup-${copies}.md`, '## REQ-1: Same\n\nText.\n\n'.repeat(copies)]);
    cases.push(['140k duplicate list items', 'dup-list.md', '- A-1\n'.repeat(140_000)]);
    for (const [name, file, text] of cases) {
      // Each case on a fresh server, so that one stuck case does not slow the next.
      const client = await startServer(root);
      const target = path.join(root, 'docs', file);
      const uri = uriOf(target);
      try {
        const [openMs] = await measure(async () => {
          client.open(target, text, 'markdown');
          await client.request('tandem/serverInfo', {}, limitMs);
        }, limitMs);
        const [lensMs, lenses] = await measure(() => client.request('textDocument/codeLens', { textDocument: { uri } }, limitMs), limitMs);
        const [pullMs, pulled] = await measure(() => client.request('textDocument/diagnostic', { textDocument: { uri } }, limitMs), limitMs);
        const [hoverMs] = await measure(() => client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 4 } }, limitMs), limitMs);
        const size = `${(text.length / 1024).toFixed(0)} KB`;
        rows.push({ name: `${name}: open`, value: openMs, unit: 'ms', note: Number.isNaN(openMs) ? `${size}; ${over}` : size });
        rows.push({ name: `${name}: code lenses`, value: lensMs, unit: 'ms', note: Number.isNaN(lensMs) ? over : `${lenses?.length ?? 0} lenses` });
        rows.push({ name: `${name}: diagnostics pull`, value: pullMs, unit: 'ms', note: Number.isNaN(pullMs) ? over : `${pulled?.items?.length ?? 0} diagnostics` });
        rows.push({ name: `${name}: hover`, value: hoverMs, unit: 'ms', note: Number.isNaN(hoverMs) ? over : '' });
      } finally {
        await stop(client);
      }
    }
    const client = await startServer(root);
    try {
      const bundle = path.join(root, 'src', 'bundle.js');
      const text = minifiedBundle(1.9 * 1024 * 1024);
      const uri = uriOf(bundle);
      client.open(bundle, text, 'javascript');
      await measure(() => client.request('textDocument/diagnostic', { textDocument: { uri } }, limitMs), limitMs);
      const pulls: number[] = [];
      let count = 0;
      for (let version = 2; version <= 6; version++) {
        client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: ' ' }] });
        const [ms, pulled] = await measure(() => client.request('textDocument/diagnostic', { textDocument: { uri } }, limitMs), limitMs);
        pulls.push(ms);
        count = pulled?.items?.length ?? 0;
      }
      pulls.sort((a, b) => a - b);
      rows.push({ name: '1.9 MB one-line bundle: pull after a keystroke', value: pulls[Math.floor(pulls.length / 2)], unit: 'ms', note: `median of 5; ${count} diagnostics; budget 100 ms` });
    } finally {
      await stop(client);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return rows;
}
