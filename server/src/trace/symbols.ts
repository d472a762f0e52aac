/**
 * Exact bindings for TypeScript and JavaScript tags, from the real parser: the declaration whose
 * doc comment or body holds a tag (`OrderService.submit`), and the test call around it. The
 * `typescript` module is loaded on first use only (it costs ~250 ms), and only when a caller asks
 * about one file (`trace`, `traceAt`); the full index never parses.
 */
import type * as ts from 'typescript';
import type { Span, TraceTag } from './model';
import { LineIndex } from './text';

let typescript: typeof ts | undefined;

function loadTypeScript(): typeof ts {
  typescript ??= require('typescript') as typeof ts;
  return typescript;
}

type Binding = Pick<TraceTag, 'symbol' | 'scope' | 'testName'>;

const testCallees = new Set(['describe', 'context', 'suite', 'it', 'test', 'specify']);

/**
 * Binds each tag of the file to its enclosing declaration and test. Tags whose text no longer
 * sits at their span (the file changed since it was indexed) keep their cheap binding.
 */
export function refineBindings(path: string, text: string, tags: readonly TraceTag[]): Map<TraceTag, Binding> {
  const out = new Map<TraceTag, Binding>();
  if (tags.length === 0) return out;
  const t = loadTypeScript();
  const kind = /\.[cm]?tsx$|\.jsx$/i.test(path) ? t.ScriptKind.TSX : /\.[cm]?ts$/i.test(path) ? t.ScriptKind.TS : t.ScriptKind.JS;
  try {
    const source = t.createSourceFile(path, text, t.ScriptTarget.Latest, true, kind);
    const lines = new LineIndex(text);
    for (const tag of tags) {
      const offset = lines.offset(tag.span.start);
      if (text.slice(offset, offset + tag.target.length) !== tag.target) continue;
      out.set(tag, bindAt(t, source, lines, offset, tag));
    }
  } catch (error) {
    // The parser and the walk recurse once per level of nesting: thousands of nested parentheses
    // or blocks run out of stack. The tags then keep the binding of the per-language rules.
    if (!(error instanceof RangeError)) throw error;
    out.clear();
  }
  return out;
}

function bindAt(t: typeof ts, source: ts.SourceFile, lines: LineIndex, offset: number, tag: TraceTag): Binding {
  const names: string[] = [];
  const titles: string[] = [];
  let symbolNode: ts.Node | undefined;
  let nameNode: ts.Node | undefined;
  let testNode: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (offset < node.getFullStart() || offset >= node.getEnd()) return;
    const name = declarationName(t, node);
    if (name) {
      names.push(name.getText(source));
      symbolNode = node;
      nameNode = name;
    }
    const title = testTitle(t, node, source);
    if (title !== undefined) {
      titles.push(title);
      testNode = node;
    }
    t.forEachChild(node, visit);
  };
  t.forEachChild(source, visit);
  const binding: Binding = {};
  if (symbolNode && nameNode) {
    binding.symbol = { name: names.join('.'), span: spanOf(lines, nameNode.getStart(source), nameNode.getEnd()) };
    binding.scope = spanOf(lines, Math.min(offset, symbolNode.getStart(source)), symbolNode.getEnd());
  }
  if (testNode) {
    binding.testName = titles.join(' ');
    const testScope = spanOf(lines, Math.min(offset, testNode.getStart(source)), testNode.getEnd());
    if (!binding.scope || testNode.getEnd() - testNode.getStart(source) < symbolNode!.getEnd() - symbolNode!.getStart(source)) binding.scope = testScope;
  } else if (tag.testName) binding.testName = tag.testName;
  return binding;
}

/** The name of a declaration that a tag can bind to, or undefined. */
function declarationName(t: typeof ts, node: ts.Node): ts.Node | undefined {
  if (
    (t.isFunctionDeclaration(node) ||
      t.isClassDeclaration(node) ||
      t.isMethodDeclaration(node) ||
      t.isInterfaceDeclaration(node) ||
      t.isEnumDeclaration(node) ||
      t.isTypeAliasDeclaration(node) ||
      t.isModuleDeclaration(node) ||
      t.isGetAccessorDeclaration(node) ||
      t.isSetAccessorDeclaration(node) ||
      t.isPropertyDeclaration(node)) &&
    node.name
  ) {
    return node.name;
  }
  if (t.isVariableStatement(node)) {
    const first = node.declarationList.declarations[0];
    return first && t.isIdentifier(first.name) ? first.name : undefined;
  }
  if (t.isConstructorDeclaration(node)) return node.getChildAt(0);
  return undefined;
}

/** The title of a test call (`it('…', …)`, `describe.only('…', …)`), or undefined. */
function testTitle(t: typeof ts, node: ts.Node, source: ts.SourceFile): string | undefined {
  if (!t.isCallExpression(node) || node.arguments.length === 0) return undefined;
  let callee: ts.Expression = node.expression;
  if (t.isPropertyAccessExpression(callee) && t.isIdentifier(callee.expression)) callee = callee.expression;
  if (!t.isIdentifier(callee) || !testCallees.has(callee.text)) return undefined;
  const first = node.arguments[0];
  if (t.isStringLiteral(first) || t.isNoSubstitutionTemplateLiteral(first)) return first.text;
  return first.getText(source);
}

function spanOf(lines: LineIndex, start: number, end: number): Span {
  return lines.span(start, end);
}
