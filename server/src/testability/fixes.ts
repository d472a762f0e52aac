/**
 * Quick fixes for testability findings, as plain text changes on the analysed file.
 *
 * Every fix keeps today's behaviour for existing callers: a hidden dependency becomes a parameter
 * whose default is what the code used before, so calls without the new argument work as they did,
 * and a test passes its own clock, random source, environment or collaborator. Fixes are offered
 * only where the rewrite stays valid (no rest parameter to collide with, no local variables the new
 * default would need); when in doubt no fix is offered rather than a broken one.
 */
import type * as TS from 'typescript';
import type { FindingFixData, TestabilityFinding, TestabilityFix, TextChange } from './model';
import { afterLineBreak, lineEndAfter, lineStartBefore, lspLineStarts, newlineOf } from './lines';
import { suppressionMarker } from './suppress';
import { isTypeScriptPath, loadTypeScript, parseSource, type TypeScript } from './typescript';

export interface FixInput {
  path: string;
  text: string;
  finding: TestabilityFinding;
  ts?: TypeScript;
  /** A parse of `text` with parent pointers, when the caller has one. */
  sourceFile?: TS.SourceFile;
}

type Dependency = Extract<FindingFixData, { kind: 'inject' }>['dependency'];

interface DependencySpec {
  name: string;
  defaultText: string;
  describe: string;
  matches(ts: TypeScript, node: TS.Node): boolean;
  replacement(name: string): string;
}

function isAccess(ts: TypeScript, node: TS.Node, object: string, property: string): boolean {
  return (
    ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === object && node.name.text === property
  );
}

function isCallOf(ts: TypeScript, node: TS.Node, object: string, property: string): boolean {
  return ts.isCallExpression(node) && node.arguments.length === 0 && isAccess(ts, node.expression, object, property);
}

const dependencies: Record<Dependency, DependencySpec> = {
  clock: {
    name: 'now',
    defaultText: '() => Date.now()',
    describe: 'the clock',
    matches: (ts, node) => isCallOf(ts, node, 'Date', 'now'),
    replacement: (name) => `${name}()`,
  },
  date: {
    name: 'clock',
    defaultText: '() => new Date()',
    describe: 'the clock',
    matches: (ts, node) =>
      ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date' && (!node.arguments || node.arguments.length === 0),
    replacement: (name) => `${name}()`,
  },
  performance: {
    name: 'now',
    defaultText: '() => performance.now()',
    describe: 'the clock',
    matches: (ts, node) => isCallOf(ts, node, 'performance', 'now'),
    replacement: (name) => `${name}()`,
  },
  random: {
    name: 'random',
    defaultText: '() => Math.random()',
    describe: 'the random source',
    matches: (ts, node) => isCallOf(ts, node, 'Math', 'random'),
    replacement: (name) => `${name}()`,
  },
  uuid: {
    name: 'randomUUID',
    defaultText: '() => crypto.randomUUID()',
    describe: 'the ID source',
    matches: (ts, node) => isCallOf(ts, node, 'crypto', 'randomUUID'),
    replacement: (name) => `${name}()`,
  },
  env: {
    name: 'env',
    defaultText: 'process.env',
    describe: 'the environment',
    matches: (ts, node) => isAccess(ts, node, 'process', 'env'),
    replacement: (name) => name,
  },
};

