/**
 * Every quick fix the testability rules offer on the precision corpus, applied one at a time to a
 * copy of its file (in memory) and checked before and after with the TypeScript checker over the
 * package's own source files: the syntax of the changed file, and its semantic diagnostics (for
 * JavaScript packages `checkJs`, so a wrong argument count or a `this` before `super()` shows).
 * A fix passes when the changed file has no diagnostic it did not have before.
 *
 * The packages on npm ship no runnable test suites (their dev dependencies are not installed), so
 * behaviour is checked through the type checker, not by running their tests; see
 * docs/testability.md for what that does and does not catch.
 *
 * Runs standalone too: `node out/bench/fix-harness.js [package…]`.
 */
import * as path from 'node:path';
import type * as TS from 'typescript';
import { analyzeTestability, type TestabilityFinding } from '../server/src/testability';
import { extractFunction } from '../server/src/testability/extract';
import { applyChanges, testabilityFixes } from '../server/src/testability/fixes';
import { corpusFiles, type CorpusFile } from './precision-corpus';
import { measuredSettings } from './precision';
import { printRows, type BenchRow } from './types';

interface Checked {
  packageName: string;
  file: string;
  line: number;
  rule: string;
  title: string;
  newProblems: string[];
}

function languageService(ts: typeof TS, files: CorpusFile[]) {
  const texts = new Map<string, { text: string; version: number }>(files.map((file) => [file.path, { text: file.text, version: 1 }]));
  const isTs = files.some((file) => /\.[cm]?ts$/.test(file.path));
  const options: TS.CompilerOptions = {
    allowJs: true,
    checkJs: !isTs,
    noEmit: true,
    strict: false,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    typeRoots: [path.resolve(__dirname, '..', '..', 'node_modules', '@types')],
    skipLibCheck: true,
    jsx: ts.JsxEmit.Preserve,
  };
  const host: TS.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => [...texts.keys()],
    getScriptVersion: (fileName) => String(texts.get(fileName)?.version ?? 0),
    getScriptSnapshot: (fileName) => {
      const open = texts.get(fileName);
      if (open) return ts.ScriptSnapshot.fromString(open.text);
      const text = ts.sys.readFile(fileName);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => path.dirname(files[0].path),
    getDefaultLibFileName: (compilerOptions) => ts.getDefaultLibFilePath(compilerOptions),
    fileExists: (fileName) => texts.has(fileName) || ts.sys.fileExists(fileName),
    readFile: (fileName) => texts.get(fileName)?.text ?? ts.sys.readFile(fileName),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  const service = ts.createLanguageService(host, ts.createDocumentRegistry());
  const problems = (fileName: string): string[] =>
    [...service.getSyntacticDiagnostics(fileName), ...service.getSemanticDiagnostics(fileName)].map((diagnostic) => `${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`);
  const set = (fileName: string, text: string) => {
    const entry = texts.get(fileName)!;
    texts.set(fileName, { text, version: entry.version + 1 });
  };
  return { problems, set };
}

/** Diagnostics in `after` that `before` does not have (as a multiset of code and message). */
function added(before: string[], after: string[]): string[] {
  const left = new Map<string, number>();
  for (const problem of before) left.set(problem, (left.get(problem) ?? 0) + 1);
  const out: string[] = [];
  for (const problem of after) {
    const count = left.get(problem) ?? 0;
    if (count > 0) left.set(problem, count - 1);
    else out.push(problem);
  }
  return out;
}

export interface HarnessResult {
  checked: Checked[];
  offeredByTitle: Map<string, number>;
  filesWithFixes: number;
  ms: number;
}

export function runFixHarness(only: string[] = []): HarnessResult {
  const ts = require('typescript') as typeof TS;
  const started = performance.now();
  const files = corpusFiles().filter((file) => only.length === 0 || only.includes(file.packageName));
  const byPackage = new Map<string, CorpusFile[]>();
  for (const file of files) byPackage.set(file.packageName, [...(byPackage.get(file.packageName) ?? []), file]);
  const settings = measuredSettings();
  const checked: Checked[] = [];
  const offeredByTitle = new Map<string, number>();
  let filesWithFixes = 0;
  for (const [packageName, packageFiles] of byPackage) {
    const service = languageService(ts, packageFiles);
    for (const file of packageFiles) {
      const findings = analyzeTestability({ path: file.path, text: file.text, settings, ts });
      const candidates: { finding: TestabilityFinding; title: string; changes: { start: number; end: number; newText: string }[] }[] = [];
      for (const finding of findings) {
        for (const fix of testabilityFixes({ path: file.path, text: file.text, finding, ts })) {
          if (fix.title.startsWith('Suppress')) continue;
          candidates.push({ finding, title: fix.title, changes: fix.changes });
        }
        if (finding.fix?.kind === 'complexity' && finding.code === 'nesting-depth') {
          const extracted = extractFunction({ path: file.path, text: file.text, start: finding.fix.extractStart, end: finding.fix.extractEnd, ts });
          if (extracted) candidates.push({ finding, title: extracted.title, changes: extracted.changes });
        }
      }
      if (candidates.length === 0) continue;
      filesWithFixes++;
      const before = service.problems(file.path);
      for (const candidate of candidates) {
        const kind = candidate.title.replace(/`[^`]*`/g, '`…`').replace(/\(.*\)$/, '').trim();
        offeredByTitle.set(kind, (offeredByTitle.get(kind) ?? 0) + 1);
        service.set(file.path, applyChanges(file.text, candidate.changes));
        const newProblems = added(before, service.problems(file.path));
        checked.push({ packageName, file: file.relative, line: candidate.finding.span.start.line + 1, rule: candidate.finding.code, title: candidate.title, newProblems });
      }
      service.set(file.path, file.text);
    }
  }
  return { checked, offeredByTitle, filesWithFixes, ms: performance.now() - started };
}

export async function benchFixHarness(): Promise<BenchRow[]> {
  const result = runFixHarness();
  const failed = result.checked.filter((item) => item.newProblems.length > 0);
  const rows: BenchRow[] = [
    { name: 'fixes applied on the precision corpus', value: result.checked.length, unit: 'fixes', note: `every rule fix offered (all rules on), in ${result.filesWithFixes} files, each alone on a copy; ${(result.ms / 1000).toFixed(1)} s` },
  ];
  for (const [title, count] of [...result.offeredByTitle].sort((a, b) => b[1] - a[1])) rows.push({ name: `  ${title.slice(0, 60)}`, value: count, unit: '', note: '' });
  rows.push({ name: 'fixes that add a syntax or type error', value: failed.length, unit: 'fixes', note: 'target 0 (type checker over the package: checkJs for JavaScript)' });
  for (const item of failed.slice(0, 10)) rows.push({ name: `  ${item.packageName} ${item.file}:${item.line}`, value: item.newProblems.length, unit: '', note: `${item.rule}: ${item.title} → ${item.newProblems[0]}` });
  return rows;
}

if (require.main === module) {
  const only = process.argv.slice(2);
  if (only.length > 0) {
    const result = runFixHarness(only);
    for (const item of result.checked) process.stdout.write(`${item.newProblems.length > 0 ? 'FAIL' : 'ok  '} ${item.packageName} ${item.file}:${item.line} ${item.rule} ${item.title}${item.newProblems.length > 0 ? `\n       ${item.newProblems.join('\n       ')}` : ''}\n`);
  } else
    benchFixHarness().then(
      (rows) => printRows('Testability fixes applied on real packages (type-checked before and after)', rows),
      (error) => {
        process.stderr.write(`${(error as Error).stack ?? error}\n`);
        process.exitCode = 1;
      },
    );
}
