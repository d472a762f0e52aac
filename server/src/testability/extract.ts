/**
 * "Extract the complex part into a function", done by the TypeScript language service's own
 * "Extract Symbol" refactor rather than by a rewrite of ours: it already knows which variables
 * become parameters, which become return values, and when a range cannot be extracted.
 *
 * The service sees one file at a time (its imports resolve to nothing, which the refactor
 * tolerates) against the ES2023 library. It is created on first use and kept, so later calls
 * reuse the parsed library.
 */
import * as path from 'node:path';
import type * as TS from 'typescript';
import type { TestabilityFix, TextChange } from './model';
import { applyChanges } from './fixes';
import { lineStartBefore, newlineOf } from './lines';
import { isTypeScriptPath, loadTypeScript, parseSource, scriptKindOf, type TypeScript } from './typescript';

interface ServiceState {
  ts: TypeScript;
  service: TS.LanguageService;
  files: Map<string, { text: string; version: number }>;
  libDirectory: string;
}

const states = new Map<boolean, ServiceState>();

/** The service (one that also checks JavaScript, for validating an edit, when `checkJs`). */
function serviceFor(ts: TypeScript, checkJs = false): ServiceState {
  const state = states.get(checkJs);
  if (state && state.ts === ts) return state;
  const files = new Map<string, { text: string; version: number }>();
  const libDirectory = path.dirname(ts.getDefaultLibFilePath({}));
  const options: TS.CompilerOptions = {
    allowJs: true,
    checkJs,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    jsx: ts.JsxEmit.Preserve,
    lib: ['lib.es2023.d.ts'],
    types: [],
    noResolve: true,
    strict: true,
  };
  const host: TS.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => [...files.keys()],
    getScriptVersion: (fileName) => String(files.get(fileName)?.version ?? 0),
    getScriptSnapshot: (fileName) => {
      const open = files.get(fileName);
      if (open) return ts.ScriptSnapshot.fromString(open.text);
      const text = ts.sys.readFile(fileName);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getScriptKind: (fileName) => scriptKindOf(ts, fileName),
    getCurrentDirectory: () => '/',
    getDefaultLibFileName: (compilerOptions) => ts.getDefaultLibFilePath(compilerOptions),
    fileExists: (fileName) => files.has(fileName) || (fileName.startsWith(libDirectory) && ts.sys.fileExists(fileName)),
    readFile: (fileName) => files.get(fileName)?.text ?? (fileName.startsWith(libDirectory) ? ts.sys.readFile(fileName) : undefined),
  };
  const created = { ts, service: ts.createLanguageService(host, ts.createDocumentRegistry()), files, libDirectory };
  states.set(checkJs, created);
  return created;
}

const formatOptions = (ts: TypeScript, text: string): TS.FormatCodeSettings => ({
  ...ts.getDefaultFormatCodeSettings(newlineOf(text)),
  indentSize: 2,
  tabSize: 2,
  convertTabsToSpaces: !/^\t/m.test(text),
});

/** Candidate ranges to extract: the given one, then the statements nested inside it, largest first. */
function candidateRanges(ts: TypeScript, sourceFile: TS.SourceFile, start: number, end: number): { pos: number; end: number }[] {
  const ranges = [{ pos: start, end }];
  const nested: TS.Statement[] = [];
  const search = (node: TS.Node): void => {
    if (node.end <= start || node.pos >= end) return;
    if (ts.isFunctionLike(node) && node.getStart(sourceFile) > start) return;
    if (ts.isBlock(node) && node.getStart(sourceFile) > start) for (const statement of node.statements) nested.push(statement);
    ts.forEachChild(node, search);
  };
  search(sourceFile);
  nested.sort((a, b) => b.end - b.getStart(sourceFile) - (a.end - a.getStart(sourceFile)));
  for (const statement of nested.slice(0, 12)) ranges.push({ pos: statement.getStart(sourceFile), end: statement.end });
  return ranges;
}

/**
 * The edit that extracts `[start, end)` of the file (or, when the service refuses that range, the
 * largest statement inside it that it accepts) into a new function at the outermost scope it can.
 * Undefined when no candidate can be extracted.
 */