/** Every fix for one finding: the rule's own fixes first, then suppression for the line and the file. */
export function testabilityFixes(input: FixInput): TestabilityFix[] {
  const ts = input.ts ?? loadTypeScript();
  const sourceFile = input.sourceFile ?? parseSource(ts, input.path, input.text, true);
  const fixes: TestabilityFix[] = [];
  const data = input.finding.fix;
  const isTs = isTypeScriptPath(input.path);
  if (data?.kind === 'inject') {
    const fix = injectDependency(ts, sourceFile, data);
    if (fix) fixes.push(fix);
    const viaConstructor = injectIntoConstructor(ts, sourceFile, data, isTs);
    if (viaConstructor) fixes.push(viaConstructor);
  } else if (data?.kind === 'collaborator') {
    const fix = passCollaborator(ts, sourceFile, input.finding, data);
    if (fix) fixes.push(fix);
  } else if (data?.kind === 'constructor-work') {
    const klass = findNode(ts, sourceFile, data.classStart, (node): node is TS.ClassLikeDeclaration => ts.isClassLike(node));
    if (klass) {
      const parameters = constructorWorkToParameters(ts, sourceFile, klass);
      if (parameters) fixes.push(parameters);
      const factory = constructorWorkToFactory(ts, sourceFile, klass, isTs);
      if (factory) fixes.push(factory);
    }
  }
  if (input.finding.code === 'unreachable-logic') {
    const fix = exportDeclaration(ts, sourceFile, input.finding);
    if (fix) fixes.push(fix);
  }
  const line = suppressLine(ts, sourceFile, input.finding);
  if (line) fixes.push(line);
  fixes.push(suppressFile(sourceFile.text, input.finding));
  return fixes;
}

/** Finds the node that starts at `start` and satisfies `test`, outermost first. */
export function findNode<T extends TS.Node>(ts: TypeScript, sourceFile: TS.SourceFile, start: number, test: (node: TS.Node) => node is T): T | undefined {
  // Descends only into nodes that contain `start`, with a loop: deep nesting cannot exhaust the stack.
  let current: TS.Node | undefined = sourceFile;
  while (current) {
    const node: TS.Node = current;
    if (node !== sourceFile && node.getStart(sourceFile) === start && test(node)) return node;
    current = ts.forEachChild(node, (child) => (start >= child.pos && start < child.end ? child : undefined));
  }
  return undefined;
}

/** Visits every node below `root` (not `root` itself) with a loop; `visit` returns false to skip a node's children. */
function eachDescendant(ts: TypeScript, root: TS.Node, visit: (node: TS.Node) => boolean | void): void {
  const pending: TS.Node[] = [];
  const push = (child: TS.Node) => {
    pending.push(child);
  };
  ts.forEachChild(root, push);
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (visit(node) !== false) ts.forEachChild(node, push);
  }
}

/** Identifier names used inside a node, except property names after a dot (they cannot collide). */
function namesUsedIn(ts: TypeScript, root: TS.Node): Set<string> {
  const names = new Set<string>();
  if (ts.isIdentifier(root)) names.add(root.text);
  eachDescendant(ts, root, (node) => {
    if (!ts.isIdentifier(node)) return true;
    const parent = node.parent;
    const isMemberName = parent && ((ts.isPropertyAccessExpression(parent) && parent.name === node) || (ts.isPropertyAssignment(parent) && parent.name === node));
    if (!isMemberName) names.add(node.text);
    return false;
  });
  return names;
}

/** Names declared inside a function's body: a default parameter value cannot see them. */
function localsOf(ts: TypeScript, body: TS.Node): Set<string> {
  const names = new Set<string>();
  const bind = (name: TS.BindingName) => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (ts.isBindingElement(element)) bind(element.name);
  };
  const look = (node: TS.Node) => {
    if (ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node)) bind(node.name);
    else if ((ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) && node.name) names.add(node.name.text);
    else if (ts.isCatchClause(node) && node.variableDeclaration) bind(node.variableDeclaration.name);
  };
  look(body);
  eachDescendant(ts, body, look);
  return names;
}

function uniqueName(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  for (let suffix = 2; ; suffix++) if (!taken.has(`${base}${suffix}`)) return `${base}${suffix}`;
}

/** The change that appends a parameter to a function's list, adding parentheses around a bare arrow parameter. */
function appendParameter(ts: TypeScript, sourceFile: TS.SourceFile, owner: TS.SignatureDeclaration, parameterText: string): TextChange | undefined {
  const parameters = owner.parameters;
  if (parameters.some((parameter) => parameter.dotDotDotToken)) return undefined;
  const text = sourceFile.text;
  if (parameters.length === 0) return { start: parameters.pos, end: parameters.pos, newText: parameterText };
  const last = parameters[parameters.length - 1];
  if (ts.isArrowFunction(owner) && parameters.length === 1) {
    const before = text.slice(owner.getStart(sourceFile), last.getStart(sourceFile));
    if (!before.includes('(')) {
      const only = last.getText(sourceFile);
      return { start: last.getStart(sourceFile), end: last.end, newText: `(${only}, ${parameterText})` };
    }
  }
  return { start: last.end, end: last.end, newText: `, ${parameterText}` };
}

