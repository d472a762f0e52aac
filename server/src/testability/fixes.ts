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
    const owner = findNode(ts, sourceFile, data.ownerStart, (node): node is TS.FunctionLikeDeclaration & { body: TS.Node } => isFunctionWithBody(ts, node));
    // A new trailing parameter is safe only where every caller is known to call directly; elsewhere a module-level seam keeps all callers as they are.
    const fix = owner && trailingParameterIsSafe(ts, sourceFile, owner) ? injectDependency(ts, sourceFile, data) : owner ? injectModuleSeam(ts, sourceFile, owner, data) : undefined;
    if (fix) fixes.push(fix);
    const viaConstructor = injectIntoConstructor(ts, sourceFile, data, isTs);
    if (viaConstructor) fixes.push(viaConstructor);
  } else if (data?.kind === 'collaborator') {
    const fix = passCollaborator(ts, sourceFile, input.finding, data);
    if (fix) fixes.push(fix);
  } else if (data?.kind === 'constructor-work') {
    // Moving the work into a static factory would need every `new` in the workspace rewritten, which a
    // quick fix on one file cannot do: only the rewrite that keeps `new` working is offered.
    const klass = findNode(ts, sourceFile, data.classStart, (node): node is TS.ClassLikeDeclaration => ts.isClassLike(node));
    if (klass) {
      const parameters = constructorWorkToParameters(ts, sourceFile, klass);
      if (parameters) fixes.push(parameters);
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

/**
 * True for files where `export` is valid and changes nothing else: ES module syntax already, or
 * TypeScript that does not use CommonJS's `module.exports` / `require`.
 */
function isEsModule(ts: TypeScript, sourceFile: TS.SourceFile): boolean {
  if (/\.c[jt]s$/i.test(sourceFile.fileName)) return false;
  const esSyntax = sourceFile.statements.some(
    (statement) =>
      ts.isImportDeclaration(statement) ||
      ts.isExportDeclaration(statement) ||
      ts.isExportAssignment(statement) ||
      (ts.canHaveModifiers(statement) && !!ts.getModifiers(statement)?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)),
  );
  if (esSyntax) return true;
  return isTypeScriptPath(sourceFile.fileName) && !/\bmodule\.exports\b|\brequire\s*\(/.test(sourceFile.text);
}

/** The name callers know a function by: its own, or the variable or property it is assigned to. */
function ownerName(ts: TypeScript, owner: TS.FunctionLikeDeclaration): string | undefined {
  if (owner.name && (ts.isIdentifier(owner.name) || ts.isPrivateIdentifier(owner.name))) return owner.name.text;
  const parent = owner.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.initializer === owner && ts.isIdentifier(parent.name)) return parent.name.text;
  return undefined;
}

function isExportedOwner(ts: TypeScript, sourceFile: TS.SourceFile, owner: TS.FunctionLikeDeclaration, name: string): boolean {
  let top: TS.Node = owner;
  while (top.parent && top.parent !== sourceFile) top = top.parent;
  if (ts.canHaveModifiers(top) && ts.getModifiers(top)?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) return true;
  return mentions(ts, sourceFile, (node) => {
    if (ts.isExportSpecifier(node)) return (node.propertyName ?? node.name).getText(sourceFile) === name;
    if (ts.isExportAssignment(node)) return mentions(ts, node.expression, (inner) => ts.isIdentifier(inner) && inner.text === name);
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      return /^(?:module\.)?exports\b/.test(node.left.getText(sourceFile)) && mentions(ts, node.right, (inner) => inner === owner || (ts.isIdentifier(inner) && inner.text === name));
    }
    return false;
  });
}

/**
 * True when a new trailing parameter cannot change what existing callers pass: the function is
 * not exported (callers elsewhere are unknown: `dates.filter(isFuture)` would pass the index as the
 * clock), not a getter or setter, not a component (React passes a second argument), and every use
 * of its name in this file is a direct call.
 */
