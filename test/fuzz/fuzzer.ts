/**
 * A seeded, bounded protocol fuzzer: random opens and incremental edits (in range, at and past
 * the end, surrogate pairs, CR, CRLF, U+2028), every request the server advertises at random
 * positions, `tandem/*` requests and commands with random parameters, lifecycle-order violations,
 * and hostile files written to disk (deep YAML and JSON, duplicate IDs, a large JUnit report,
 * invalid globs in tandem.json), against the real server over stdio.
 *
 * Properties checked after every step: the server answers a ping within 5 s; no well-formed
 * request answers an internal error (-32603); every position in every result lies inside its
 * document (the suite's checker, test/support/positions.ts); the server's memory stays bounded.
 *
 * Operations are generated from the seed alone (the fuzzer keeps its own model of each document),
 * so a run is a list of plain records that can be replayed, and shrunk: a failing run is cut down
 * to a minimal list that still fails, printed as a reproducer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyFixture, startServer, uriOf, type LspClient } from '../support/lsp';

export type Op =
  | { op: 'open'; file: string }
  | { op: 'close'; file: string }
  | { op: 'edit'; file: string; range?: { start: Pos; end: Pos }; text: string }
  | { op: 'request'; method: string; params: unknown; wellFormed: boolean }
  | { op: 'disk'; file: string; content: string };

type Pos = { line: number; character: number };

/** mulberry32: small, fast, and the same on every machine. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The files the fuzzer opens and edits: fixtures of every reader (real files), plus a few of its own. */
const documents = ['reqs.md', 'sample.ts', 'sample.js', 'sample.py', 'sample.go', 'spec.md', 'src/order.ts', 'test/order.test.ts', 'docs/REQ.yml'];

