/**
 * The architecture's rules, checked on the source: the domain areas take and return plain data
 * (no LSP, no features, no workspace), no module imports itself through others, a feature file
 * never registers a handler (server.ts is the one wiring table), and `Severity` is declared once.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const sourceRoot = path.join(repoRoot, 'server', 'src');

function sourceFiles(folder: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) sourceFiles(file, out);
    else if (entry.name.endsWith('.ts')) out.push(file);
  }
  return out;
}

/** Every module a file imports (static, type-only, re-exports, `import()` and `require`), as written. */
function importsOf(text: string): string[] {
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) out.push(match[1]);
  return out;
}

/** A relative import resolved to a source file of the server, or undefined (a package, the protocol). */
function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (candidate.startsWith(sourceRoot) && fs.existsSync(candidate)) return candidate;
  return undefined;
}

const files = sourceFiles(sourceRoot);
const texts = new Map(files.map((file) => [file, fs.readFileSync(file, 'utf8')]));
const graph = new Map(files.map((file) => [file, importsOf(texts.get(file)!)]));
const area = (file: string): string => path.relative(sourceRoot, file).split(path.sep)[0];
const relative = (file: string): string => path.relative(sourceRoot, file);

describe('architecture', () => {
  it('keeps the domain areas free of LSP, features and the workspace', () => {
    const domain = new Set(['trace', 'testability', 'testing', 'generation']);
    const edge = new Set(['lsp', 'features', 'workspace']);
    const violations: string[] = [];
    for (const [file, specifiers] of graph) {
      if (!domain.has(area(file))) continue;
      for (const specifier of specifiers) {
        const target = resolve(file, specifier);
        if (specifier.startsWith('vscode-languageserver') || (target && edge.has(area(target))) || (target && relative(target) === 'server.ts')) {
          violations.push(`${relative(file)} imports ${specifier}`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it('keeps the base text layer free of every area', () => {
    const violations: string[] = [];
    for (const [file, specifiers] of graph) {
      if (area(file) !== 'text') continue;
      for (const specifier of specifiers) {
        const target = resolve(file, specifier);
        if ((target && area(target) !== 'text') || specifier.startsWith('vscode-languageserver')) violations.push(`${relative(file)} imports ${specifier}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('has no import cycle', () => {
    const edges = new Map(files.map((file) => [file, graph.get(file)!.map((s) => resolve(file, s)).filter((t): t is string => t !== undefined)]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    // Depth-first search, bounded by the number of files: each is entered once.
    const visit = (file: string): void => {
      state.set(file, 'visiting');
      stack.push(file);
      for (const next of edges.get(file) ?? []) {
        if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next].map(relative).join(' → '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file);
    assert.deepEqual(cycles, []);
  });

  it('lets no feature file register a handler: server.ts is the wiring table', () => {
    const registering = /\bconnection\s*\.|\.on(?:Request|Notification|Hover|Definition|References|Completion|CodeAction|CodeLens|ExecuteCommand|DocumentSymbol|WorkspaceSymbol|PrepareRename|RenameRequest|DidChangeWatchedFiles|DidChangeConfiguration)\s*\(|\bcallHierarchy\s*\.\s*on|\bdiagnostics\s*\.\s*on\s*\(/;
    const violations: string[] = [];
    for (const file of files.filter((f) => area(f) === 'features')) {
      const lines = texts.get(file)!.split('\n');
      lines.forEach((line, index) => {
        if (registering.test(line) && !line.trim().startsWith('*') && !line.trim().startsWith('//')) violations.push(`${relative(file)}:${index + 1}: ${line.trim()}`);
      });
      if (/\bimport\b[^;]*\bConnection\b[^;]*from\s+'vscode-languageserver'/.test(texts.get(file)!)) violations.push(`${relative(file)} imports Connection`);
    }
    assert.deepEqual(violations, []);
  });

  it('declares Severity once', () => {
    const declarations = files.filter((file) => /\bexport\s+type\s+Severity\s*=/.test(texts.get(file)!)).map(relative);
    assert.deepEqual(declarations, ['trace/model.ts']);
  });

  it('finds what it checks: the rules are not vacuous', () => {
    assert.ok(files.length > 50, `${files.length} source files`);
    assert.ok(importsOf("import type { A } from './a';\nimport { b } from \"../b\";\nexport { c } from './c';\nconst d = require('./d');\nawait import('./e');").length === 5);
  });
});
