/**
 * The `offline` provider: no model, no network. From a requirement's acceptance criteria it writes
 * one pending test per criterion, tagged `@verifies`, that imports the code under test and
 * asserts, and an implementation stub tagged `@implements` that throws until someone writes it,
 * so the trace shows the gap at once. For a
 * stub or an untested symbol it writes pending tests for the symbol. It answers in the same
 * output format a model would, so its answer goes through the same checks.
 */
import { formatAnswer } from '../format';
import type { ChatMessage, ModelAnswer, ProposedFile } from '../model';
import type { GenerationTask } from '../task';
import { estimateTokens, ModelError, type ModelProvider } from './provider';

/** `Export orders as CSV` → `exportOrdersAsCsv`; a safe identifier whatever the title. */
export function identifierFrom(title: string, fallback: string): string {
  const words = title.replace(/[^A-Za-z0-9 ]+/g, ' ').trim().split(/\s+/).filter(Boolean).slice(0, 5);
  const name = words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1).toLowerCase())).join('');
  return /^[A-Za-z_]/.test(name) ? name : fallback;
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\s+/g, ' ').trim()}'`;
}

/**
 * A pending test in the framework's own words: skipped (or `todo`), yet it uses the code under
 * test and asserts, so the test file imports what it tests and the reader sees what to write.
 */
function pendingTest(framework: GenerationTask['framework'], title: string, subject: string, assertName: string, indent: string): string {
  const inner = `${indent}  `;
  const note = `${inner}// Call ${subject} as this criterion describes, then assert what it says.\n`;
  switch (framework) {
    case 'mocha':
      return `${indent}it.skip(${quote(title)}, () => {\n${note}${inner}${assertName}.equal(typeof ${subject}, 'function');\n${indent}});`;
    case 'node:test':
      return `${indent}it(${quote(title)}, { todo: true }, () => {\n${note}${inner}${assertName}.equal(typeof ${subject}, 'function');\n${indent}});`;
    case 'jest':
    case 'vitest':
      return `${indent}test.skip(${quote(title)}, () => {\n${note}${inner}expect(typeof ${subject}).toBe('function');\n${indent}});`;
  }
}

function frameworkImports(task: GenerationTask): string {
  if (task.framework === 'node:test') return task.moduleKind === 'esm' || task.language === 'ts' ? "import { describe, it } from 'node:test';\n" : "const { describe, it } = require('node:test');\n";
  if (task.framework === 'vitest') return "import { describe, expect, test } from 'vitest';\n";
  return '';
}

/** The imported name of `Class.method` or `name`. */
function importedName(symbol: string): string {
  return symbol.split('.')[0];
}

/**
 * How the skeleton imports the code under test and the assertion module. A new file imports at
 * its top; tests appended to an existing file must not clash with its own imports: CommonJS
 * requires inside the new `describe`, modules import under names of their own.
 */
function skeletonImports(task: GenerationTask, name: string, from: string, suffix: string): { top: string; inside: string; subject: string; assertName: string } {
  const usesAssert = task.framework === 'mocha' || task.framework === 'node:test';
  const commonjs = task.moduleKind === 'commonjs' && task.language === 'js';
  if (!task.testPathExists) {
    const assertLine = usesAssert ? (commonjs ? "const assert = require('node:assert/strict');\n" : "import { strict as assert } from 'node:assert';\n") : '';
    return { top: `${frameworkImports(task)}${assertLine}${task.importHint}\n`, inside: '', subject: name, assertName: 'assert' };
  }
  if (commonjs) {
    const assertLine = usesAssert ? "  const assert = require('node:assert/strict');\n" : '';
    return { top: '', inside: `${assertLine}  const { ${name} } = require('${from}');\n`, subject: name, assertName: 'assert' };
  }
  const subject = `${name}${suffix}`;
  const assertName = `assert${suffix}`;
  const assertLine = usesAssert ? `import { strict as ${assertName} } from 'node:assert';\n` : '';
  return { top: `${assertLine}import { ${name} as ${subject} } from '${from}';\n`, inside: '', subject, assertName };
}

/** The module specifier in the task's import hint (`'../src/slugify'`). */
function specifierOf(task: GenerationTask): string {
  return /(?:from|require\()\s*'([^']+)'/.exec(task.importHint)?.[1] ?? `./${task.sourcePath}`;
}

export function offlineFiles(task: GenerationTask): ProposedFile[] {
  const files: ProposedFile[] = [];
  const requirement = task.requirement;
  const tag = requirement ? ` @verifies ${requirement.id}` : '';
  const from = specifierOf(task);
  if (requirement) {
    const criteria = requirement.acceptanceCriteria.length > 0 ? requirement.acceptanceCriteria : [requirement.title];
    const name = task.target ? importedName(task.target.symbol) : identifierFrom(requirement.title, 'implementRequirement');
    if (!task.target) {
      const signature = task.language === 'ts' ? `export function ${name}(): never` : `function ${name}()`;
      const exportLine = task.language === 'js' && task.moduleKind === 'commonjs' ? `\nmodule.exports = { ${name} };\n` : '';
      const body = `/**\n * ${requirement.title}\n * @implements ${requirement.id}\n */\n${task.language === 'js' && task.moduleKind === 'esm' ? 'export ' : ''}${signature} {\n  throw new Error(${quote(`not implemented: ${requirement.id}`)});\n}\n${exportLine}`;
      files.push({ path: task.sourcePath, action: 'create', text: body, line: 0 });
    }
    const imports = skeletonImports(task, name, from, `For${identifierFrom(requirement.id, 'Requirement').replace(/^./, (c) => c.toUpperCase())}`);
    const tests = criteria.map((c) => pendingTest(task.framework, c, imports.subject, imports.assertName, '  ')).join('\n');
    files.push({
      path: task.testPath,
      action: task.testPathExists ? 'append' : 'create',
      text: `${imports.top}\n//${tag}\ndescribe(${quote(`${requirement.id}: ${requirement.title}`)}, () => {\n${imports.inside}${tests}\n});\n`,
      line: 0,
    });
    return files;
  }
  if (task.target) {
    const symbol = task.target.symbol;
    const name = importedName(symbol);
    const imports = skeletonImports(task, name, from, 'UnderTest');
    const titles = [`${symbol} handles a typical input`, `${symbol} handles edge cases`, `${symbol} rejects invalid input`];
    files.push({
      path: task.testPath,
      action: task.testPathExists ? 'append' : 'create',
      text: `${imports.top}\ndescribe(${quote(symbol)}, () => {\n${imports.inside}${titles.map((t) => pendingTest(task.framework, t, imports.subject, imports.assertName, '  ')).join('\n')}\n});\n`,
      line: 0,
    });
  }
  return files;
}

export class OfflineProvider implements ModelProvider {
  readonly name = 'offline' as const;
  readonly model = undefined;

  constructor(private readonly task: GenerationTask) {}

  async complete(messages: ChatMessage[], signal: AbortSignal): Promise<ModelAnswer> {
    if (signal.aborted) throw new ModelError('cancelled', 'Cancelled.', 0);
    if (this.task.kind === 'refactor') {
      throw new ModelError('model', 'Refactoring needs a model: set generation.model (and generation.baseURL for your own endpoint).', 0);
    }
    const files = offlineFiles(this.task);
    if (files.length === 0) throw new ModelError('model', 'The offline provider needs a requirement or a symbol to write skeletons for.', 0);
    const text = formatAnswer(files, this.task.language);
    return { text, tokensIn: estimateTokens(messages.map((m) => m.content).join('\n')), tokensOut: estimateTokens(text), ms: 0, requests: 0 };
  }
}