function trailingParameterIsSafe(ts: TypeScript, sourceFile: TS.SourceFile, owner: TS.FunctionLikeDeclaration): boolean {
  if (ts.isGetAccessor(owner) || ts.isSetAccessor(owner) || ts.isConstructorDeclaration(owner)) return ts.isConstructorDeclaration(owner);
  const name = ownerName(ts, owner);
  if (!name) return !!owner.parent && ts.isCallExpression(owner.parent) && owner.parent.expression === owner;
  if (/\.[jt]sx$/i.test(sourceFile.fileName) && /^[A-Z]/.test(name)) return false;
  const isMember = ts.isMethodDeclaration(owner) || ts.isPropertyDeclaration(owner.parent);
  if (!isMember && isExportedOwner(ts, sourceFile, owner, name)) return false;
  return !mentions(ts, sourceFile, (node) => {
    if (node === owner.name || (ts.isIdentifier(node) && node.parent && (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent) || ts.isPropertyDeclaration(node.parent)) && node.parent.name === node)) return false;
    const named = isMember
      ? (ts.isPropertyAccessExpression(node) && node.name.text === name) || (ts.isElementAccessExpression(node) && ts.isStringLiteral(node.argumentExpression) && node.argumentExpression.text === name)
      : ts.isIdentifier(node) && node.text === name && !(node.parent && ts.isPropertyAccessExpression(node.parent) && node.parent.name === node);
    if (!named) return false;
    const parent = node.parent;
    return !(parent && ts.isCallExpression(parent) && parent.expression === node);
  });
}

const seams: Record<Dependency, { name: string; member: string; value: string; read: (name: string, member: string) => string }> = {
  clock: { name: 'clock', member: 'now', value: '() => Date.now()', read: (name, member) => `${name}.${member}()` },
  date: { name: 'clock', member: 'today', value: '() => new Date()', read: (name, member) => `${name}.${member}()` },
  performance: { name: 'timer', member: 'now', value: '() => performance.now()', read: (name, member) => `${name}.${member}()` },
  random: { name: 'randomSource', member: 'next', value: '() => Math.random()', read: (name, member) => `${name}.${member}()` },
  uuid: { name: 'ids', member: 'next', value: '() => crypto.randomUUID()', read: (name, member) => `${name}.${member}()` },
  env: { name: 'environment', member: 'values', value: 'process.env', read: (name, member) => `${name}.${member}` },
};

/**
 * For a function whose callers are not all known (exported, passed as a callback, a component):
 * the dependency moves into an exported module-level object that a test replaces
 * (`clock.now = () => 0`), and the function reads it there. Its signature and every caller stay as
 * they are. Only in modules (ES syntax or TypeScript), where the object can be exported.
 */
