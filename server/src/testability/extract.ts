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

let state: ServiceState | undefined;

function serviceFor(ts: TypeScript): ServiceState {
  if (state && state.ts === ts) return state;
  const files = new Map<string, { text: string; version: number }>();
  const libDirectory = path.dirname(ts.getDefaultLibFilePath({}));
  const options: TS.CompilerOptions = {
    allowJs: true,
    checkJs: false,
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
  state = { ts, service: ts.createLanguageService(host, ts.createDocumentRegistry()), files, libDirectory };
  return state;
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
      const functionActions = (extract?.actions ?? []).filter((action) => action.name.startsWith('function_scope_') && !action.notApplicableReason);
      if (functionActions.length === 0) continue;
      const action = functionActions[functionActions.length - 1];
      const edits = service.getEditsForRefactor(fileName, formatOptions(ts, input.text), range, 'Extract Symbol', action.name, preferences);
      const changes: TextChange[] = [];
      for (const file of edits?.edits ?? []) {
        if (path.resolve(file.fileName) !== fileName) continue;
        for (const change of file.textChanges) changes.push({ start: change.span.start, end: change.span.start + change.span.length, newText: change.newText });
      }
      if (changes.length === 0) continue;
      if (!isTypeScriptPath(fileName)) documentParameterTypes(ts, fileName, input.text, changes);
      return { title: `Extract into a function: ${action.description.replace(/^Extract to /, '')}`, kind: 'refactor.extract', changes };
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