function isFunctionWithBody(ts: TypeScript, node: TS.Node): node is TS.FunctionLikeDeclaration & { body: TS.Node } {
  return ts.isFunctionLike(node) && 'body' in node && !!(node as TS.FunctionLikeDeclaration).body;
}

function injectDependency(ts: TypeScript, sourceFile: TS.SourceFile, data: Extract<FindingFixData, { kind: 'inject' }>): TestabilityFix | undefined {
  const owner = findNode(ts, sourceFile, data.ownerStart, (node): node is TS.FunctionLikeDeclaration & { body: TS.Node } => isFunctionWithBody(ts, node));
  if (!owner) return undefined;
  const spec = dependencies[data.dependency];
  const name = uniqueName(spec.name, namesUsedIn(ts, owner));
  const changes: TextChange[] = [];
  const search = (node: TS.Node): void => {
    if (spec.matches(ts, node)) {
      changes.push({ start: node.getStart(sourceFile), end: node.end, newText: spec.replacement(name) });
      return;
    }
    ts.forEachChild(node, search);
  };
  search(owner.body);
  const parameter = appendParameter(ts, sourceFile, owner, `${name} = ${spec.defaultText}`);
  if (!parameter || changes.length === 0) return undefined;
  const subject = describeOwner(ts, sourceFile, owner);
  return {
    title: `Pass ${spec.describe} into ${subject} as parameter \`${name}\` (default: today's)`,
    kind: 'quickfix',
    preferred: true,
    changes: [parameter, ...changes],
  };
}

function isStaticMember(ts: TypeScript, member: TS.Node): boolean {
  return ts.canHaveModifiers(member) && (ts.getModifiers(member)?.some((modifier) => modifier.kind === ts.SyntaxKind.StaticKeyword) ?? false);
}

/**
 * For a method: the dependency becomes a constructor parameter stored on the instance (a
 * `private readonly` parameter property in TypeScript, a parameter and `this.x = x` in
 * JavaScript), and every use in the class's instance methods reads it through `this`. Not offered
 * when a use sits in a nested `function` (its `this` differs), or when the class extends another
 * and has no constructor of its own (a new one would have to forward the base's arguments).
 */
