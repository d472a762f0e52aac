/**
 * Turns the file blocks of an answer into planned changes against the workspace's current text
 * (unsaved editor state included), refusing what must never happen: a path outside the workspace,
 * a new file over an existing one, a REPLACE of code that is not a stub. Generated code and tests
 * are tagged with the requirement they serve when the answer forgot to.
 */
import type { DeclarationInfo, TypeScriptModule } from './declarations';
import { listDeclarations, parseSource } from './declarations';
import type { GenerationCheckIssue, PlannedFile, ProposedFile, TextChange } from './model';
import { resolveProposedPath } from './paths';

export interface PlanInput {
  folder: string;
  files: ProposedFile[];
  /** The current text of a file (open document first), undefined when it does not exist. */
  readText(path: string): string | undefined;
  /** Whether a workspace-relative path is a test file by the settings. */
  isTestPath(relative: string): boolean;
  ts: TypeScriptModule;
  /** `path#symbol` keys a REPLACE may target although they are not stubs (the symbol being refactored). */
  replaceable?: ReadonlySet<string>;
  /** The requirement the code implements and the tests verify; tags are added when missing. */
  requirementId?: string;
}

export interface Plan {
  planned: PlannedFile[];
  issues: GenerationCheckIssue[];
}

function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

/** Adds a tag comment naming the requirement when the block does not already carry one. */
function tagged(text: string, requirementId: string | undefined, isTest: boolean, indent: string): string {
  if (!requirementId) return text;
  const tag = isTest ? '@verifies' : '@implements';
  const escaped = requirementId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (new RegExp(`@(?:${isTest ? 'verifies' : 'implements'}|req)\\s+${escaped}\\b`).test(text)) return text;
  if (isTest && new RegExp(`['"\`][^'"\`\\n]*\\b${escaped}\\b`).test(text)) return text;
  return `// ${tag} ${requirementId}\n${indent}${text}`;
}

/**
 * The block without its leading doc comment when the declaration has one: that comment (with the
 * tags a reviewer saw) stays above the declaration, and one doc comment is kept, not two.
 */
function withoutRepeatedDoc(text: string, docComment: string | undefined): string {
  if (!docComment) return text;
  const leading = /^\s*\/\*\*[\s\S]*?\*\/[ \t]*\r?\n/.exec(text);
  return leading ? text.slice(leading[0].length) : text;
}

/** Top-level names (declarations and imports) of a text, with the TypeScript parser. */
function topLevelNames(ts: TypeScriptModule, path: string, text: string): Set<string> {
  const source = parseSource(ts, path, text);
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.add(element.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) names.add(declaration.name.text);
        else for (const element of declaration.name.elements) if (!ts.isOmittedExpression(element) && ts.isIdentifier(element.name)) names.add(element.name.text);
      }
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) && statement.name) {
      names.add(statement.name.text);
    }
  }
  return names;
}

/** Names an appended block declares at the top level that the file already declares (a load error in JavaScript). */
function redeclaredNames(ts: TypeScriptModule, path: string, before: string, block: string): string[] {
  if (!/\.[mc]?[jt]sx?$/.test(path)) return [];
  const existing = topLevelNames(ts, path, before);
  return [...topLevelNames(ts, path, block)].filter((name) => existing.has(name));
}