function injectModuleSeam(ts: TypeScript, sourceFile: TS.SourceFile, owner: TS.FunctionLikeDeclaration & { body: TS.Node }, data: Extract<FindingFixData, { kind: 'inject' }>): TestabilityFix | undefined {
  if (ts.isGetAccessor(owner) || ts.isSetAccessor(owner)) return undefined;
  if (!isEsModule(ts, sourceFile)) return undefined;
  const spec = dependencies[data.dependency];
  const seam = seams[data.dependency];
  const name = uniqueName(seam.name, namesUsedIn(ts, sourceFile));
  const changes: TextChange[] = [];
  eachDescendant(ts, owner.body, (node) => {
    if (!spec.matches(ts, node)) return true;
    changes.push({ start: node.getStart(sourceFile), end: node.end, newText: seam.read(name, seam.member) });
    return false;
  });
  if (changes.length === 0) return undefined;
  let top: TS.Node = owner;
  while (top.parent && top.parent !== sourceFile) top = top.parent;
  const text = sourceFile.text;
  const comments = ts.getLeadingCommentRanges(text, top.pos) ?? [];
  const at = lineStartBefore(text, comments.length > 0 ? comments[0].pos : top.getStart(sourceFile));
  const newline = newlineOf(text);
  const subject = ownerName(ts, owner) ?? 'this module';
  changes.push({
    start: at,
    end: at,
    newText: `/** ${spec.describe.charAt(0).toUpperCase()}${spec.describe.slice(1)} \`${subject}\` uses; a test replaces \`${name}.${seam.member}\`. */${newline}export const ${name} = { ${seam.member}: ${seam.value} };${newline}${newline}`,
  });
  return {
    title: `Read ${spec.describe} through \`${name}.${seam.member}\`, a module-level seam tests can replace (callers unchanged)`,
    kind: 'quickfix',
    preferred: true,
    changes,
  };
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
    // Every function but an arrow has its own `this` (object-literal methods and accessors too).
    if ((ts.isFunctionLike(node) && !ts.isArrowFunction(node)) || ts.isClassLike(node)) {
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
      // `this` exists only once `super(…)` has returned: the assignment goes right after that call, wherever it stands.
      const superCall = constructor.body.statements.find(
        (statement) => ts.isExpressionStatement(statement) && ts.isCallExpression(statement.expression) && statement.expression.expression.kind === ts.SyntaxKind.SuperKeyword,
      );
      if (extendsOther && !superCall) return undefined;
      const anchor = superCall ? superCall.end : constructor.body.getStart(sourceFile) + 1;
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
  if (!owner || !creation || !trailingParameterIsSafe(ts, sourceFile, owner) || !runsOncePerCall(ts, creation, owner)) return undefined;
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

/**
 * True when `node` is evaluated exactly once, unconditionally, each time `owner` runs: a parameter
 * default is evaluated once per call and before the body, so moving a `new` there must not make it
 * eager (a branch not taken, such as `new XMLHttpRequest()` in a browser-only path), shared (a
 * callback's per-event `new` becoming one per outer call) or early (after a guard that throws).
 */
function runsOncePerCall(ts: TypeScript, node: TS.Node, owner: TS.FunctionLikeDeclaration & { body: TS.Node }): boolean {
  let current: TS.Node = node;
  while (current.parent && current.parent !== owner.body) {
    const parent: TS.Node = current.parent;
    if (ts.isFunctionLike(parent) || ts.isClassLike(parent) || ts.isIterationStatement(parent, false) || ts.isIfStatement(parent) || ts.isConditionalExpression(parent) || ts.isCaseClause(parent) || ts.isTryStatement(parent) || ts.isCatchClause(parent)) return false;
    if (ts.isBinaryExpression(parent) && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(parent.operatorToken.kind) && parent.right === current) return false;
    if (parent === owner) return owner.body === current;
    current = parent;
  }
  if (current.parent !== owner.body) return current === owner.body;
  // Only statements before it that cannot throw or act: each `new` there would otherwise run before them.
  if (!ts.isBlock(owner.body)) return true;
  for (const statement of owner.body.statements) {
    if (statement === current) return true;
    if (!ts.isVariableStatement(statement) || mentions(ts, statement, (inner) => ts.isCallExpression(inner) || ts.isNewExpression(inner) || ts.isAwaitExpression(inner))) return false;
  }
  return true;
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
  // A default runs before the body: only work that no earlier statement could observe or prevent moves there.
  let before = true;
  for (const statement of constructor.body.statements) {
    const moveable = before && ts.isExpressionStatement(statement) && doesWork(ts, statement);
    if (!moveable) {
      if (doesWork(ts, statement) || !ts.isExpressionStatement(statement)) before = false;
      continue;
    }
    const assignment = statement.expression;
    if (
      !ts.isBinaryExpression(assignment) ||
      assignment.operatorToken.kind !== ts.SyntaxKind.EqualsToken ||
      !ts.isPropertyAccessExpression(assignment.left) ||
      assignment.left.expression.kind !== ts.SyntaxKind.ThisKeyword ||
      !ts.isIdentifier(assignment.left.name)
    ) {
      before = false;
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
    if (usesLocal) {
      before = false;
      continue;
    }
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
  // `export` would turn a CommonJS file into an ES module, where `module` and `require` do not exist.
  if (!isEsModule(ts, sourceFile)) return undefined;
  for (const statement of sourceFile.statements) {
    if (finding.start < statement.getStart(sourceFile) || finding.start >= statement.end) continue;
    const named = ts.isFunctionDeclaration(statement)
      ? statement.name
      : ts.isVariableStatement(statement) && statement.declarationList.declarations.length === 1
        ? statement.declarationList.declarations[0].name
        : undefined;
    if (!named || named.getStart(sourceFile) !== finding.start) return undefined;
    // An overloaded function is exported with all its signatures, or not at all.
    const name = named.getText(sourceFile);
    const declarations = ts.isFunctionDeclaration(statement)
      ? sourceFile.statements.filter((other) => ts.isFunctionDeclaration(other) && other.name?.text === name)
      : [statement];
    return {
      title: `Export \`${name}\` so tests can call it directly`,
      kind: 'quickfix',
      preferred: true,
      changes: declarations.map((declaration) => ({ start: declaration.getStart(sourceFile), end: declaration.getStart(sourceFile), newText: 'export ' })),
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