function injectIntoConstructor(ts: TypeScript, sourceFile: TS.SourceFile, data: Extract<FindingFixData, { kind: 'inject' }>, isTs: boolean): TestabilityFix | undefined {
  const owner = findNode(ts, sourceFile, data.ownerStart, (node): node is TS.MethodDeclaration | TS.AccessorDeclaration => ts.isMethodDeclaration(node) || ts.isAccessor(node));
  if (!owner?.body || isStaticMember(ts, owner) || !ts.isClassLike(owner.parent)) return undefined;
  const klass = owner.parent;
  const spec = dependencies[data.dependency];
  const constructor = constructorOf(ts, klass);
  const extendsOther = klass.heritageClauses?.some((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword) ?? false;
  const hasConstructors = klass.members.some((member) => ts.isConstructorDeclaration(member));
  if ((!constructor && (extendsOther || hasConstructors)) || constructor?.parameters.some((parameter) => parameter.dotDotDotToken)) return undefined;
  const taken = namesUsedIn(ts, klass);
  for (const member of klass.members) if (member.name) taken.add(member.name.getText(sourceFile));
  const name = uniqueName(spec.name, taken);
  const changes: TextChange[] = [];
  let blocked = false;
  const search = (node: TS.Node): void => {
    if (blocked) return;
    if (ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node) || ts.isClassLike(node)) {
      if (mentions(ts, node, (inner) => spec.matches(ts, inner))) blocked = true;
      return;
    }
    if (spec.matches(ts, node)) {
      changes.push({ start: node.getStart(sourceFile), end: node.end, newText: spec.replacement(`this.${name}`) });
      return;
    }
    ts.forEachChild(node, search);
  };
  for (const member of klass.members) {
    if ((ts.isMethodDeclaration(member) || ts.isAccessor(member)) && member.body && !isStaticMember(ts, member)) search(member.body);
  }
  if (blocked || changes.length === 0) return undefined;
  const text = sourceFile.text;
  const newline = newlineOf(text);
  const defaultValue = `${name} = ${spec.defaultText}`;
  if (constructor?.body) {
    const parameter = appendParameter(ts, sourceFile, constructor, isTs ? `private readonly ${defaultValue}` : defaultValue);
    if (!parameter) return undefined;
    changes.push(parameter);
    if (!isTs) {
      const statements = constructor.body.statements;
      const first = statements[0];
      const afterSuper = first && ts.isExpressionStatement(first) && ts.isCallExpression(first.expression) && first.expression.expression.kind === ts.SyntaxKind.SuperKeyword;
      const anchor = afterSuper ? first.end : constructor.body.getStart(sourceFile) + 1;
      const lineStart = lineStartBefore(text, constructor.getStart(sourceFile));
      const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
      changes.push({ start: anchor, end: anchor, newText: `${newline}${indent}  this.${name} = ${name};` });
    }
  } else {
    const firstMethod = klass.members.find((member) => !ts.isPropertyDeclaration(member) && !ts.isSemicolonClassElement(member) && !ts.isIndexSignatureDeclaration(member));
    if (!firstMethod) return undefined;
    const start = firstMethod.getStart(sourceFile);
    const lineStart = lineStartBefore(text, start);
    const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
    const body = isTs ? `constructor(private readonly ${defaultValue}) {}` : `constructor(${defaultValue}) {${newline}${indent}  this.${name} = ${name};${newline}${indent}}`;
    changes.push({ start: lineStart, end: lineStart, newText: `${indent}${body}${newline}${newline}` });
  }
  const className = klass.name ? `\`${klass.name.text}\`` : 'the class';
  return {
    title: `Pass ${spec.describe} into the constructor of ${className} as \`${name}\` (default: today's)`,
    kind: 'quickfix',
    changes,
  };
}

/** How a fix title names the function it changes. */
function describeOwner(ts: TypeScript, sourceFile: TS.SourceFile, owner: TS.FunctionLikeDeclaration): string {
  if (ts.isConstructorDeclaration(owner)) return 'the constructor';
  if (owner.name) return `\`${owner.name.getText(sourceFile)}\``;
  const parent = owner.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.initializer === owner) {
    return `\`${parent.name.getText(sourceFile)}\``;
  }
  return 'the function';
}

function passCollaborator(
  ts: TypeScript,
  sourceFile: TS.SourceFile,
  finding: TestabilityFinding,
  data: Extract<FindingFixData, { kind: 'collaborator' }>,
): TestabilityFix | undefined {
  const owner = findNode(ts, sourceFile, data.ownerStart, (node): node is TS.FunctionLikeDeclaration & { body: TS.Node } => isFunctionWithBody(ts, node));
  const creation = findNode(ts, sourceFile, finding.start, (node): node is TS.NewExpression => ts.isNewExpression(node));
  if (!owner || !creation) return undefined;
  const locals = localsOf(ts, owner.body);
  let blocked = false;
  const check = (node: TS.Node): void => {
    if (node.kind === ts.SyntaxKind.ThisKeyword || node.kind === ts.SyntaxKind.SuperKeyword) blocked = true;
    else if (ts.isIdentifier(node) && (locals.has(node.text) || node.text === 'arguments')) {
      const parent = node.parent;
      if (!(ts.isPropertyAccessExpression(parent) && parent.name === node)) blocked = true;
    }
    if (!blocked) ts.forEachChild(node, check);
  };
  check(creation);
  if (blocked) return undefined;
  const parent = creation.parent;
  let base = data.className.charAt(0).toLowerCase() + data.className.slice(1);
  if (
    ts.isBinaryExpression(parent) &&
    parent.right === creation &&
    parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    ts.isPropertyAccessExpression(parent.left) &&
    parent.left.expression.kind === ts.SyntaxKind.ThisKeyword &&
    ts.isIdentifier(parent.left.name)
  ) {
    base = parent.left.name.text;
  }
  const name = uniqueName(base, namesUsedIn(ts, owner));
  const parameter = appendParameter(ts, sourceFile, owner, `${name} = ${creation.getText(sourceFile)}`);
  if (!parameter) return undefined;
  return {
    title: `Pass the \`${data.className}\` in as parameter \`${name}\` (default: today's \`new ${data.className}(…)\`)`,
    kind: 'quickfix',
    preferred: true,
    changes: [parameter, { start: creation.getStart(sourceFile), end: creation.end, newText: name }],
  };
}

