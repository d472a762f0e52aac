/**
 * What generation needs to know about a TypeScript or JavaScript file's declarations: which
 * functions, methods and classes it declares, which of them are stubs waiting for an
 * implementation, and which tests a test file holds. The `typescript` module is passed in, so
 * nothing here loads it at start-up.
 */
import type * as TS from 'typescript';

export type TypeScriptModule = typeof TS;

export interface DeclarationInfo {
  /** `name`, or `Class.method` for a method. */
  name: string;
  kind: 'function' | 'method' | 'class';
  exported: boolean;
  /** True for an empty body, a body that only throws "not implemented" or holds a TODO, or a bodiless signature with a doc comment. */
  isStub: boolean;
  /** Offsets of the declaration's name. */
  nameStart: number;
  nameEnd: number;
  /** Offsets of the declaration without its leading comments (what a REPLACE replaces). */
  start: number;
  end: number;
  /** The declaration's text up to its body: the signature a prompt shows. */
  signature: string;
  /** The doc comment above it, when there is one. */
  docComment?: string;
}

const scriptKinds: Record<string, number> = { '.ts': 3, '.mts': 3, '.cts': 3, '.tsx': 4, '.js': 1, '.mjs': 1, '.cjs': 1, '.jsx': 2 };

export function isScriptPath(filePath: string): boolean {
  return /\.(?:[mc]?[jt]sx?)$/.test(filePath) && !filePath.endsWith('.d.ts');
}

export function parseSource(ts: TypeScriptModule, fileName: string, text: string): TS.SourceFile {
  const ext = /\.[^.]+$/.exec(fileName)?.[0] ?? '.ts';
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, (scriptKinds[ext] ?? 3) as TS.ScriptKind);
}

function hasExportModifier(ts: TypeScriptModule, node: TS.Node): boolean {
  const modifiers = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined;
  return !!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function docCommentOf(ts: TypeScriptModule, node: TS.Node, text: string): string | undefined {
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  const docs = ranges.filter((r) => text.startsWith('/**', r.pos)).map((r) => text.slice(r.pos, r.end));
  return docs.length > 0 ? docs[docs.length - 1] : undefined;
}

/** True when a body holds nothing but a TODO, nothing at all, or a `throw` saying it is not implemented. */
function isStubBody(ts: TypeScriptModule, body: TS.Block, text: string): boolean {
  if (body.statements.length === 0) return true;
  if (body.statements.length !== 1) return false;
  const only = body.statements[0];
  if (!ts.isThrowStatement(only)) return false;
  const thrown = text.slice(only.getStart(), only.end);
  return /not\s*(?:yet\s*)?implemented|todo|unimplemented/i.test(thrown);
}

/** Every top-level function and class, and every method of a top-level class. */
export function listDeclarations(ts: TypeScriptModule, source: TS.SourceFile): DeclarationInfo[] {
  const text = source.text;
  const found: DeclarationInfo[] = [];
  const signatureOf = (node: TS.Node, body: TS.Node | undefined) => text.slice(node.getStart(), body ? body.getStart() : node.end).trim();
  const add = (node: TS.Node, nameNode: TS.Node, name: string, kind: DeclarationInfo['kind'], exported: boolean, body: TS.Block | undefined) => {
    const docComment = docCommentOf(ts, node, text);
    const isStub = kind !== 'class' && (body ? isStubBody(ts, body, text) : !!docComment);
    found.push({
      name,
      kind,
      exported,
      isStub,
      nameStart: nameNode.getStart(),
      nameEnd: nameNode.end,
      start: node.getStart(),
      end: node.end,
      signature: kind === 'class' ? text.slice(node.getStart(), nameNode.end) : signatureOf(node, body),
      docComment,
    });
  };
  for (const statement of source.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name) {
      add(statement, statement.name, statement.name.text, 'function', hasExportModifier(ts, statement), statement.body);
    } else if (ts.isVariableStatement(statement)) {
      for (const decl of statement.declarationList.declarations) {
        const init = decl.initializer;
        if (!ts.isIdentifier(decl.name) || !init || !(ts.isArrowFunction(init) || ts.isFunctionExpression(init))) continue;
        const body = ts.isBlock(init.body) ? init.body : undefined;
        const isStub = body ? isStubBody(ts, body, text) : false;
        const docComment = docCommentOf(ts, statement, text);
        found.push({
          name: decl.name.text,
          kind: 'function',
          exported: hasExportModifier(ts, statement),
          isStub,
          nameStart: decl.name.getStart(),
          nameEnd: decl.name.end,
          start: statement.getStart(),
          end: statement.end,
          signature: text.slice(statement.getStart(), body ? body.getStart() : init.body.getStart()).trim(),
          docComment,
        });
      }
    } else if (ts.isClassDeclaration(statement) && statement.name) {
      const className = statement.name.text;
      add(statement, statement.name, className, 'class', hasExportModifier(ts, statement), undefined);
      for (const member of statement.members) {
        if ((ts.isMethodDeclaration(member) || ts.isConstructorDeclaration(member)) && (member.name === undefined || ts.isIdentifier(member.name))) {
          const nameNode = ts.isConstructorDeclaration(member) ? member.getFirstToken(source)! : member.name!;
          const memberName = ts.isConstructorDeclaration(member) ? 'constructor' : (member.name as TS.Identifier).text;
          add(member, nameNode, `${className}.${memberName}`, 'method', hasExportModifier(ts, statement), member.body);
        }
      }
    }
  }
  return found;
}