export function planAnswer(input: PlanInput): Plan {
  const issues: GenerationCheckIssue[] = [];
  const byPath = new Map<string, PlannedFile>();
  const declarationsCache = new Map<string, DeclarationInfo[]>();
  for (const file of input.files) {
    const resolved = resolveProposedPath(input.folder, file.path);
    if (!resolved.ok) {
      issues.push({ check: 'paths', path: file.path, line: file.line, message: resolved.reason, blocking: true });
      continue;
    }
    const isTest = input.isTestPath(resolved.relative);
    let planned = byPath.get(resolved.path);
    if (!planned) {
      const before = input.readText(resolved.path);
      planned = { path: resolved.path, relative: resolved.relative, before, after: before ?? '', changes: [], isTest };
      byPath.set(resolved.path, planned);
    }
    const before = planned.before;
    const action = file.action === 'append' && before === undefined ? 'create' : file.action;
    if (action === 'create') {
      if (before !== undefined) {
        issues.push({
          check: 'overwrite',
          path: resolved.relative,
          line: file.line,
          message: `${resolved.relative} already exists and CREATE would overwrite it; use APPEND to add to it or REPLACE <symbol> for a stub`,
          blocking: true,
        });
        continue;
      }
      if (planned.changes.some((c) => c.start === 0 && c.end === 0)) {
        issues.push({ check: 'format', path: resolved.relative, line: file.line, message: `${resolved.relative} is created twice`, blocking: true });
        continue;
      }
      planned.changes.push({ start: 0, end: 0, text: tagged(file.text, input.requirementId, isTest, ''), label: `New file ${resolved.relative}` });
      continue;
    }
    if (before === undefined) {
      issues.push({ check: 'paths', path: resolved.relative, line: file.line, message: `${resolved.relative} does not exist, so there is nothing to REPLACE in it`, blocking: true });
      continue;
    }
    if (action === 'append') {
      const redeclared = redeclaredNames(input.ts, resolved.path, before, file.text);
      if (redeclared.length > 0) {
        issues.push({
          check: 'format',
          path: resolved.relative,
          line: file.line,
          message: `${resolved.relative} APPEND redeclares ${redeclared.join(', ')}, which the file already declares; APPEND only the new code, without repeating its imports or declarations`,
          blocking: true,
        });
        continue;
      }
      const separator = before.length === 0 || before.endsWith('\n\n') ? '' : before.endsWith('\n') ? '\n' : '\n\n';
      planned.changes.push({
        start: before.length,
        end: before.length,
        text: separator + tagged(file.text, input.requirementId, isTest, ''),
        label: `${isTest ? 'Tests' : 'Code'} added at the end of ${resolved.relative}`,
      });
      continue;
    }
    let declarations = declarationsCache.get(resolved.path);
    if (!declarations) {
      declarations = listDeclarations(input.ts, parseSource(input.ts, resolved.path, before));
      declarationsCache.set(resolved.path, declarations);
    }
    const target = declarations.find((d) => d.name === file.symbol);
    if (!target) {
      issues.push({ check: 'paths', path: resolved.relative, line: file.line, message: `${resolved.relative} declares no ${file.symbol} to REPLACE`, blocking: true });
      continue;
    }
    const allowed = target.isStub || input.replaceable?.has(`${resolved.path}#${target.name}`);
    if (!allowed) {
      issues.push({
        check: 'overwrite',
        path: resolved.relative,
        line: file.line,
        message: `${target.name} in ${resolved.relative} is implemented already and REPLACE would overwrite it; only stubs may be replaced`,
        blocking: true,
      });
      continue;
    }
    const indent = indentAt(before, target.start);
    // The doc comment above the declaration stays; a block that repeats it keeps one copy.
    const body = withoutRepeatedDoc(file.text, target.docComment).replace(/\n$/, '');
    const reindented = indent && !body.startsWith(indent) ? body.split('\n').map((line, i) => (i === 0 || line === '' ? line : indent + line)).join('\n') : body.replace(/^[ \t]+/, '');
    // The doc comment above a stub is kept, and a tag already written there still binds.
    const above = target.docComment ?? '';
    const tagAbove = input.requirementId !== undefined && new RegExp(`@(?:implements|req)\\s+${input.requirementId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(above);
    planned.changes.push({
      start: target.start,
      end: target.end,
      text: tagAbove ? reindented : tagged(reindented, input.requirementId, isTest, indent),
      label: target.isStub ? `Implementation of the stub ${target.name}` : `Refactoring of ${target.name}`,
    });
  }
  const planned: PlannedFile[] = [];
  for (const file of byPath.values()) {
    if (file.changes.length === 0) continue;
    const sorted = [...file.changes].sort((a, b) => a.start - b.start);
    const overlap = sorted.find((c, i) => i > 0 && c.start < sorted[i - 1].end);
    if (overlap) {
      issues.push({ check: 'format', path: file.relative, message: `two blocks change the same code in ${file.relative}`, blocking: true });
      continue;
    }
    file.changes = sorted;
    file.after = applyChanges(file.before ?? '', sorted);
    planned.push(file);
  }
  return { planned, issues };
}

/** Applies non-overlapping changes sorted by start. */
export function applyChanges(text: string, changes: readonly TextChange[]): string {
  let out = '';
  let at = 0;
  for (const change of changes) {
    out += text.slice(at, change.start) + change.text;
    at = change.end;
  }
  return out + text.slice(at);
}

/** Where each change landed in the text after all changes: offsets into `after`. */
export function changedRanges(changes: readonly TextChange[]): { start: number; end: number }[] {
  let shift = 0;
  return changes.map((change) => {
    const start = change.start + shift;
    shift += change.text.length - (change.end - change.start);
    return { start, end: start + change.text.length };
  });
}