/** Describes whether a constructor statement does work, the same way the rule does. */
function doesWork(ts: TypeScript, statement: TS.Statement): boolean {
  if (ts.isIterationStatement(statement, false) || ts.isTryStatement(statement)) return true;
  if (ts.isThrowStatement(statement)) return false;
  let found = false;
  const search = (node: TS.Node): void => {
    if (found || ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isClassExpression(node)) return;
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.SuperKeyword) return;
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
      if (name === undefined || !['freeze', 'seal', 'assign', 'defineProperty', 'bind'].includes(name)) {
        found = true;
        return;
      }
    }
    ts.forEachChild(node, search);
  };
  search(statement);
  return found;
}

function constructorOf(ts: TypeScript, klass: TS.ClassLikeDeclaration): TS.ConstructorDeclaration | undefined {
  const constructors = klass.members.filter((member): member is TS.ConstructorDeclaration => ts.isConstructorDeclaration(member));
  const implementation = constructors.filter((member) => member.body);
  return implementation.length === 1 ? implementation[0] : undefined;
}

function mentions(ts: TypeScript, node: TS.Node, predicate: (node: TS.Node) => boolean): boolean {
  const pending: TS.Node[] = [node];
  const push = (child: TS.Node) => {
    pending.push(child);
  };
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (predicate(current)) return true;
    ts.forEachChild(current, push);
  }
  return false;
}

/** The whole lines a statement occupies, with their line break, when nothing else shares them. */
function statementLines(text: string, statement: TS.Statement, sourceFile: TS.SourceFile): { start: number; end: number } {
  const start = statement.getStart(sourceFile);
  const lineStart = lineStartBefore(text, start);
  const lineEnd = lineEndAfter(text, statement.end);
  const before = text.slice(lineStart, start);
  const after = text.slice(statement.end, lineEnd);
  if (before.trim() === '' && after.trim() === '') return { start: lineStart, end: afterLineBreak(text, lineEnd) };
  return { start, end: statement.end };
}

/**
 * Turns `this.x = <work>` in a constructor into a parameter `x = <work>` and `this.x = x`, so a
 * test passes the value in and callers that pass nothing get today's behaviour.
 */
function constructorWorkToParameters(ts: TypeScript, sourceFile: TS.SourceFile, klass: TS.ClassLikeDeclaration): TestabilityFix | undefined {
  const constructor = constructorOf(ts, klass);
  if (!constructor?.body) return undefined;
  const locals = localsOf(ts, constructor.body);
  const taken = namesUsedIn(ts, constructor);
  const parameters: string[] = [];
  const changes: TextChange[] = [];
  for (const statement of constructor.body.statements) {
    if (!ts.isExpressionStatement(statement) || !doesWork(ts, statement)) continue;
    const assignment = statement.expression;
    if (
      !ts.isBinaryExpression(assignment) ||
      assignment.operatorToken.kind !== ts.SyntaxKind.EqualsToken ||
      !ts.isPropertyAccessExpression(assignment.left) ||
      assignment.left.expression.kind !== ts.SyntaxKind.ThisKeyword ||
      !ts.isIdentifier(assignment.left.name)
    ) {
      continue;
    }
    const value = assignment.right;
    const usesLocal = mentions(
      ts,
      value,
      (node) =>
        node.kind === ts.SyntaxKind.ThisKeyword ||
        node.kind === ts.SyntaxKind.SuperKeyword ||
        (ts.isIdentifier(node) && (locals.has(node.text) || node.text === 'arguments') && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node)),
    );
    if (usesLocal) continue;
    const name = uniqueName(assignment.left.name.text, taken);
    taken.add(name);
    parameters.push(`${name} = ${value.getText(sourceFile)}`);
    changes.push({ start: value.getStart(sourceFile), end: value.end, newText: name });
  }
  if (parameters.length === 0) return undefined;
  const parameter = appendParameter(ts, sourceFile, constructor, parameters.join(', '));
  if (!parameter) return undefined;
  return {
    title: 'Pass the constructor\u2019s work in as parameters (defaults: today\u2019s values)',
    kind: 'quickfix',
    preferred: true,
    changes: [parameter, ...changes],
  };
}

