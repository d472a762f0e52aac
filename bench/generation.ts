/**
 * The generation loop's own cost: everything a round does besides waiting for the model (parsing
 * the answer, planning the edit, the type check, the testability check, the scratch copy and both
 * runs of the new tests), on the example workspace (JavaScript, node:test) and on the TypeScript
 * test fixture, with a provider that answers at once so model time is zero. Also the prompt's size
 * against sending the whole files it quotes, and against the whole workspace. Target: ≤ 2 s a round.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TypeScriptModule } from '../server/src/generation/declarations';
import { runGeneration, type EngineResult } from '../server/src/generation/engine';
import { gatherTask, type GatherRequest, type WorkspaceView } from '../server/src/generation/gather';
import type { ChatMessage, ModelAnswer } from '../server/src/generation/model';
import { maySend } from '../server/src/generation/paths';
import { buildPrompt } from '../server/src/generation/prompt';
import { estimateTokens, type ModelProvider } from '../server/src/generation/providers/provider';
import { generationSettingsDefaults } from '../server/src/generation/settings';
import type { GenerationTask } from '../server/src/generation/task';
import { extractFacts } from '../server/src/trace/extract';
import { traceSettingsDefaults } from '../server/src/workspace/config';
import { percentile, printRows, type BenchRow } from './types';
import { ScriptedModel } from '../test/generation/support/scriptedModel';
import { startServer, uriOf } from '../test/support/lsp';

const repoRoot = path.resolve(__dirname, '..', '..');
const runs = 5;

/** Answers every request at once with the same text: model time is zero by construction. */
class CannedProvider implements ModelProvider {
  readonly name = 'openai' as const;
  readonly model = 'canned';
  constructor(private readonly text: string) {}
  async complete(messages: ChatMessage[]): Promise<ModelAnswer> {
    return { text: this.text, tokensIn: estimateTokens(messages.map((m) => m.content).join('\n')), tokensOut: estimateTokens(this.text), ms: 0, requests: 1 };
  }
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === '.git') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

/** A copy of a folder in the temp dir with the repository's node_modules linked. */
function copyWorkspace(source: string): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-gen-')));
  fs.cpSync(source, root, { recursive: true });
  if (!fs.existsSync(path.join(root, 'node_modules'))) fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'), 'junction');
  return root;
}

function viewOf(root: string): WorkspaceView {
  const files = walk(root);
  const indexed = new Set(files);
  const requirements = new Map<string, { id: string; title: string; text: string; acceptanceCriteria: string[] }>();
  for (const file of files.filter((f) => f.endsWith('.md'))) {
    const facts = extractFacts(file, fs.readFileSync(file, 'utf8'), { role: 'requirements', idPattern: traceSettingsDefaults.idPattern } as Parameters<typeof extractFacts>[2]);
    for (const def of facts.requirements) requirements.set(def.id, { id: def.id, title: def.title, text: def.text, acceptanceCriteria: def.acceptanceCriteria });
  }
  return {
    folder: root,
    readText: (file) => (fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined),
    files: () => files,
    isTest: (file) => path.relative(root, file).split(path.sep)[0] === 'test',
    maySend: (file) => maySend(file, root, (f) => indexed.has(f), []),
    requirement: (id) => requirements.get(id),
  };
}

interface Scenario {
  /** A short label for the rows. */
  label: string;
  title: string;
  source: string;
  request: (root: string) => GatherRequest;
  answer: string;
}

const fence = '```';

