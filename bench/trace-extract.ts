/**
 * The trace domain alone on the generated corpus: reading, extraction and graph building of a
 * cold full index, then single-file updates each followed by a query. Prints one line per number.
 * Run with `node out/bench/trace-extract.js` after a build.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractFacts } from '../server/src/trace/extract';
import { TraceGraph } from '../server/src/trace/graph';
import type { FileRole } from '../server/src/trace/model';
import { generateTraceCorpus } from './trace-corpus';

function roleOf(file: string): FileRole {
  if (file.endsWith('.md')) return 'requirements';
  return /\.test\.ts$/.test(file) ? 'test' : 'source';
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function benchTraceDomain(dir: string): Record<string, number> {
  const corpus = generateTraceCorpus(dir);
  const idPattern = '[A-Z][A-Z0-9]*-\\d+';
  // CPU time next to wall time: on a shared machine the wall clock also counts other processes.
  const cpuMs = (since: NodeJS.CpuUsage): number => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  let started = performance.now();
  let cpu = process.cpuUsage();
  const texts = corpus.files.map((file) => fs.readFileSync(file, 'utf8'));
  const readMs = performance.now() - started;
  const readCpuMs = cpuMs(cpu);
  started = performance.now();
  cpu = process.cpuUsage();
  const facts = corpus.files.map((file, i) => extractFacts(file, texts[i], { idPattern, role: roleOf(file) }));
  const extractMs = performance.now() - started;
  const extractCpuMs = cpuMs(cpu);
  started = performance.now();
  cpu = process.cpuUsage();
  const graph = new TraceGraph({ toUri: (p) => `file://${p}` });
  for (const f of facts) graph.setFile(f);
  const graphMs = performance.now() - started;
  const graphCpuMs = cpuMs(cpu);
  started = performance.now();
  cpu = process.cpuUsage();
  const coverage = graph.coverage();
  const firstCoverageMs = performance.now() - started;
  const firstCoverageCpuMs = cpuMs(cpu);

  const source = corpus.files.find((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))!;
  const text = fs.readFileSync(source, 'utf8');
  const updates: number[] = [];
  const coverageAfter: number[] = [];
  for (let i = 0; i < 300; i++) {
    const id = `REQ-${(i * 37) % corpus.requirements + 1}`;
    const t0 = performance.now();
    graph.setFile(extractFacts(source, `${text}\n// @implements ${id}\n`, { idPattern, role: 'source' }));
    const trace = graph.trace(id);
    graph.problems(source);
    graph.takeChanges();
    updates.push(performance.now() - t0);
    if (!trace || trace.implementations.length < 2) throw new Error(`the update did not reach ${id}`);
    const t1 = performance.now();
    graph.coverage();
    coverageAfter.push(performance.now() - t1);
  }
  // An edit of a requirement file: one title changes among its 500 requirements.
  const markdown = corpus.files.find((f) => f.endsWith('.md'))!;
  const markdownText = fs.readFileSync(markdown, 'utf8');
  const markdownUpdates: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    graph.setFile(extractFacts(markdown, markdownText.replace('Requirement number 1\n', `Requirement number 1 (edit ${i})\n`), { idPattern, role: 'requirements' }));
    graph.trace('REQ-1');
    graph.problems(markdown);
    graph.takeChanges();
    markdownUpdates.push(performance.now() - t0);
  }
  const rssMb = process.memoryUsage().rss / 1024 / 1024;
  return {
    files: corpus.files.length,
    requirements: coverage.total,
    covered: coverage.byStatus.covered,
    tags: facts.reduce((n, f) => n + f.tags.length, 0),
    readMs,
    extractMs,
    graphMs,
    firstCoverageMs,
    totalMs: readMs + extractMs + graphMs + firstCoverageMs,
    readCpuMs,
    extractCpuMs,
    graphCpuMs,
    firstCoverageCpuMs,
    totalCpuMs: readCpuMs + extractCpuMs + graphCpuMs + firstCoverageCpuMs,
    updateAndTraceP50: percentile(updates, 50),
    updateAndTraceP95: percentile(updates, 95),
    coverageAfterUpdateP95: percentile(coverageAfter, 95),
    requirementFileUpdateP50: percentile(markdownUpdates, 50),
    requirementFileUpdateP95: percentile(markdownUpdates, 95),
    rssMb,
  };
}

if (require.main === module) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-trace-domain-'));
  try {
    const numbers = benchTraceDomain(dir);
    for (const [name, value] of Object.entries(numbers)) process.stdout.write(`${name}: ${Number.isInteger(value) ? value : value.toFixed(2)}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