/**
 * Moves the constructor's other work (calls, loops) into a static factory that builds the instance
 * and then does the work, so tests can build the object with `new` and skip it.
 */
function constructorWorkToFactory(ts: TypeScript, sourceFile: TS.SourceFile, klass: TS.ClassLikeDeclaration, isTs: boolean): TestabilityFix | undefined {
  const constructor = constructorOf(ts, klass);
  const className = klass.name?.text;
  if (!constructor?.body || !className) return undefined;
  const text = sourceFile.text;
  const statements = constructor.body.statements;
  const moved = statements.filter((statement) => doesWork(ts, statement) && !isFieldAssignment(ts, statement));
  if (moved.length === 0) return undefined;
  const kept = statements.filter((statement) => !moved.includes(statement));
  const keptLocals = new Set<string>();
  for (const statement of kept) for (const name of localsOf(ts, statement)) keptLocals.add(name);
  const movedLocals = new Set<string>();
  for (const statement of moved) for (const name of localsOf(ts, statement)) movedLocals.add(name);
  const uninitialized = new Set(
    klass.members
      .filter((member): member is TS.PropertyDeclaration => ts.isPropertyDeclaration(member) && !member.initializer && !member.exclamationToken && !member.questionToken)
      .map((member) => member.name.getText(sourceFile)),
  );
  const readonlyFields = new Set(
    klass.members
      .filter((member) => ts.isPropertyDeclaration(member) && ts.getModifiers(member)?.some((modifier) => modifier.kind === ts.SyntaxKind.ReadonlyKeyword))
      .map((member) => member.name!.getText(sourceFile)),
  );
  for (const statement of moved) {
    const blocked = mentions(ts, statement, (node) => {
      if (node.kind === ts.SyntaxKind.SuperKeyword || ts.isReturnStatement(node) || ts.isMetaProperty(node)) return true;
      if (ts.isIdentifier(node) && (keptLocals.has(node.text) || node.text === 'arguments')) return !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node);
      if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
        const left = node.left;
        if (ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword) {
          const field = left.name.getText(sourceFile);
          return readonlyFields.has(field) || (isTs && uninitialized.has(field));
        }
      }
      return false;
    });
    if (blocked) return undefined;
  }
  for (const statement of kept) {
    if (mentions(ts, statement, (node) => ts.isIdentifier(node) && movedLocals.has(node.text))) return undefined;
  }
  const argumentsText: string[] = [];
  const parameterTexts: string[] = [];
  for (const parameter of constructor.parameters) {
    if (!ts.isIdentifier(parameter.name)) return undefined;
    argumentsText.push(`${parameter.dotDotDotToken ? '...' : ''}${parameter.name.text}`);
    const from = parameter.dotDotDotToken ? parameter.dotDotDotToken.getStart(sourceFile) : parameter.name.getStart(sourceFile);
    parameterTexts.push(text.slice(from, parameter.end));
  }
  const taken = namesUsedIn(ts, constructor);
  const instance = uniqueName('instance', taken);
  const memberNames = new Set(klass.members.map((member) => member.name?.getText(sourceFile)).filter((name): name is string => !!name));
  const factoryName = uniqueName('create', memberNames);
  const lineStart = lineStartBefore(text, constructor.getStart(sourceFile));
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const unit = indent.length > 0 ? indent.slice(0, indent.includes('\t') ? 1 : Math.min(indent.length, 2)) : '  ';
  const bodyIndent = indent + unit;
  const rewrite = (statement: TS.Statement): string => {
    const start = statement.getStart(sourceFile);
    const replacements: TextChange[] = [];
    const search = (node: TS.Node): void => {
      if (ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node) || ts.isClassLike(node)) return;
      if (node.kind === ts.SyntaxKind.ThisKeyword) replacements.push({ start: node.getStart(sourceFile), end: node.end, newText: instance });
      ts.forEachChild(node, search);
    };
    search(statement);
    let out = text.slice(start, statement.end);
    for (const change of replacements.sort((a, b) => b.start - a.start)) out = out.slice(0, change.start - start) + change.newText + out.slice(change.end - start);
    return out;
  };
  const movedText = moved.map((statement) => `${bodyIndent}${rewrite(statement)}`).join('\n');
  const returnType = isTs ? `: ${className}${typeParametersOf(klass, sourceFile)}` : '';
  const typeParameters = klass.typeParameters ? `<${klass.typeParameters.map((parameter) => parameter.getText(sourceFile)).join(', ')}>` : '';
  // JavaScript types parameters in JSDoc: the factory takes the constructor's documentation along.
  const jsDoc = isTs
    ? undefined
    : (ts.getLeadingCommentRanges(text, constructor.pos) ?? [])
        .map((range) => text.slice(range.pos, range.end))
        .filter((comment) => comment.startsWith('/**'))
        .pop();
  const factory =
    `\n\n${jsDoc ? `${indent}${jsDoc}\n` : ''}${indent}static ${factoryName}${typeParameters}(${parameterTexts.join(', ')})${returnType} {\n` +
    `${bodyIndent}const ${instance} = new ${className}(${argumentsText.join(', ')});\n` +
    `${movedText}\n` +
    `${bodyIndent}return ${instance};\n` +
    `${indent}}`;
  const changes: TextChange[] =
    kept.length === 0
      ? [{ start: constructor.body.getStart(sourceFile), end: constructor.body.end, newText: '{}' }]
      : moved.map((statement) => ({ ...statementLines(text, statement, sourceFile), newText: '' }));
  changes.push({ start: constructor.end, end: constructor.end, newText: factory });
  return {
    title: `Move the constructor's work into a static factory \`${className}.${factoryName}(…)\``,
    kind: 'refactor.rewrite',
    changes,
  };
}

