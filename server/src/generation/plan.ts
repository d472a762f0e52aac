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
    const body = file.text.replace(/\n$/, '');
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