/** A workspace with Markdown, TypeScript, JavaScript, Python, Go, Doorstop and OpenFastTrace files. */
export function fuzzWorkspace(): string {
  const root = copyFixture('trace/languages');
  const oft = copyFixture('trace/oft-project');
  const specs = fs.readdirSync(path.join(oft, 'doc')).filter((name) => name.endsWith('.md'));
  fs.copyFileSync(path.join(oft, 'doc', specs[0]), path.join(root, 'spec.md'));
  const files: Record<string, string> = {
    'reqs.md': '# Requirements\n\n## REQ-1: Parse an order line\nText.\n\nAcceptance criteria:\n- Given "2 x apple", the quantity is 2.\n\n## REQ-2: Total\n\n## REQ-3: Tax\n',
    'src/order.ts': "/** @implements REQ-1 */\nexport function parse(line: string, a = 1, b = 2, c = 3, d = 4, e = 5) {\n  if (Date.now() > 0) { return process.env.X ?? line; }\n  return line;\n}\n",
    'test/order.test.ts': "// @verifies REQ-1\nit('REQ-1 parses', () => {});\n",
    'docs/.doorstop.yml': 'settings:\n  digits: 3\n  prefix: REQ\n  sep: ""\n',
    'docs/REQ.yml': 'active: true\nlevel: 1.0\nnormative: true\ntext: |\n  The system shall fuzz.\n',
  };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

const pieces = ['x', ' ', 'REQ-2', '// @implements REQ-3\n', '\n', '\r\n', '\r', '\u2028', '😀', '\ud83d', '[impl->dsn~a~1]', '## REQ-9: New\n', '\t', 'é', '}', '{', '(', '"'];

function randomText(next: () => number): string {
  let text = '';
  const count = 1 + Math.floor(next() * 4);
  for (let i = 0; i < count; i++) text += pieces[Math.floor(next() * pieces.length)];
  return text;
}

function lineLengths(text: string): number[] {
  return text.split(/\r\n|\r|\n/).map((line) => line.length);
}

/** A position in, at the end of, just past or far past the document or its line. */
function randomPosition(next: () => number, text: string): Pos {
  const lines = lineLengths(text);
  const roll = next();
  const line = Math.floor(next() * lines.length);
  if (roll < 0.6) return { line, character: Math.floor(next() * (lines[line] + 1)) };
  if (roll < 0.7) return { line, character: lines[line] + 1 };
  if (roll < 0.8) return { line: lines.length, character: 0 };
  if (roll < 0.9) return { line, character: 999999999 };
  return { line: 1e9, character: 1e9 };
}

function applyEdit(text: string, range: { start: Pos; end: Pos } | undefined, insert: string): string {
  if (!range) return insert;
  const offset = (p: Pos): number => {
    const pattern = /\r\n|\r|\n/g;
    let start = 0;
    for (let line = 0; line < p.line; line++) {
      const found = pattern.exec(text);
      if (!found) return text.length;
      start = found.index + found[0].length;
    }
    pattern.lastIndex = start;
    const found = pattern.exec(text);
    return Math.min(start + p.character, found ? found.index : text.length);
  };
  let [from, to] = [offset(range.start), offset(range.end)];
  if (from > to) [from, to] = [to, from];
  return text.slice(0, from) + insert + text.slice(to);
}

/** Hostile files for the disk (issue generators): deep YAML and JSON, duplicate IDs, a large JUnit report, invalid globs. */
function hostileFile(next: () => number, scale: number): { file: string; content: string } {
  const depth = Math.floor(200 * scale);
  switch (Math.floor(next() * 6)) {
    case 0:
      return { file: 'docs/REQ002.yml', content: `active: true\nlevel: 1.1\ntext: ${'['.repeat(depth)}${']'.repeat(depth)}\n` };
    case 1:
      return { file: '.tandem/test-results.json', content: `${'['.repeat(depth * 10)}${']'.repeat(depth * 10)}` };
    case 2:
      return { file: 'dups.md', content: '## REQ-7: Again\n'.repeat(Math.floor(400 * scale)) };
    case 3: {
      const cases = Array.from({ length: Math.floor(2000 * scale) }, (_, i) => `<testcase classname="order" name="REQ-1 case ${i}" time="0.001"/>`).join('\n');
      return { file: 'reports/junit.xml', content: `<?xml version="1.0"?>\n<testsuite name="s" tests="1">\n${cases}\n<testcase name="&#99999999;"/></testsuite>\n` };
    }
    case 4: {
      const globs = ['[', '{a,b', '[z-a].md', '*a*a*a*a*a*a*a*a*a*a*a*a*b', '**/*.md'];
      const pick = () => globs[Math.floor(next() * globs.length)];
      return { file: 'tandem.json', content: JSON.stringify({ exclude: [pick(), '**/node_modules/**'], trace: { tests: [pick(), '**/test/**'], requirements: [pick(), '**/*.md'] } }) };
    }
    default:
      return { file: 'tandem.json', content: next() < 0.5 ? '{"__proto__": {"__proto__": {"polluted": true}}, "trace": {"idPattern": "(a+)+$"}}' : '\ufeff{ "maxFileSize": 2000000 }' };
  }
}

/** Operations name documents under this root; a run puts its workspace's URI in its place. */
const rootPlaceholder = 'file:///ROOT/';

/** Random parameters, well-formed or not. */
function junk(next: () => number): unknown {
  const options = [null, 42, 'file:///nowhere.md', {}, [], { textDocument: { uri: 7 } }, { id: 5 }, { query: 1 }, true, { position: { line: -1, character: 'a' } }];
  return options[Math.floor(next() * options.length)];
}

/** The operations of one run, from the seed alone. `scale` sizes the hostile files (1 = full). */
export function generate(seed: number, count: number, root: string, scale = 1): Op[] {
  const next = random(seed);
  const texts = new Map<string, string>();
  const open = new Set<string>();
  const ops: Op[] = [];
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const textOf = (file: string): string => texts.get(file) ?? fs.readFileSync(path.join(root, file), 'utf8');
  for (let i = 0; i < count; i++) {
    const roll = next();
    const file = pick(documents);
    if (roll < 0.12 || open.size === 0) {
      if (open.has(file)) {
        ops.push({ op: 'close', file });
        open.delete(file);
        texts.delete(file);
      } else {
        ops.push({ op: 'open', file });
        open.add(file);
        texts.set(file, textOf(file));
      }
    } else if (roll < 0.5) {
      const target = pick([...open]);
      const text = texts.get(target)!;
      const start = randomPosition(next, text);
      const end = next() < 0.5 ? start : randomPosition(next, text);
      let range: { start: Pos; end: Pos } | undefined = next() < 0.03 ? undefined : { start, end };
      let insert = range ? randomText(next) : `${text}${randomText(next)}`;
      if (range && next() < 0.05) {
        // Far past the end, spanning as many lines as the text adds: the shape that once made the text document count phantom lines.
        insert = `${randomText(next)}\n${randomText(next)}`;
        const lines = insert.split(/\r\n|\r|\n/).length - 1;
        range = { start: { line: 1e9, character: 0 }, end: { line: 1e9 + lines, character: 0 } };
      }
      ops.push({ op: 'edit', file: target, range, text: insert });
      texts.set(target, applyEdit(text, range, insert));
    } else if (roll < 0.85) {
      const target = open.size > 0 && next() < 0.8 ? pick([...open]) : file;
      const targetUri = `${rootPlaceholder}${target}`;
      const position = randomPosition(next, textOf(target));
      const textDocument = { uri: targetUri };
      const requests: [string, unknown][] = [
        ['textDocument/hover', { textDocument, position }],
        ['textDocument/definition', { textDocument, position }],
        ['textDocument/references', { textDocument, position, context: { includeDeclaration: true } }],
        ['textDocument/completion', { textDocument, position }],
        ['textDocument/codeLens', { textDocument }],
        ['textDocument/documentSymbol', { textDocument }],
        ['textDocument/codeAction', { textDocument, range: { start: randomPosition(next, textOf(target)), end: position }, context: { diagnostics: [] } }],
        ['textDocument/diagnostic', { textDocument }],
        ['workspace/symbol', { query: pick(['', 'REQ', 'REQ-1', 'x', '😀']) }],
        ['tandem/traceAt', { textDocument, position }],
        ['tandem/trace', { id: pick(['REQ-1', 'REQ-2', 'REQ-9', 'dsn~a~1', 'nope']) }],
        ['tandem/requirements', pick([{}, { gapsOnly: true }, { query: 'tax' }])],
        ['tandem/coverage', {}],
        ['tandem/generationReport', {}],
        ['workspace/executeCommand', { command: 'tandem.showTrace', arguments: [pick(['REQ-1', 'REQ-9'])] }],
      ];
      const [method, params] = pick(requests);
      ops.push({ op: 'request', method, params, wellFormed: true });
    } else if (roll < 0.95) {
      // Ill-formed on purpose: random parameters, unknown commands, lifecycle violations.
      const methods = ['textDocument/hover', 'textDocument/codeAction', 'workspace/symbol', 'tandem/traceAt', 'tandem/trace', 'workspace/executeCommand', 'initialize', 'tandem/noSuchThing'];
      const method = pick(methods);
      const params = method === 'workspace/executeCommand' ? { command: pick(['constructor', 'toString', 'tandem.showTrace', 'tandem.testability.extractFunction', '__proto__']), arguments: [junk(next), junk(next), junk(next)] } : junk(next);
      ops.push({ op: 'request', method, params, wellFormed: false });
    } else {
      const { file: target, content } = hostileFile(next, scale);
      ops.push({ op: 'disk', file: target, content });
    }
  }
  return ops;
}

/** The server's resident memory in MB (Linux), or undefined. */
export function rssMb(client: LspClient): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${client.child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface RunOptions {
  /** Ping after every step (default) or only every n steps. */
  pingEvery?: number;
  /** The largest resident memory allowed, in MB. */
  maxRssMb?: number;
}

/** Runs the operations on a fresh copy of the workspace; returns the first property that failed, or undefined. */
export async function runOps(makeRoot: () => string, ops: Op[], options: RunOptions = {}): Promise<string | undefined> {
  const root = makeRoot();
  // The editor's settings point the server at the hostile JUnit report, whatever tandem.json the run writes.
  const client = await startServer(root, {
    capabilities: { workspace: { applyEdit: true, configuration: false, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: false } }, textDocument: { diagnostic: {} } },
    initializationOptions: { tandem: { testing: { junitReports: ['reports/*.xml'] } } },
  });
  const versions = new Map<string, number>();
  let failure: string | undefined;
  try {
    for (let i = 0; i < ops.length && !failure; i++) {
      const op = ops[i];
      const file = path.join(root, (op as { file?: string }).file ?? '');
      const uri = uriOf(file);
      try {
        switch (op.op) {
          case 'open':
            versions.set(op.file, 1);
            client.open(file, fs.readFileSync(file, 'utf8'));
            break;
          case 'close':
            client.close(file);
            break;
          case 'edit': {
            const version = (versions.get(op.file) ?? 1) + 1;
            versions.set(op.file, version);
            client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [op.range ? { range: op.range, text: op.text } : { text: op.text }] });
            break;
          }
          case 'disk':
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, op.content);
            client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 2 }] });
            break;
          case 'request': {
            const params = JSON.parse(JSON.stringify(op.params).replaceAll(`"${rootPlaceholder}`, `"${uriOf(root)}/`));
            const response = await client.requestRaw(op.method, params, 5000);
            if (op.wellFormed && response.error?.code === -32603) failure = `step ${i}: ${op.method} answered an internal error: ${response.error.message}`;
            break;
          }
        }
        if (!failure && (i % (options.pingEvery ?? 1) === 0 || i === ops.length - 1)) {
          await client.request('tandem/serverInfo', undefined, 5000);
          const rss = rssMb(client);
          if (rss !== undefined && rss > (options.maxRssMb ?? 1024)) failure = `step ${i}: the server uses ${Math.round(rss)} MB`;
        }
      } catch (error) {
        failure = `step ${i} (${op.op}${op.op === 'request' ? ` ${op.method}` : ''}): ${(error as Error).message.split('\n').slice(0, 6).join('\n')}`;
      }
    }
    if (!failure && client.violations.length > 0) failure = `positions outside their documents:\n${client.violations.slice(0, 5).join('\n')}`;
  } finally {
    client.violations.length = 0;
    // A server that failed may be hung: it is killed, not asked to shut down.
    if (failure) client.child.kill('SIGKILL');
    else await client.shutdown().catch(() => undefined);
  }
  return failure;
}

