/**
 * What the rules need to know about a module before walking it: which names are I/O (imports of
 * I/O modules and the clients made from them), which are imports at all, which random draws were
 * imported from `crypto`, which module-level variables are mutable and where they are declared, and
 * what the module exports (ES and CommonJS forms). One pass over the top-level statements.
 */
import type * as TS from 'typescript';
import type { TypeScript } from './typescript';

/** Members of I/O modules that compute on their arguments and touch nothing (`net.isIP`, `http.METHODS`). */
export const pureIoMembers = new Set(['isIP', 'isIPv4', 'isIPv6', 'METHODS', 'STATUS_CODES', 'constants', 'validateHeaderName', 'validateHeaderValue', 'createSecureContext']);
/** Random draws of `crypto` (the global Web Crypto object or the node module). */
export const cryptoRandom = new Set(['randomBytes', 'randomInt', 'randomUUID', 'getRandomValues', 'randomFillSync', 'randomFill']);

export interface ModuleFacts {
  ioBindings: Set<string>;
  /** Every name bound by an import or a top-level `require`: objects that live outside the module. */
  importedBindings: Set<string>;
  /** Local names of random draws imported from `crypto` (`import { randomBytes } from 'node:crypto'`) → `crypto.randomBytes`. */
  cryptoBindings: Map<string, string>;
  /** True when the module exports anything (a script without exports is run, not imported). */
  hasExports: boolean;
  moduleMutable: Set<string>;
  /** Where each module-level variable is declared (its name), for the related information of `mutable-global`. */
  declaredAt: Map<string, { start: number; end: number }>;
  /** Local name → the names it is exported as. */
  exportedLocals: Map<string, string[]>;
  topDeclarations: Map<string, { kind: 'function' | 'class'; start: number; end: number }>;
}

export function normalizeModule(specifier: string): string {
  return specifier.startsWith('node:') ? specifier.slice(5) : specifier;
}

export function hasModifier(ts: TypeScript, node: TS.Node, kind: TS.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node)?.some((modifier) => modifier.kind === kind) ?? false);
}

export function isFunctionExpressionLike(ts: TypeScript, node: TS.Node | undefined): node is TS.FunctionExpression | TS.ArrowFunction {
  return !!node && (node.kind === ts.SyntaxKind.ArrowFunction || node.kind === ts.SyntaxKind.FunctionExpression);
}

/** Adds every name a binding (`a`, `{ a, b: [c] }`) declares. */
export function bindNames(ts: TypeScript, name: TS.BindingName, into: Set<string>): void {
  if (name.kind === ts.SyntaxKind.Identifier) into.add(name.text);
  else for (const element of name.elements) if (element.kind === ts.SyntaxKind.BindingElement) bindNames(ts, element.name, into);
}