/** The innermost declaration whose span holds `offset`. */
export function declarationAt(declarations: DeclarationInfo[], offset: number): DeclarationInfo | undefined {
  let best: DeclarationInfo | undefined;
  for (const d of declarations) {
    if (offset < d.start || offset > d.end) continue;
    if (!best || d.end - d.start < best.end - best.start) best = d;
  }
  return best;
}

/** A test case in a test file: its titles and where its call statement is. */
export interface TestCaseInfo {
  title: string;
  fullTitle: string;
  /** Offsets of the whole `it(…)` / `test(…)` statement. */
  start: number;
  end: number;
  /** The test's body text, for spotting a test that repeats another. */
  body: string;
}

const suiteCallees = new Set(['describe', 'suite', 'context']);
const testCallees = new Set(['it', 'test', 'specify']);

function calleeName(ts: TypeScriptModule, call: TS.CallExpression): string | undefined {
  let callee: TS.Expression = call.expression;
  while (ts.isPropertyAccessExpression(callee)) {
    if (ts.isIdentifier(callee.expression) && ['only', 'skip', 'todo', 'concurrent'].includes(callee.name.text)) {
      callee = callee.expression;
      break;
    }
    callee = callee.expression;
  }
  return ts.isIdentifier(callee) ? callee.text : undefined;
}

function titleOf(ts: TypeScriptModule, call: TS.CallExpression): string | undefined {
  const first = call.arguments[0];
  if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) return first.text;
  return undefined;
}

/** Every test with a literal title in a mocha, node:test, jest or vitest file. */
export function listTests(ts: TypeScriptModule, source: TS.SourceFile): TestCaseInfo[] {
  const tests: TestCaseInfo[] = [];
  const visit = (node: TS.Node, suites: string[]) => {
    if (ts.isCallExpression(node)) {
      const name = calleeName(ts, node);
      const title = titleOf(ts, node);
      if (name && title !== undefined && suiteCallees.has(name)) {
        node.arguments.slice(1).forEach((arg) => visit(arg, [...suites, title]));
        return;
      }
      if (name && title !== undefined && testCallees.has(name)) {
        const statement = ts.isExpressionStatement(node.parent) ? node.parent : node;
        const fn = node.arguments.find((arg) => ts.isArrowFunction(arg) || ts.isFunctionExpression(arg));
        tests.push({
          title,
          fullTitle: [...suites, title].join(' '),
          start: statement.getStart(),
          end: statement.end,
          body: fn ? source.text.slice(fn.getStart(), fn.end) : '',
        });
        return;
      }
    }
    ts.forEachChild(node, (child) => visit(child, suites));
  };
  visit(source, []);
  return tests;
}

/** The text with the named tests' statements removed (for dropping flaky or repeated tests). */
export function removeTests(ts: TypeScriptModule, fileName: string, text: string, fullTitles: Set<string>): string {
  const doomed = listTests(ts, parseSource(ts, fileName, text)).filter((t) => fullTitles.has(t.fullTitle));
  let out = text;
  for (const test of doomed.sort((a, b) => b.start - a.start)) {
    let end = test.end;
    while (end < out.length && (out[end] === ' ' || out[end] === '\t')) end++;
    if (out[end] === '\n') end++;
    let start = test.start;
    while (start > 0 && (out[start - 1] === ' ' || out[start - 1] === '\t')) start--;
    out = out.slice(0, start) + out.slice(end);
  }
  return out;
}

/** Whitespace- and comment-insensitive form of a test body, to spot a test that repeats another. */
export function normalizeBody(body: string): string {
  return body
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/[^\n]*/g, '')
    .replace(/\s+/g, '')
    .replace(/["'`]/g, '"');
}

/** Syntax errors of a text, with one-based lines. */
export function syntaxErrors(ts: TypeScriptModule, fileName: string, text: string): { line: number; message: string }[] {
  const source = parseSource(ts, fileName, text) as TS.SourceFile & { parseDiagnostics?: TS.Diagnostic[] };
  return (source.parseDiagnostics ?? []).map((d) => ({
    line: source.getLineAndCharacterOfPosition(d.start ?? 0).line + 1,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}
