/**
 * Gathers what a run needs to know before the model is asked: the requirement, the target symbol,
 * the project's conventions (test framework, module kind, where tests live), and the context the
 * prompt may quote, each piece vetted by `maySend` so ignored and secret files never leave the
 * machine. Reads the workspace only through a `WorkspaceView`, so it is plain data in and out.
 */
import * as path from 'node:path';
import type * as TS from 'typescript';
import type { TypeScriptModule } from './declarations';
import { isScriptPath, listDeclarations, listTests, normalizeBody, parseSource } from './declarations';
import type { GenerationKind, TestFramework } from './model';
import { identifierFrom } from './providers/offline';
import { createProgramOver } from './program';
import { holdsKeyLikeString } from './redact';
import type { ContextSection, GenerationTask, RequirementContext, TargetContext } from './task';
import { typesTouched } from './touchedTypes';
import { parseJson } from '../trace/nesting';

/** The workspace as generation reads it: one folder, its files, and the trace's requirements. */
export interface WorkspaceView {
  folder: string;
  /** Open document first, then disk; undefined when missing. */
  readText(path: string): string | undefined;
  /** Indexed files of the folder. */
  files(): string[];
  isTest(path: string): boolean;
  /** Whether the file may be quoted in a prompt (see paths.ts `maySend`). */
  maySend(path: string): boolean;
  requirement(id: string): RequirementContext | undefined;
}

export interface GatherRequest {
  kind: GenerationKind;
  requirementId?: string;
  /** Absolute path of the file holding `symbol`. */
  path?: string;
  symbol?: string;
  finding?: { code: string; message: string };
}

const toPosix = (p: string) => p.split(path.sep).join('/');

function readJson(view: WorkspaceView, file: string): Record<string, any> | undefined {
  const text = view.readText(file);
  if (text === undefined) return undefined;
  try {
    return parseJson(text) as Record<string, any>;
  } catch {
    return undefined;
  }
}