export function extractFunction(input: { path: string; text: string; start: number; end: number; ts?: TypeScript }): TestabilityFix | undefined {
  const ts = input.ts ?? loadTypeScript();
  const { service, files } = serviceFor(ts);
  const fileName = path.resolve(input.path);
  const previous = files.get(fileName);
  files.set(fileName, { text: input.text, version: (previous?.version ?? 0) + 1 });
  try {
    const sourceFile = parseSource(ts, fileName, input.text);
    const preferences: TS.UserPreferences = { quotePreference: 'auto' };
    for (const range of candidateRanges(ts, sourceFile, input.start, input.end)) {
      const refactors = service.getApplicableRefactors(fileName, range, preferences, undefined, undefined);
      const extract = refactors.find((refactor) => refactor.name === 'Extract Symbol');
      // Only a function at module level: a new method would add to the class's public surface in JavaScript.
      const functionActions = (extract?.actions ?? []).filter(
        (action) => action.name.startsWith('function_scope_') && !action.notApplicableReason && /(module|global) scope/.test(action.description),
      );
      if (functionActions.length === 0) continue;
      const action = functionActions[functionActions.length - 1];
      const edits = service.getEditsForRefactor(fileName, formatOptions(ts, input.text), range, 'Extract Symbol', action.name, preferences);
      const changes: TextChange[] = [];
      for (const file of edits?.edits ?? []) {
        if (path.resolve(file.fileName) !== fileName) continue;
        for (const change of file.textChanges) changes.push({ start: change.span.start, end: change.span.start + change.span.length, newText: change.newText });
      }
      if (changes.length === 0) continue;
      // The refactor declares `let x;` for values the extracted code assigns, to be filled in by hand: not a finished edit.
      if (changes.some((change) => /\blet\s+[\w$]+\s*(?::[^=;\n]+)?;/.test(change.newText))) continue;
      const named = nameExtracted(ts, sourceFile, range, changes);
      if (!isTypeScriptPath(fileName)) documentParameterTypes(ts, fileName, input.text, named.changes);
      // The edit must not add a problem the file did not have (the refactor can misplace a declaration).
      if (addsProblems(ts, fileName, input.text, applyChanges(input.text, named.changes))) continue;
      return { title: `Extract into a function \`${named.name}\`: ${action.description.replace(/^Extract to /, '')}`, kind: 'refactor.extract', changes: named.changes };
    }
    return undefined;
  } finally {
    files.delete(fileName);
  }
}

/**
 * In JavaScript the refactor writes the new function without types, which checked JavaScript
 * (`// @ts-check`, `checkJs`) reports as implicit `any`. This adds a JSDoc block with the type of
 * each argument at the new call, read from the type checker on the extracted text. Changes the
 * change that inserts the function, in place; leaves everything as it was when it cannot tell.
 */
function documentParameterTypes(ts: TypeScript, fileName: string, before: string, changes: TextChange[]): void {
  const { service, files } = serviceFor(ts);
  const after = applyChanges(before, changes);
  const previous = files.get(fileName);
  files.set(fileName, { text: after, version: (previous?.version ?? 0) + 1 });
  const program = service.getProgram();
  const sourceFile = program?.getSourceFile(fileName);
  if (!program || !sourceFile) return;
  const checker = program.getTypeChecker();
  const declared = new Set<string>();
  const known = parseSource(ts, fileName, before);
  ts.forEachChild(known, (node) => {
    if (ts.isFunctionDeclaration(node) && node.name) declared.add(node.name.text);
  });
  const added = sourceFile.statements.find((node): node is TS.FunctionDeclaration => ts.isFunctionDeclaration(node) && !!node.name && !declared.has(node.name.text));
  if (!added?.name || added.parameters.length === 0) return;
  const name = added.name.text;
  let call: TS.CallExpression | undefined;
  const findCall = (node: TS.Node): void => {
    if (call) return;
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === name) call = node;
    else ts.forEachChild(node, findCall);
  };
  findCall(sourceFile);
  if (!call || call.arguments.length !== added.parameters.length) return;
  const lines = added.parameters.map((parameter, index) => {
    const type = checker.getBaseTypeOfLiteralType(checker.getTypeAtLocation(call!.arguments[index]));
    return ` * @param {${checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation)}} ${parameter.name.getText(sourceFile)}`;
  });
  if (lines.some((line) => line.includes('{any}'))) return;
  const header = `function ${name}(`;
  const carrier = changes.find((change) => change.newText.includes(header));
  if (!carrier) return;
  const at = carrier.newText.indexOf(header);
  const lineStart = lineStartBefore(carrier.newText, at);
  const indent = /^[ \t]*/.exec(carrier.newText.slice(lineStart))![0];
  const newline = newlineOf(before);
  const doc = ['/**', ...lines, ' */'].map((line, index) => (index === 0 ? line : `${indent}${line}`)).join(newline);
  carrier.newText = `${carrier.newText.slice(0, at)}${doc}${newline}${indent}${carrier.newText.slice(at)}`;
}