/**
 * Edits one open document `edits` times (typing and deleting), and returns the server's resident
 * memory after the first thousand edits and at the end, in MB.
 */
export async function memoryOverEdits(makeRoot: () => string, edits: number): Promise<{ afterWarmUp: number; atEnd: number } | undefined> {
  const root = makeRoot();
  const client = await startServer(root);
  try {
    const file = path.join(root, 'src/order.ts');
    const uri = uriOf(file);
    client.open(file);
    let afterWarmUp: number | undefined;
    for (let version = 2; version < edits + 2; version++) {
      const typing = version % 20 < 10;
      const change = typing
        ? { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: version % 7 === 0 ? '\n' : 'x' }
        : { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 1 } }, text: '' };
      client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
      if (version % 500 === 0) await client.request('tandem/serverInfo', undefined, 5000);
      if (version === 1000) afterWarmUp = rssMb(client);
    }
    await client.request('textDocument/diagnostic', { textDocument: { uri } }, 10000);
    const atEnd = rssMb(client);
    return afterWarmUp === undefined || atEnd === undefined ? undefined : { afterWarmUp, atEnd };
  } finally {
    await client.shutdown();
  }
}

/**
 * Shrinks a failing list of operations (delta debugging: drop chunks, halving their size, as long
 * as the run still fails), within a budget of runs. Returns the smallest failing list found.
 */
