/**
 * A generated workspace in the shape of the trace benchmark: Markdown requirements (`## REQ-n:`
 * headings, each with text, `Needs: impl, utest` and acceptance criteria) spread over a few files,
 * and source files whose functions carry `@implements` tags, beside test files whose tests carry
 * `@verifies` tags and IDs in their titles. Every requirement is implemented once and verified once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TraceCorpusOptions {
  /** Requirements in all (20,000). */
  requirements?: number;
  /** Markdown files they are spread over (40). */
  requirementFiles?: number;
  /** Source and test files (2,000; half of each). */
  sourceFiles?: number;
  /** Tags per source or test file (20). */
  tagsPerFile?: number;
}

export interface TraceCorpus {
  files: string[];
  requirements: number;
  tags: number;
}

export function generateTraceCorpus(dir: string, options: TraceCorpusOptions = {}): TraceCorpus {
  const requirements = options.requirements ?? 20000;
  const requirementFiles = options.requirementFiles ?? 40;
  const sourceFiles = options.sourceFiles ?? 2000;
  const tagsPerFile = options.tagsPerFile ?? 20;
  const files: string[] = [];
  fs.mkdirSync(path.join(dir, 'docs'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });

  const perFile = Math.ceil(requirements / requirementFiles);
  for (let f = 0; f < requirementFiles; f++) {
    const parts = [`# Requirements, part ${f + 1}\n`];
    for (let n = f * perFile + 1; n <= Math.min(requirements, (f + 1) * perFile); n++) {
      parts.push(
        `## REQ-${n}: Requirement number ${n}\n\n` +
          `The system shall handle case ${n} and record the outcome for audit.\n\n` +
          'Needs: impl, utest\n\n' +
          `- Given case ${n}, when it is handled, then the outcome is recorded.\n`,
      );
    }
    const file = path.join(dir, 'docs', `requirements-${String(f + 1).padStart(2, '0')}.md`);
    fs.writeFileSync(file, parts.join('\n'));
    files.push(file);
  }

  const pairs = Math.floor(sourceFiles / 2);
  let tags = 0;
  let next = 0;
  const nextId = (): number => (next++ % requirements) + 1;
  for (let f = 0; f < pairs; f++) {
    const name = `module-${String(f + 1).padStart(4, '0')}`;
    const source: string[] = ["import { strict as assert } from 'node:assert';\n"];
    const test: string[] = [`import * as m from './${name}';\n`, `describe('${name}', () => {`];
    for (let t = 0; t < tagsPerFile; t++) {
      const id = nextId();
      source.push(
        `/**\n * Handles case ${id}.\n * @implements REQ-${id}\n */\nexport function handle${id}(input: string): string {\n  assert.ok(input.length > 0, 'input must not be empty');\n  return \`case ${id}: \${input}\`;\n}\n`,
      );
      test.push(`  // @verifies REQ-${id}\n  it('REQ-${id} handles its case', () => {\n    m.handle${id}('x');\n  });\n`);
      tags += 2;
    }
    test.push('});\n');
    const sourceFile = path.join(dir, 'src', `${name}.ts`);
    const testFile = path.join(dir, 'src', `${name}.test.ts`);
    fs.writeFileSync(sourceFile, source.join('\n'));
    fs.writeFileSync(testFile, test.join('\n'));
    files.push(sourceFile, testFile);
  }
  return { files, requirements, tags };
}

export interface OftCorpusOptions {
  /** Multiplies every count (1: 20,000 items in 40 files, 40,000 tags in 2,000 files). */
  scale?: number;
}

/**
 * The same shape written the OpenFastTrace way: `req~rN~1` specification items in Markdown files
 * (a heading, the ID on its own line, text, `Needs: impl, utest`), and Java sources and tests whose
 * comments hold `[impl->req~rN~1]` and `[utest->req~rN~1]`. Every item is covered by one
 * implementation and one test, so OpenFastTrace's own verdict is "all covered".
 */
export function generateOftCorpus(dir: string, options: OftCorpusOptions = {}): TraceCorpus {
  const scale = options.scale ?? 1;
  const requirements = 20000 * scale;
  const requirementFiles = 40 * scale;
  const pairs = 1000 * scale;
  const tagsPerFile = 20;
  const files: string[] = [];
  const main = path.join(dir, 'src', 'main', 'java', 'org', 'example');
  const test = path.join(dir, 'src', 'test', 'java', 'org', 'example');
  fs.mkdirSync(path.join(dir, 'doc'), { recursive: true });
  fs.mkdirSync(main, { recursive: true });
  fs.mkdirSync(test, { recursive: true });

  const perFile = Math.ceil(requirements / requirementFiles);
  for (let f = 0; f < requirementFiles; f++) {
    const parts = [`# System requirements, part ${f + 1}\n`];
    for (let n = f * perFile + 1; n <= Math.min(requirements, (f + 1) * perFile); n++) {
      parts.push(
        `### Requirement ${n}\n` +
          '`' + `req~r${n}~1` + '`\n\n' +
          `The system shall handle case ${n} and record the outcome for audit.\n\n` +
          'Needs: impl, utest\n',
      );
    }
    const file = path.join(dir, 'doc', `system_requirements_${String(f + 1).padStart(2, '0')}.md`);
    fs.writeFileSync(file, parts.join('\n'));
    files.push(file);
  }

  let tags = 0;
  let next = 0;
  const nextId = (): number => (next++ % requirements) + 1;
  for (let f = 0; f < pairs; f++) {
    const name = `Module${String(f + 1).padStart(4, '0')}`;
    const source: string[] = ['package org.example;\n', `public class ${name} {`];
    const tests: string[] = ['package org.example;\n', 'import static org.junit.jupiter.api.Assertions.assertEquals;\n', 'import org.junit.jupiter.api.Test;\n', `class ${name}Test {`];
    for (let t = 0; t < tagsPerFile; t++) {
      const id = nextId();
      source.push(`    // [impl->req~r${id}~1]\n    public String handle${id}(final String input) {\n        return "case ${id}: " + input;\n    }\n`);
      tests.push(`    // [utest->req~r${id}~1]\n    @Test\n    void testHandle${id}() {\n        assertEquals("case ${id}: x", new ${name}().handle${id}("x"));\n    }\n`);
      tags += 2;
    }
    source.push('}\n');
    tests.push('}\n');
    const sourceFile = path.join(main, `${name}.java`);
    const testFile = path.join(test, `${name}Test.java`);
    fs.writeFileSync(sourceFile, source.join('\n'));
    fs.writeFileSync(testFile, tests.join('\n'));
    files.push(sourceFile, testFile);
  }
  return { files, requirements, tags };
}