function typeParametersOf(klass: TS.ClassLikeDeclaration, sourceFile: TS.SourceFile): string {
  if (!klass.typeParameters || klass.typeParameters.length === 0) return '';
  return `<${klass.typeParameters.map((parameter) => parameter.name.getText(sourceFile)).join(', ')}>`;
}

function isFieldAssignment(ts: TypeScript, statement: TS.Statement): boolean {
  if (!ts.isExpressionStatement(statement)) return false;
  const expression = statement.expression;
  return (
    ts.isBinaryExpression(expression) &&
    expression.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    ts.isPropertyAccessExpression(expression.left) &&
    expression.left.expression.kind === ts.SyntaxKind.ThisKeyword
  );
}

/** True when the position sits in JSX text, where a `//` comment would become visible text. */
function inJsxText(ts: TypeScript, sourceFile: TS.SourceFile, position: number): boolean {
  let inside = false;
  // Follows the nodes around the position down the tree, with a loop.
  let current: TS.Node | undefined = sourceFile;
  while (current) {
    const node: TS.Node = current;
    if (ts.isJsxElement(node) || ts.isJsxFragment(node)) {
      const opening = ts.isJsxElement(node) ? node.openingElement : node.openingFragment;
      const closing = ts.isJsxElement(node) ? node.closingElement : node.closingFragment;
      inside = position >= opening.end && position <= closing.getStart(sourceFile);
    } else if ((ts.isJsxExpression(node) || ts.isJsxAttributes(node)) && position > node.getStart(sourceFile)) inside = false;
    current = ts.forEachChild(node, (child) => (position >= child.getStart(sourceFile) && position < child.end ? child : undefined));
  }
  return inside;
}