export async function shrink(makeRoot: () => string, ops: Op[], budget = 40, budgetMs = 60000): Promise<{ ops: Op[]; failure: string }> {
  const deadline = performance.now() + budgetMs;
  let current = ops;
  let failure = (await runOps(makeRoot, current)) ?? 'the failure did not repeat';
  let chunk = Math.ceil(current.length / 2);
  let runs = 1;
  const more = () => runs < budget && performance.now() < deadline;
  while (chunk >= 1 && more()) {
    let removed = false;
    for (let at = 0; at < current.length && more(); at += chunk) {
      const candidate = [...current.slice(0, at), ...current.slice(at + chunk)];
      if (candidate.length === 0) continue;
      runs++;
      const result = await runOps(makeRoot, candidate);
      if (result) {
        current = candidate;
        failure = result;
        removed = true;
        at -= chunk;
      }
    }
    if (!removed) chunk = Math.floor(chunk / 2);
  }
  return { ops: current, failure };
}

/** What a failing seed prints: the seed, the failure and the operations that still fail, as JSON. */
export function reproducer(seed: number, failure: string, ops: Op[]): string {
  return `Fuzz seed ${seed} failed: ${failure}\nMinimal reproducer (${ops.length} operations; replay with runOps(fuzzWorkspace, ops)):\n[\n${ops.map((op) => JSON.stringify(op)).join(',\n')}\n]`;
}
