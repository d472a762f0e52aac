/**
 * The types a declaration touches, found by the TypeScript program rather than by name: every type
 * its signature (parameters, return type, type parameters, heritage, and for a class its
 * constructor and property types) refers to, followed through imports, re-exports and aliases, and
 * one level further into the members of those types. Only project code counts; the standard
 * library and `node_modules` are left to the model's knowledge.
 */
import * as path from 'node:path';
import type * as TS from 'typescript';
import type { TypeScriptModule } from './declarations';

export interface TouchedType {
  path: string;
  name: string;
  text: string;
}

const maxTypes = 10;
const maxChars = 3000;

/** The declaration node named `name` or `Class.member` at the top level of a file. */
function findDeclaration(ts: TypeScriptModule, source: TS.SourceFile, name: string): TS.Node | undefined {
  const [outer, member] = name.split('.');
  for (const statement of source.statements) {
    if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement)) && statement.name?.text === outer) {
      if (!member) return statement;
      if (ts.isClassDeclaration(statement)) return statement.members.find((m) => (member === 'constructor' ? ts.isConstructorDeclaration(m) : m.name !== undefined && ts.isIdentifier(m.name) && m.name.text === member));
    }
    if (ts.isVariableStatement(statement) && !member) {
      const found = statement.declarationList.declarations.find((d) => ts.isIdentifier(d.name) && d.name.text === outer);
      if (found) return found;
    }
  }
  return undefined;
}

/** The parts of a declaration that make up its signature, where type references are collected. */
function signatureParts(ts: TypeScriptModule, node: TS.Node): TS.Node[] {
  const parts: TS.Node[] = [];
  const fn = ts.isVariableDeclaration(node) ? node.initializer : node;
  if (ts.isVariableDeclaration(node) && node.type) parts.push(node.type);
  if (fn && (ts.isFunctionLike(fn) || ts.isClassLike(fn))) {
    const typeParameters = (fn as { typeParameters?: TS.NodeArray<TS.TypeParameterDeclaration> }).typeParameters;
    if (typeParameters) parts.push(...typeParameters);
    if (ts.isFunctionLike(fn)) {
      parts.push(...fn.parameters);
      if (fn.type) parts.push(fn.type);
    }
    if (ts.isClassLike(fn)) {
      parts.push(...(fn.heritageClauses ?? []));
      for (const member of fn.members) {
        if (ts.isConstructorDeclaration(member)) parts.push(...member.parameters);
        else if (ts.isPropertyDeclaration(member) && member.type) parts.push(member.type);
      }
    }
  }
  if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) parts.push(node);
  return parts;
}

function typeNamesIn(ts: TypeScriptModule, nodes: TS.Node[]): TS.Node[] {
  const names: TS.Node[] = [];
  const visit = (node: TS.Node) => {
    if (ts.isTypeReferenceNode(node)) names.push(node.typeName);
    else if (ts.isExpressionWithTypeArguments(node)) names.push(node.expression);
    else if (ts.isTypeQueryNode(node)) names.push(node.exprName);
    ts.forEachChild(node, visit);
  };
  nodes.forEach(visit);
  return names;
}

export function typesTouched(ts: TypeScriptModule, program: TS.Program, filePath: string, symbol: string): TouchedType[] {
  const source = program.getSourceFile(filePath);
  if (!source) return [];
  const declaration = findDeclaration(ts, source, symbol);
  if (!declaration) return [];
  const checker = program.getTypeChecker();
  const found: TouchedType[] = [];
  const seen = new Set<TS.Node>([declaration]);
  let frontier: TS.Node[] = signatureParts(ts, declaration);
  for (let depth = 0; depth < 2 && frontier.length > 0 && found.length < maxTypes; depth++) {
    const next: TS.Node[] = [];
    for (const name of typeNamesIn(ts, frontier)) {
      let target = checker.getSymbolAtLocation(name);
      if (target && target.flags & ts.SymbolFlags.Alias) target = checker.getAliasedSymbol(target);
      for (const decl of target?.declarations ?? []) {
        if (seen.has(decl) || found.length >= maxTypes) continue;
        seen.add(decl);
        const file = decl.getSourceFile();
        if (program.isSourceFileDefaultLibrary(file) || program.isSourceFileFromExternalLibrary(file) || file.fileName.includes('/node_modules/')) continue;
        if (!(ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl) || ts.isClassDeclaration(decl) || ts.isEnumDeclaration(decl))) continue;
        const text = file.text.slice(decl.getStart(), decl.end);
        found.push({ path: path.resolve(file.fileName), name: decl.name?.text ?? '', text: text.length > maxChars ? `${text.slice(0, maxChars)}\n…` : text });
        if (!ts.isClassDeclaration(decl)) next.push(decl);
      }
    }
    frontier = next;
  }
  return found;
}