const scenarios: Scenario[] = [
  {
    label: 'examples/ (JS)',
    title: 'example workspace (JavaScript, node:test): implement the stub reserveStock',
    source: path.join(repoRoot, 'examples'),
    request: (root) => ({ kind: 'stub', path: path.join(root, 'src', 'ids.js'), symbol: 'reserveStock', requirementId: 'ORD-7' }),
    answer: [
      'FILE src/ids.js REPLACE reserveStock',
      `${fence}js`,
      'function reserveStock(stock, lines) {',
      '  for (const line of lines) {',
      '    if ((stock[line.sku] ?? 0) < line.quantity) throw new Error(`not enough ${line.sku}`);',
      '  }',
      '  const next = { ...stock };',
      '  for (const line of lines) next[line.sku] -= line.quantity;',
      '  return next;',
      '}',
      fence,
      '',
      'FILE test/stock.test.js CREATE',
      `${fence}js`,
      "'use strict';",
      "const { describe, it } = require('node:test');",
      "const assert = require('node:assert/strict');",
      "const { reserveStock } = require('../src/ids');",
      '',
      "describe('reserveStock', () => {",
      "  it('takes every line from stock', () => {",
      "    assert.deepEqual(reserveStock({ A: 3, B: 1 }, [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }]), { A: 1, B: 0 });",
      '  });',
      "  it('reserves nothing when one line is short', () => {",
      "    assert.throws(() => reserveStock({ A: 3 }, [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }]), /not enough B/);",
      '  });',
      '});',
      fence,
    ].join('\n'),
  },
  {
    label: 'shop fixture (TS)',
    title: 'TypeScript project (test fixture shop, mocha): implement the stub slugify',
    source: path.join(repoRoot, 'test', 'fixtures', 'generation', 'shop'),
    request: (root) => ({ kind: 'stub', path: path.join(root, 'src', 'slugify.ts'), symbol: 'slugify', requirementId: 'REQ-1' }),
    answer: fs.existsSync(path.join(repoRoot, 'test', 'fixtures', 'generation', 'answers', 'slugify-good.md'))
      ? fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'generation', 'answers', 'slugify-good.md'), 'utf8')
      : '',
  },
];