/**
 * A name for the extracted function from what the range does, in place of the refactor's
 * `newFunction`: `handle<Subject>` for a condition, `each<Subject>` for a loop, the first call's
 * name otherwise; unique in the file.
 */
function nameExtracted(ts: TypeScript, sourceFile: TS.SourceFile, range: { pos: number; end: number }, changes: TextChange[]): { name: string; changes: TextChange[] } {
  const generated = /\bnewFunction(?:_\d+)?\b/.exec(changes.map((change) => change.newText).join('\n'))?.[0];
  if (!generated) return { name: 'the function', changes };
  const statement = sourceFile.statements.length > 0 ? firstStatementAt(ts, sourceFile, range.pos) : undefined;
  const words = (node: TS.Node | undefined): string | undefined => {
    if (!node) return undefined;
    let found: string | undefined;
    const pending: TS.Node[] = [node];
    while (pending.length > 0 && !found) {
      const current = pending.shift()!;
      if (ts.isIdentifier(current) && current.text.length > 2 && !['undefined', 'this', 'length'].includes(current.text)) found = current.text;
      else ts.forEachChild(current, (child) => {
        pending.push(child);
      });
    }
    return found && found.charAt(0).toUpperCase() + found.slice(1);
  };
  let base: string | undefined;
  if (statement && ts.isIfStatement(statement)) base = words(statement.expression) && `handle${words(statement.expression)}`;
  else if (statement && (ts.isForOfStatement(statement) || ts.isForInStatement(statement))) base = words(statement.expression) && `each${words(statement.expression)}`;
  else if (statement && ts.isIterationStatement(statement, false)) base = 'loop';
  else if (statement && ts.isSwitchStatement(statement)) base = words(statement.expression) && `dispatch${words(statement.expression)}`;
  else if (statement && ts.isTryStatement(statement)) base = 'attempt';
  base ??= statement ? (words(statement) && `run${words(statement)}`) : undefined;
  base ??= 'extractedStep';
  const used = new Set(sourceFile.text.match(/[\w$]+/g) ?? []);
  let name = base;
  for (let suffix = 2; used.has(name); suffix++) name = `${base}${suffix}`;
  const pattern = new RegExp(`\\b${generated}\\b`, 'g');
  return { name, changes: changes.map((change) => ({ ...change, newText: change.newText.replace(pattern, name) })) };
}

function firstStatementAt(ts: TypeScript, sourceFile: TS.SourceFile, position: number): TS.Statement | undefined {
  let found: TS.Statement | undefined;
  let current: TS.Node | undefined = sourceFile;
  while (current && !found) {
    const node: TS.Node = current;
    current = ts.forEachChild(node, (child) => {
      if (child.getStart(sourceFile) === position && ts.isStatement(child as TS.Statement)) {
        found = child as TS.Statement;
        return undefined;
      }
      return position >= child.pos && position < child.end ? child : undefined;
    });
  }
  return found;
}

/** True when `after` has a syntax error or a semantic error the service reports that `before` does not. */
function addsProblems(ts: TypeScript, fileName: string, before: string, after: string): boolean {
  const { service, files } = serviceFor(ts, true);
  const problems = (text: string): Map<string, number> => {
    const previous = files.get(fileName);
    files.set(fileName, { text, version: (previous?.version ?? 0) + 1 });
    const counts = new Map<string, number>();
    for (const diagnostic of [...service.getSyntacticDiagnostics(fileName), ...service.getSemanticDiagnostics(fileName)]) {
      // Unresolved imports are expected here (the service sees one file); anything else counts.
      if ([2307, 2792, 2305, 2304, 2580, 2591, 7016].includes(diagnostic.code)) continue;
      const key = String(diagnostic.code);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };
  const old = problems(before);
  const now = problems(after);
  files.delete(fileName);
  for (const [code, count] of now) if (count > (old.get(code) ?? 0)) return true;
  return false;
}