/** Exports a module-level function so tests can call it directly (`unreachable-logic`). */
function exportDeclaration(ts: TypeScript, sourceFile: TS.SourceFile, finding: TestabilityFinding): TestabilityFix | undefined {
  for (const statement of sourceFile.statements) {
    if (finding.start < statement.getStart(sourceFile) || finding.start >= statement.end) continue;
    const named = ts.isFunctionDeclaration(statement)
      ? statement.name
      : ts.isVariableStatement(statement) && statement.declarationList.declarations.length === 1
        ? statement.declarationList.declarations[0].name
        : undefined;
    if (!named || named.getStart(sourceFile) !== finding.start) return undefined;
    const start = statement.getStart(sourceFile);
    return {
      title: `Export \`${named.getText(sourceFile)}\` so tests can call it directly`,
      kind: 'quickfix',
      preferred: true,
      changes: [{ start, end: start, newText: 'export ' }],
    };
  }
  return undefined;
}

/** True when the position is inside a template literal, where a new line would change the string. */
function inTemplate(ts: TypeScript, sourceFile: TS.SourceFile, position: number): boolean {
  return mentions(ts, sourceFile, (node) => (ts.isTemplateExpression(node) || ts.isNoSubstitutionTemplateLiteral(node)) && node.getStart(sourceFile) < position && position < node.end);
}

/** The line suppression, or undefined when the finding's line starts inside a template literal. */
function suppressLine(ts: TypeScript, sourceFile: TS.SourceFile, finding: TestabilityFinding): TestabilityFix | undefined {
  const text = sourceFile.text;
  const line = finding.span.start.line;
  const lineStarts = lspLineStarts(text);
  const lineStart = lineStarts[line];
  if (inTemplate(ts, sourceFile, lineStart)) return undefined;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const title = `Suppress ${finding.code} on this line`;
  if (line > 0) {
    const previousStart = lineStarts[line - 1];
    const previous = text.slice(previousStart, lineStart).replace(/(?:\r\n|\r|\n)$/, '');
    const existing = /(tandem-ignore-next-line)((?:[ \t,]+[a-z]+(?:-[a-z]+)*)*)/.exec(previous);
    if (existing && existing[2].trim() !== '') {
      const at = previousStart + existing.index + existing[0].length;
      return { title, kind: 'quickfix', changes: [{ start: at, end: at, newText: `, ${finding.code}` }] };
    }
  }
  const newline = newlineOf(text);
  const comment = inJsxText(ts, sourceFile, lineStart + indent.length)
    ? `{/* ${suppressionMarker}-next-line ${finding.code} */}`
    : `// ${suppressionMarker}-next-line ${finding.code}`;
  return { title, kind: 'quickfix', changes: [{ start: lineStart, end: lineStart, newText: `${indent}${comment}${newline}` }] };
}

function suppressFile(text: string, finding: TestabilityFinding): TestabilityFix {
  const title = `Suppress ${finding.code} in this file`;
  const existing = /\/\/[ \t]*tandem-ignore-file((?:[ \t,]+[a-z]+(?:-[a-z]+)*)+)/.exec(text);
  if (existing) {
    const at = existing.index + existing[0].length;
    return { title, kind: 'quickfix', changes: [{ start: at, end: at, newText: `, ${finding.code}` }] };
  }
  const newline = newlineOf(text);
  const at = text.startsWith('#!') ? afterLineBreak(text, lineEndAfter(text, 0)) : 0;
  return { title, kind: 'quickfix', changes: [{ start: at, end: at, newText: `// ${suppressionMarker}-file ${finding.code}${newline}` }] };
}

/** Applies non-overlapping changes to a text (helper for callers and tests). */
export function applyChanges(text: string, changes: readonly TextChange[]): string {
  let out = text;
  for (const change of [...changes].sort((a, b) => b.start - a.start || b.end - a.end)) out = out.slice(0, change.start) + change.newText + out.slice(change.end);
  return out;
}