async function runScenario(ts: TypeScriptModule, scenario: Scenario): Promise<BenchRow[]> {
  const perRound: number[] = [];
  const checks: number[] = [];
  const stages = new Map<string, number[]>();
  let last: EngineResult | undefined;
  let workspaceTokens = 0;
  for (let i = 0; i < runs; i++) {
    const root = copyWorkspace(scenario.source);
    try {
      const view = viewOf(root);
      workspaceTokens = view.files().filter((f) => /\.(?:[mc]?[jt]s|md)$/.test(f)).reduce((sum, f) => sum + estimateTokens(fs.readFileSync(f, 'utf8')), 0);
      const started = performance.now();
      const result = await runGeneration({
        ts,
        view,
        request: scenario.request(root),
        settings: { ...generationSettingsDefaults, model: 'canned' },
        testabilitySettings: undefined,
        overlay: () => undefined,
        secretEnvNames: [],
        progress: () => undefined,
        log: () => undefined,
        signal: new AbortController().signal,
        provider: new CannedProvider(scenario.answer),
      });
      const total = performance.now() - started;
      if (result.loop?.status !== 'passed') throw new Error(`${scenario.title}: expected the canned answer to pass, got ${result.loop?.status ?? result.error}: ${JSON.stringify(result.loop?.rounds.map((r) => r.issues))}`);
      const rounds = result.loop.rounds;
      perRound.push((total - rounds.reduce((sum, r) => sum + r.modelMs, 0)) / rounds.length);
      checks.push(rounds.reduce((sum, r) => sum + r.checksMs, 0) / rounds.length);
      for (const [stage, ms] of Object.entries(rounds[rounds.length - 1].stageMs)) stages.set(stage, [...(stages.get(stage) ?? []), ms]);
      last = result;
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
  return [
    { name: 'loop overhead per round, median', value: Math.round(percentile(perRound, 50)), unit: 'ms', note: `target ≤ 2000 ms; everything but model time, ${runs} runs` },
    { name: 'loop overhead per round, max', value: Math.round(Math.max(...perRound)), unit: 'ms', note: 'the first run loads TypeScript and parses its libraries' },
    { name: 'of which checks, median', value: Math.round(percentile(checks, 50)), unit: 'ms', note: `type check, testability, scratch copy, ${generationSettingsDefaults.testRuns} test runs and the run against the stub` },
    ...[...stages].map(([stage, values]) => ({ name: `  stage ${stage}, median`, value: Math.round(percentile(values, 50)), unit: 'ms', note: stage === 'tests' ? `scratch copy and ${generationSettingsDefaults.testRuns} runs` : stage === 'proof' ? 'the new tests against the stub' : '' })),
    ...promptRows(last!.task!, workspaceTokens),
  ].map((row) => ({ ...row, name: `${scenario.label}: ${row.name}` }));
}

/** The prompt against the same instructions with whole files pasted in, and against the whole workspace. */
function promptRows(task: GenerationTask, workspaceTokens: number): BenchRow[] {
  const built = buildPrompt(task, generationSettingsDefaults.promptTokenBudget);
  const instructions = built.tokens - built.contextTokens;
  const wholeFiles = instructions + Math.ceil(task.wholeFileChars / 4);
  return [
    { name: 'prompt', value: built.tokens, unit: 'tokens', note: `${built.contextTokens} of them quoted context; estimated at 4 characters a token` },
    { name: 'same prompt with whole files', value: wholeFiles, unit: 'tokens', note: `the files the context quotes, pasted whole: the prompt is ${(built.tokens / Math.max(1, wholeFiles)).toFixed(2)}× of that` },
    ...(workspaceTokens > 0 ? [{ name: 'same prompt with the whole workspace', value: instructions + workspaceTokens, unit: 'tokens', note: `prompt is ${(built.tokens / (instructions + workspaceTokens)).toFixed(3)}× of that` }] : []),
  ];
}

/** Gathering and prompt size on a large real module (zod's sources as installed), without running the loop. */
function largeModuleRows(ts: TypeScriptModule): BenchRow[] {
  const root = path.join(repoRoot, 'node_modules', 'zod', 'src', 'v4');
  if (!fs.existsSync(path.join(root, 'core', 'util.ts'))) return [];
  const files = walk(root).filter((f) => f.endsWith('.ts'));
  const indexed = new Set(files);
  const view: WorkspaceView = {
    folder: root,
    readText: (file) => (indexed.has(file) || file.endsWith('package.json') ? (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined) : undefined),
    files: () => files,
    isTest: (file) => file.includes(`${path.sep}tests${path.sep}`),
    maySend: (file) => indexed.has(file),
    requirement: () => undefined,
  };
  const started = performance.now();
  const task = gatherTask(ts, view, { kind: 'tests', path: path.join(root, 'core', 'util.ts'), symbol: 'getEnumValues' });
  const gatherMs = performance.now() - started;
  if ('error' in task) throw new Error(task.error);
  const workspaceTokens = files.reduce((sum, f) => sum + estimateTokens(fs.readFileSync(f, 'utf8')), 0);
  return [
    { name: 'gathering the context', value: Math.round(gatherMs), unit: 'ms', note: `${files.length} files, ${task.existingTestTitles.length} existing tests read for duplicates` },
    ...promptRows(task, workspaceTokens),
  ].map((row) => ({ ...row, name: `zod v4 sources, tests for getEnumValues: ${row.name}` }));
}

/**
 * The first prompt's size over every task a workspace offers: each requirement, and tests for each
 * declared function (stubs implemented), under the default budget.
 */
function promptSizeRows(ts: TypeScriptModule, label: string, source: string): BenchRow[] {
  const root = copyWorkspace(source);
  try {
    const view = viewOf(root);
    const requests: GatherRequest[] = [];
    for (const file of view.files().filter((f) => /\.[mc]?[jt]s$/.test(f) && !view.isTest(f) && !f.endsWith('.d.ts'))) {
      const text = view.readText(file) ?? '';
      for (const match of text.matchAll(/^(?:export\s+)?(?:async\s+)?function\s+([A-Za-z_$][\w$]*)/gm)) requests.push({ kind: 'tests', path: file, symbol: match[1] });
    }
    const ids = new Set<string>();
    for (const file of view.files().filter((f) => f.endsWith('.md'))) for (const match of (view.readText(file) ?? '').matchAll(/\b([A-Z][A-Z0-9]*-\d+)\b/g)) if (view.requirement(match[1])) ids.add(match[1]);
    for (const id of ids) requests.push({ kind: 'requirement', requirementId: id });
    const tokens: number[] = [];
    for (const request of requests.slice(0, 200)) {
      let task = gatherTask(ts, view, request);
      if ('error' in task && request.kind === 'tests') task = gatherTask(ts, view, { ...request, kind: 'stub' });
      if ('error' in task) continue;
      tokens.push(buildPrompt(task, generationSettingsDefaults.promptTokenBudget).tokens);
    }
    if (tokens.length === 0) return [];
    return [
      { name: `${label}: first prompt, median`, value: Math.round(percentile(tokens, 50)), unit: 'tokens', note: `${tokens.length} tasks (every requirement, tests for every function); budget ${generationSettingsDefaults.promptTokenBudget}` },
      { name: `${label}: first prompt, max`, value: Math.max(...tokens), unit: 'tokens', note: '' },
    ];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Hover latency while a generation runs, against the same hovers with the server idle (the peer,
 * measured in the same run): the real server over stdio on a copy of the TypeScript fixture, a
 * scripted model on 127.0.0.1 answering at once, and a hover on a requirement tag every 15 ms from
 * the command until the edit arrives. Three runs, each in a fresh server (the first type check of a
 * server parses TypeScript's libraries). Target: p95 ≤ 50 ms.
 */
async function hoverDuringRunRows(): Promise<BenchRow[]> {
  const source = path.join(repoRoot, 'test', 'fixtures', 'generation', 'shop');
  const answerText = scenarios[1].answer;
  const idle: number[] = [];
  const during: number[] = [];
  for (let run = 0; run < 3; run++) {
    const root = copyWorkspace(source);
    const model = await new ScriptedModel([{ answer: answerText }]).start();
    const client = await startServer(root, { initializationOptions: { generation: { model: 'scripted-model', baseURL: model.baseURL, apiKeyEnv: 'TANDEM_BENCH_KEY', testRuns: 1 } }, env: { TANDEM_BENCH_KEY: 'sk-bench' } });
    try {
      const slugify = path.join(root, 'src', 'slugify.ts');
      const text = fs.readFileSync(slugify, 'utf8');
      const line = text.split('\n').findIndex((l) => l.includes('@implements REQ-1'));
      const hover = { textDocument: { uri: uriOf(slugify) }, position: { line, character: text.split('\n')[line].indexOf('REQ-1') + 1 } };
      const timeHover = async (into: number[]) => {
        const started = performance.now();
        await client.request('textDocument/hover', hover, 30_000);
        into.push(performance.now() - started);
      };
      for (let i = 0; i < 30; i++) await timeHover(idle);
      let done = false;
      const generation = client.request('workspace/executeCommand', { command: 'tandem.generate', arguments: [{ kind: 'stub', uri: uriOf(slugify), symbol: 'slugify', requirementId: 'REQ-1' }] }, 120_000);
      const edit = client.waitFor((m) => m.method === 'workspace/applyEdit', 'the edit', 120_000, true).finally(() => (done = true));
      for (let i = 0; i < 4000 && !done; i++) {
        await timeHover(during);
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      await Promise.all([generation, edit]);
    } finally {
      await client.shutdown();
      await model.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
  return [
    { name: 'hover p95 during a generation run', value: Math.round(percentile(during, 95)), unit: 'ms', note: `target ≤ 50 ms; ${during.length} hovers over 3 runs (type check in a worker thread), max ${Math.round(Math.max(...during))} ms` },
    { name: 'hover p95 with the server idle', value: Math.round(percentile(idle, 95)), unit: 'ms', note: `the peer: ${idle.length} hovers, same servers` },
  ].map((row) => ({ ...row, name: `shop fixture (TS): ${row.name}` }));
}

export async function benchGeneration(): Promise<BenchRow[]> {
  const ts = require('typescript') as TypeScriptModule;
  const rows: BenchRow[] = [];
  for (const scenario of scenarios) rows.push(...(await runScenario(ts, scenario)));
  for (const scenario of scenarios) rows.push(...promptSizeRows(ts, scenario.label, scenario.source));
  rows.push(...largeModuleRows(ts));
  rows.push(...(await hoverDuringRunRows()));
  return rows;
}

if (require.main === module) {
  benchGeneration().then(
    (rows) => printRows('Generation loop', rows),
    (error) => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exitCode = 1;
    },
  );
}
