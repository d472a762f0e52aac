/**
 * The `offline` provider: no model, no network. From a requirement's acceptance criteria it writes
 * one pending test per criterion, tagged `@verifies`, and an implementation stub tagged
 * `@implements` that throws until someone writes it, so the trace shows the gap at once. For a
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

/** A pending test in the framework's own words. */
function pendingTest(framework: GenerationTask['framework'], title: string, indent: string): string {
  switch (framework) {
    case 'mocha':
      return `${indent}it(${quote(title)});`;
    case 'node:test':
      return `${indent}it(${quote(title)}, { todo: true });`;
    case 'jest':
    case 'vitest':
      return `${indent}test.todo(${quote(title)});`;
  }
}

function frameworkImports(task: GenerationTask): string {
  if (task.framework === 'node:test') return task.moduleKind === 'esm' || task.language === 'ts' ? "import { describe, it } from 'node:test';\n" : "const { describe, it } = require('node:test');\n";
  if (task.framework === 'vitest') return "import { describe, test } from 'vitest';\n";
  return '';
}

export function offlineFiles(task: GenerationTask): ProposedFile[] {
  const files: ProposedFile[] = [];
  const requirement = task.requirement;
  const tag = requirement ? ` @verifies ${requirement.id}` : '';
  if (requirement) {
    const criteria = requirement.acceptanceCriteria.length > 0 ? requirement.acceptanceCriteria : [requirement.title];
    if (!task.target) {
      const name = identifierFrom(requirement.title, 'implementRequirement');
      const signature = task.language === 'ts' ? `export function ${name}(): never` : `function ${name}()`;
      const exportLine = task.language === 'js' && task.moduleKind === 'commonjs' ? `\nmodule.exports = { ${name} };\n` : '';
      const body = `/**\n * ${requirement.title}\n * @implements ${requirement.id}\n */\n${task.language === 'js' && task.moduleKind === 'esm' ? 'export ' : ''}${signature} {\n  throw new Error(${quote(`not implemented: ${requirement.id}`)});\n}\n${exportLine}`;
      files.push({ path: task.sourcePath, action: 'create', text: body, line: 0 });
    }
    const tests = criteria.map((c) => pendingTest(task.framework, c, '  ')).join('\n');
    files.push({
      path: task.testPath,
      action: task.testPathExists ? 'append' : 'create',
      text: `${task.testPathExists ? '' : frameworkImports(task)}\n//${tag}\ndescribe(${quote(`${requirement.id}: ${requirement.title}`)}, () => {\n${tests}\n});\n`,
      line: 0,
    });
    return files;
  }
  if (task.target) {
    const symbol = task.target.symbol;
    const titles = [`${symbol} handles a typical input`, `${symbol} handles edge cases`, `${symbol} rejects invalid input`];
    files.push({
      path: task.testPath,
      action: task.testPathExists ? 'append' : 'create',
      text: `${task.testPathExists ? '' : frameworkImports(task)}\ndescribe(${quote(symbol)}, () => {\n${titles.map((t) => pendingTest(task.framework, t, '  ')).join('\n')}\n});\n`,
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