export function readModuleFacts(ts: TypeScript, sourceFile: TS.SourceFile, ioModules: ReadonlySet<string>): ModuleFacts {
  const K = ts.SyntaxKind;
  const text = sourceFile.text;
  const ioBindings = new Set<string>();
  /** Every name bound by an import or a top-level `require`: objects that live outside the module. */
  const importedBindings = new Set<string>();
  /** Local names of random draws imported from `crypto` (`import { randomBytes } from 'node:crypto'`). */
  const cryptoBindings = new Map<string, string>();
  let hasExports = /\bmodule\.exports\b|\bexports\.[\w$]+\s*=/.test(text);
  const moduleMutable = new Set<string>();
  /** Where each module-level variable is declared (its name), for the related information of `mutable-global`. */
  const declaredAt = new Map<string, { start: number; end: number }>();
  const exportedLocals = new Map<string, string[]>();
  const topDeclarations = new Map<string, { kind: 'function' | 'class'; start: number; end: number }>();
  const addExport = (local: string, exported: string) => {
    const list = exportedLocals.get(local);
    if (list) list.push(exported);
    else exportedLocals.set(local, [exported]);
  };
  const addObjectExports = (object: TS.ObjectLiteralExpression) => {
    for (const property of object.properties) {
      if (property.kind === K.ShorthandPropertyAssignment) addExport(property.name.text, property.name.text);
      else if (property.kind === K.PropertyAssignment && property.initializer.kind === K.Identifier && property.name.kind === K.Identifier) {
        addExport((property.initializer as TS.Identifier).text, property.name.text);
      }
    }
  };
  const hasModifierOf = (node: TS.Node, kind: TS.SyntaxKind) => hasModifier(ts, node, kind);
  const isFunctionLike = (node: TS.Node | undefined) => isFunctionExpressionLike(ts, node);
  const requireSpecifier = (node: TS.Expression | undefined): string | undefined => {
    let current = node;
    while (current && current.kind === K.AwaitExpression) current = (current as TS.AwaitExpression).expression;
    if (!current || current.kind !== K.CallExpression) return undefined;
    const call = current as TS.CallExpression;
    const argument = call.arguments[0];
    if (call.expression.kind === K.Identifier && (call.expression as TS.Identifier).text === 'require' && argument && ts.isStringLiteral(argument)) {
      return argument.text;
    }
    return undefined;
  };
  /** `new Pool()`, `createClient()`, `await mongoose.connect()` from an I/O module: the client it returns does I/O too. */
  const createsIoClient = (initializer: TS.Expression | undefined): boolean => {
    let current = initializer;
    while (current && (current.kind === K.AwaitExpression || current.kind === K.ParenthesizedExpression)) current = (current as TS.AwaitExpression).expression;
    if (!current || (current.kind !== K.NewExpression && current.kind !== K.CallExpression)) return false;
    let callee: TS.Expression = (current as TS.CallExpression).expression;
    while (callee.kind === K.PropertyAccessExpression) callee = (callee as TS.PropertyAccessExpression).expression;
    return callee.kind === K.Identifier && ioBindings.has((callee as TS.Identifier).text);
  };
  const bind = (name: TS.BindingName, into: Set<string>) => bindNames(ts, name, into);

  for (const statement of sourceFile.statements) {
    switch (statement.kind) {
      case K.ImportDeclaration: {
        const declaration = statement as TS.ImportDeclaration;
        const clause = declaration.importClause;
        const bindings = clause?.namedBindings;
        if (clause?.name) importedBindings.add(clause.name.text);
        if (bindings?.kind === K.NamespaceImport) importedBindings.add(bindings.name.text);
        else if (bindings?.kind === K.NamedImports) for (const element of bindings.elements) importedBindings.add(element.name.text);
        if (!ts.isStringLiteral(declaration.moduleSpecifier)) break;
        const specifier = normalizeModule(declaration.moduleSpecifier.text);
        if (specifier === 'crypto' && bindings?.kind === K.NamedImports) {
          for (const element of bindings.elements) {
            const imported = (element.propertyName ?? element.name).getText(sourceFile);
            if (cryptoRandom.has(imported)) cryptoBindings.set(element.name.text, `crypto.${imported}`);
          }
        }
        if (!ioModules.has(specifier)) break;
        if (clause?.name) ioBindings.add(clause.name.text);
        if (bindings?.kind === K.NamespaceImport) ioBindings.add(bindings.name.text);
        else if (bindings?.kind === K.NamedImports) {
          for (const element of bindings.elements) if (!pureIoMembers.has((element.propertyName ?? element.name).getText(sourceFile))) ioBindings.add(element.name.text);
        }
        break;
      }
      case K.ImportEqualsDeclaration: {
        const declaration = statement as TS.ImportEqualsDeclaration;
        const reference = declaration.moduleReference;
        if (reference.kind === K.ExternalModuleReference && ts.isStringLiteral(reference.expression) && ioModules.has(normalizeModule(reference.expression.text))) {
          ioBindings.add(declaration.name.text);
        }
        break;
      }
      case K.VariableStatement: {
        const variables = statement as TS.VariableStatement;
        const exported = hasModifierOf(statement, K.ExportKeyword);
        if (exported) hasExports = true;
        const mutable = !(variables.declarationList.flags & (ts.NodeFlags.Const | ts.NodeFlags.Using | ts.NodeFlags.AwaitUsing));
        for (const declaration of variables.declarationList.declarations) {
          const specifier = requireSpecifier(declaration.initializer);
          if (specifier !== undefined) bind(declaration.name, importedBindings);
          if (specifier !== undefined && ioModules.has(normalizeModule(specifier))) {
            if (declaration.name.kind === K.ObjectBindingPattern) {
              for (const element of declaration.name.elements) {
                const imported = (element.propertyName ?? element.name).getText(sourceFile);
                if (!pureIoMembers.has(imported)) bind(element.name, ioBindings);
              }
            } else bind(declaration.name, ioBindings);
          }
          else if (createsIoClient(declaration.initializer)) bind(declaration.name, ioBindings);
          if (mutable) {
            bind(declaration.name, moduleMutable);
            if (declaration.name.kind === K.Identifier) declaredAt.set(declaration.name.text, { start: declaration.name.getStart(sourceFile), end: declaration.name.end });
          }
          if (declaration.name.kind !== K.Identifier) continue;
          const initializer = declaration.initializer;
          if (isFunctionLike(initializer) || initializer?.kind === K.ClassExpression) {
            topDeclarations.set(declaration.name.text, {
              kind: initializer.kind === K.ClassExpression ? 'class' : 'function',
              start: declaration.name.getStart(sourceFile),
              end: declaration.name.end,
            });
          }
          if (exported) addExport(declaration.name.text, declaration.name.text);
        }
        break;
      }
      case K.FunctionDeclaration:
      case K.ClassDeclaration: {
        const declaration = statement as TS.FunctionDeclaration | TS.ClassDeclaration;
        const kind = statement.kind === K.FunctionDeclaration ? 'function' : 'class';
        if (declaration.name) {
          topDeclarations.set(declaration.name.text, { kind, start: declaration.name.getStart(sourceFile), end: declaration.name.end });
        }
        if (hasModifierOf(statement, K.ExportKeyword)) {
          hasExports = true;
          const isDefault = hasModifierOf(statement, K.DefaultKeyword);
          const local = declaration.name?.text ?? 'default';
          if (!declaration.name) topDeclarations.set('default', { kind, start: declaration.getStart(sourceFile), end: declaration.getStart(sourceFile) + 6 });
          addExport(local, isDefault ? 'default' : local);
        }
        break;
      }
      case K.ExportDeclaration: {
        const declaration = statement as TS.ExportDeclaration;
        hasExports = true;
        if (declaration.moduleSpecifier || !declaration.exportClause || declaration.exportClause.kind !== K.NamedExports) break;
        for (const element of declaration.exportClause.elements) addExport((element.propertyName ?? element.name).getText(sourceFile), element.name.getText(sourceFile));
        break;
      }
      case K.ExportAssignment: {
        const assignment = statement as TS.ExportAssignment;
        hasExports = true;
        if (assignment.expression.kind === K.Identifier) addExport((assignment.expression as TS.Identifier).text, 'default');
        // `export default { parse, format: formatDate }`: each member is reachable by tests through the default export.
        else if (assignment.expression.kind === K.ObjectLiteralExpression) addObjectExports(assignment.expression as TS.ObjectLiteralExpression);
        break;
      }
      case K.ExpressionStatement: {
        const expression = (statement as TS.ExpressionStatement).expression;
        if (expression.kind !== K.BinaryExpression) break;
        const assignment = expression as TS.BinaryExpression;
        if (assignment.operatorToken.kind !== K.EqualsToken) break;
        const target = assignment.left.getText(sourceFile);
        if (target === 'module.exports') {
          if (assignment.right.kind === K.Identifier) addExport((assignment.right as TS.Identifier).text, 'default');
          else if (assignment.right.kind === K.ObjectLiteralExpression) addObjectExports(assignment.right as TS.ObjectLiteralExpression);
        } else {
          const match = /^(?:module\.)?exports\.([\w$]+)$/.exec(target);
          if (match && assignment.right.kind === K.Identifier) addExport((assignment.right as TS.Identifier).text, match[1]);
        }
        break;
      }
    }
  }
  return { ioBindings, importedBindings, cryptoBindings, hasExports, moduleMutable, declaredAt, exportedLocals, topDeclarations };
}