export function detectFramework(manifest: Record<string, any> | undefined, sampleTests: string[]): TestFramework {
  const deps = { ...(manifest?.dependencies ?? {}), ...(manifest?.devDependencies ?? {}) };
  if (deps.vitest) return 'vitest';
  if (deps.jest) return 'jest';
  if (deps.mocha) return 'mocha';
  if (sampleTests.some((t) => /['"]node:test['"]/.test(t))) return 'node:test';
  const script = String(manifest?.scripts?.test ?? '');
  if (/\bmocha\b/.test(script)) return 'mocha';
  return 'node:test';
}

/** The most common value, or the fallback. */
function mostCommon(values: string[], fallback: string): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = fallback;
  let max = 0;
  for (const [v, n] of counts) if (n > max) [best, max] = [v, n];
  return best;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').split('-').slice(0, 5).join('-') || 'generated';
}

/** The module specifier a file at `fromRelative` uses to import `toRelative`. */
function specifier(fromRelative: string, toRelative: string, moduleKind: 'commonjs' | 'esm'): string {
  let rel = path.posix.relative(path.posix.dirname(fromRelative), toRelative);
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return moduleKind === 'esm' ? rel.replace(/\.tsx?$/, '.js').replace(/\.mts$/, '.mjs') : rel.replace(/\.(?:[mc]?[jt]sx?)$/, '');
}

/**
 * The types a declaration touches: from the TypeScript program over the unsaved workspace, or, when
 * that cannot be built, by name in the same file and its relatively imported modules.
 */
function touchedTypesOf(ts: TypeScriptModule, view: WorkspaceView, filePath: string, source: TS.SourceFile, symbol: string, signature: string): { path: string; text: string }[] {
  const inside = (file: string) => file.startsWith(view.folder + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`);
  try {
    const program = createProgramOver({ ts, folder: view.folder, anchor: filePath, roots: [filePath], overlay: (file) => (inside(file) ? view.readText(file) : undefined) });
    return typesTouched(ts, program, filePath, symbol);
  } catch {
    return typesTouchedByName(ts, view, filePath, source, signature);
  }
}

/** Declarations of the type names a signature mentions: in the same file, or in a relatively imported module. */
function typesTouchedByName(ts: TypeScriptModule, view: WorkspaceView, filePath: string, source: TS.SourceFile, signature: string): { path: string; text: string }[] {
  const names = new Set([...signature.matchAll(/\b[A-Z][A-Za-z0-9_]*\b/g)].map((m) => m[0]));
  const found: { path: string; text: string }[] = [];
  const lookIn = (file: string, sf: TS.SourceFile, wanted: Set<string>) => {
    for (const statement of sf.statements) {
      const named = statement as TS.Node & { name?: TS.Identifier };
      const isType = ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isClassDeclaration(statement);
      if (isType && named.name && wanted.has(named.name.text)) {
        const text = sf.text.slice(statement.getStart(), statement.end);
        found.push({ path: file, text: text.length > 3000 ? `${text.slice(0, 3000)}\n…` : text });
        wanted.delete(named.name.text);
      }
    }
  };
  lookIn(filePath, source, names);
  for (const statement of source.statements) {
    if (names.size === 0) break;
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const spec = statement.moduleSpecifier.text;
    if (!spec.startsWith('.')) continue;
    const bindings = statement.importClause?.namedBindings;
    const imported = bindings && ts.isNamedImports(bindings) ? bindings.elements.map((e) => (e.propertyName ?? e.name).text).filter((n) => names.has(n)) : [];
    if (imported.length === 0) continue;
    const base = path.resolve(path.dirname(filePath), spec).replace(/\.[mc]?js$/, '');
    for (const ext of ['.ts', '.tsx', '.d.ts', '.js', '/index.ts']) {
      const candidate = base + ext;
      if (!view.maySend(candidate)) continue;
      const text = view.readText(candidate);
      if (text === undefined) continue;
      lookIn(candidate, parseSource(ts, candidate, text), new Set(imported));
      imported.forEach((n) => names.delete(n));
      break;
    }
  }
  return found;
}

/** The part of a file around a declaration: its imports and the lines near it, or all of it when small. */
function neighbourhood(text: string, start: number, end: number, maxChars = 8000): string {
  if (text.length <= maxChars) return text;
  const lines = text.split('\n');
  const startLine = text.slice(0, start).split('\n').length - 1;
  const endLine = text.slice(0, end).split('\n').length - 1;
  const imports = lines.filter((l) => /^\s*(?:import\b|const .*= require\()/.test(l)).join('\n');
  const from = Math.max(0, startLine - 40);
  const to = Math.min(lines.length, endLine + 40);
  return `${imports}\n// …\n${lines.slice(from, to).join('\n')}\n// …`;
}

/** The words (four letters or more) of a requirement's title, text and criteria, lower-cased. */
function requirementWords(requirement: RequirementContext): Set<string> {
  const text = [requirement.title, requirement.text, ...requirement.acceptanceCriteria].join(' ').toLowerCase();
  return new Set([...text.matchAll(/[a-z][a-z0-9]{3,}/g)].map((m) => m[0]));
}

/**
 * The project's exported types (interfaces, type aliases, classes, enums) that a requirement names:
 * by their own name (`StockItem`, `OutOfStockError`) or as words in a row ("stock item", "out of
 * stock error"), at most `max` of them, each cut to 3,000 characters.
 */
function typesNamedBy(ts: TypeScriptModule, view: WorkspaceView, sourceFiles: string[], requirement: RequirementContext, max = 6): { path: string; text: string }[] {
  const prose = [requirement.title, requirement.text, ...requirement.acceptanceCriteria].join(' ');
  const spaced = ` ${prose.toLowerCase().replace(/[^a-z0-9]+/g, ' ')} `;
  const names = (name: string) => prose.includes(name) || spaced.includes(` ${name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()} `);
  const found: { path: string; text: string }[] = [];
  for (const file of sourceFiles.slice(0, 2000)) {
    if (found.length >= max) break;
    const text = view.readText(file);
    if (text === undefined || !/\b(?:interface|type|class|enum)\s+[A-Z]/.test(text)) continue;
    const source = parseSource(ts, file, text);
    for (const statement of source.statements) {
      const isType = ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement);
      const name = isType ? (statement as TS.DeclarationStatement).name?.getText(source) : undefined;
      if (!name || name.length < 4 || !names(name)) continue;
      const declaration = text.slice(statement.getStart(source), statement.end);
      found.push({ path: file, text: declaration.length > 3000 ? `${declaration.slice(0, 3000)}\n…` : declaration });
      if (found.length >= max) break;
    }
  }
  return found;
}

export function gatherTask(ts: TypeScriptModule, view: WorkspaceView, request: GatherRequest): GenerationTask | { error: string } {
  const folder = view.folder;
  const files = view.files();
  const requirement = request.requirementId ? view.requirement(request.requirementId) : undefined;
  if (request.kind === 'requirement' && !requirement) return { error: `No requirement ${request.requirementId ?? '(none given)'} is defined in the workspace.` };
  const sections: ContextSection[] = [];
  const drawnFrom = new Map<string, number>();
  // A module holding a key-like string is never quoted as a sample or for context (only the file
  // being changed is, and the redactor blanks the key in it).
  const holdsKey = (file: string) => holdsKeyLikeString(view.readText(file) ?? '');
  const addSection = (section: ContextSection, file?: string) => {
    if (file && !view.maySend(file)) return;
    if (file && section.priority > 0 && holdsKey(file)) return;
    sections.push(section);
    if (file) drawnFrom.set(file, view.readText(file)?.length ?? section.text.length);
  };

  let target: TargetContext | undefined;
  let targetSource: TS.SourceFile | undefined;
  if (request.path && request.symbol) {
    const text = view.readText(request.path);
    if (text === undefined) return { error: `${request.path} cannot be read.` };
    targetSource = parseSource(ts, request.path, text);
    const declaration = listDeclarations(ts, targetSource).find((d) => d.name === request.symbol);
    if (!declaration) return { error: `${toPosix(path.relative(folder, request.path))} declares no ${request.symbol}.` };
    target = {
      path: toPosix(path.relative(folder, request.path)),
      symbol: declaration.name,
      kind: declaration.kind,
      signature: declaration.signature,
      docComment: declaration.docComment,
      isStub: declaration.isStub,
      exported: declaration.exported,
      code: text.slice(declaration.start, declaration.end),
    };
    if (request.kind === 'tests' && declaration.isStub) return { error: `${declaration.name} is a stub: tests of it would pin "not implemented". Implement ${declaration.name} with tests instead.` };
    if (!view.maySend(request.path)) return { error: `${target.path} may not be sent to a model (generation.neverSend, .gitignore or a secret-looking name).` };
    const around = neighbourhood(text, declaration.start, declaration.end);
    addSection({ title: 'the file being changed', path: target.path, text: around, priority: 0 }, request.path);
    for (const touched of touchedTypesOf(ts, view, request.path, targetSource, declaration.name, declaration.signature)) {
      if (around.includes(touched.text)) continue;
      addSection({ title: 'a type the signature uses', path: toPosix(path.relative(folder, touched.path)), text: touched.text, priority: 1 }, touched.path);
    }
  }

  const manifest = readJson(view, path.join(folder, 'package.json'));
  const testFiles = files.filter((f) => view.isTest(f) && isScriptPath(f));
  const sourceFiles = files.filter((f) => !view.isTest(f) && isScriptPath(f) && !f.endsWith('.d.ts'));
  const sampleTests = testFiles.slice(0, 20).map((f) => view.readText(f) ?? '');
  const framework = detectFramework(manifest, sampleTests);
  const moduleKind = manifest?.type === 'module' ? 'esm' : 'commonjs';
  const language: 'ts' | 'js' = target ? (/\.[mc]?tsx?$/.test(target.path) ? 'ts' : 'js') : files.some((f) => path.basename(f) === 'tsconfig.json') || sourceFiles.some((f) => /\.tsx?$/.test(f)) ? 'ts' : 'js';
  const ext = language === 'ts' ? '.ts' : moduleKind === 'esm' ? '.js' : '.js';

  const testDir = mostCommon(testFiles.map((f) => toPosix(path.dirname(path.relative(folder, f)))), 'test');
  const suffix = mostCommon(testFiles.map((f) => (/\.spec\.[^.]+$/.test(f) ? '.spec' : /\.test\.[^.]+$/.test(f) ? '.test' : '.test')), '.test');
  const sourceDir = mostCommon(sourceFiles.map((f) => toPosix(path.dirname(path.relative(folder, f)))), 'src');
  const baseName = target ? path.posix.basename(target.path).replace(/\.[^.]+$/, '') : slug(requirement!.title);
  const testPath = path.posix.join(testDir, `${baseName}${suffix}${ext}`);
  const sourcePath = target?.path ?? path.posix.join(sourceDir === '.' ? '' : sourceDir, `${baseName}${ext}`);
  const importedName = target ? target.symbol.split('.')[0] : identifierFrom(requirement!.title, 'implementRequirement');
  const from = specifier(testPath, sourcePath, moduleKind);
  const importHint = moduleKind === 'commonjs' && language === 'js' ? `const { ${importedName} } = require('${from}');` : `import { ${importedName} } from '${from}';`;

  // The style to follow: a test of the same module, else the shortest test that is not trivial.
  const usable = (f: string) => view.maySend(f) && !holdsKey(f);
  const related = target ? testFiles.find((f) => usable(f) && (view.readText(f) ?? '').includes(path.posix.basename(target!.path).replace(/\.[^.]+$/, ''))) : undefined;
  const example = related ?? [...testFiles].filter(usable).sort((a, b) => (view.readText(a)?.length ?? 0) - (view.readText(b)?.length ?? 0)).find((f) => (view.readText(f)?.length ?? 0) > 80);
  if (example) {
    const text = view.readText(example) ?? '';
    addSection({ title: related ? 'the existing tests of this module (follow their style)' : 'an existing test (follow its style)', path: toPosix(path.relative(folder, example)), text: text.slice(0, 4000), priority: 2 }, example);
  }
  if (!target && requirement) {
    const named = typesNamedBy(ts, view, sourceFiles.filter(usable), requirement);
    for (const type of named) addSection({ title: 'a project type the requirement names', path: toPosix(path.relative(folder, type.path)), text: type.text, priority: 1 }, type.path);
    // The style sample: a module the task touches (one declaring a type it names, or sharing most
    // of its words), else the shortest one that is not trivial.
    const words = requirementWords(requirement);
    const score = (f: string) => {
      const text = (view.readText(f) ?? '').toLowerCase();
      return named.some((t) => t.path === f) ? 1000 : [...words].filter((w) => text.includes(w)).length;
    };
    const length = (f: string) => view.readText(f)?.length ?? 0;
    const sample = sourceFiles.filter((f) => usable(f) && length(f) > 80).sort((a, b) => score(b) - score(a) || length(a) - length(b))[0];
    if (sample) addSection({ title: 'an existing module (follow its style)', path: toPosix(path.relative(folder, sample)), text: (view.readText(sample) ?? '').slice(0, 3000), priority: 3 }, sample);
  }

  const existingTestTitles: string[] = [];
  const existingTestBodies: string[] = [];
  for (const file of testFiles.slice(0, 400)) {
    const text = view.readText(file);
    if (text === undefined) continue;
    for (const test of listTests(ts, parseSource(ts, file, text))) {
      existingTestTitles.push(test.fullTitle);
      if (test.body.length > 40) existingTestBodies.push(normalizeBody(test.body));
    }
  }
  const titles: Record<GenerationKind, string> = {
    requirement: `Implement ${requirement?.id} with tests`,
    stub: `Implement ${target?.symbol} with tests`,
    tests: `Generate tests for ${target?.symbol}`,
    refactor: `Refactor ${target?.symbol} for testability`,
  };
  return {
    kind: request.kind,
    title: titles[request.kind],
    folder,
    requirement,
    target,
    finding: request.finding,
    framework,
    moduleKind,
    language,
    testPath,
    testPathExists: view.readText(path.join(folder, testPath)) !== undefined,
    sourcePath,
    importHint,
    sections,
    wholeFileChars: [...drawnFrom.values()].reduce((a, b) => a + b, 0),
    existingTestTitles,
    existingTestBodies,
  };
}
