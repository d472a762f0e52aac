/**
 * What one generation run is about, gathered from the workspace before the model is asked: the
 * requirement, the target symbol, the framework and module conventions, and the context sections
 * that may go into the prompt. Plain data: the prompt, the offline provider and the report all
 * read it.
 */
import type { GenerationKind, TestFramework } from './model';

/** A piece of workspace text that may go into the prompt, most important first by `priority`. */
export interface ContextSection {
  title: string;
  /** Workspace-relative path the text comes from, when it comes from one file. */
  path?: string;
  text: string;
  /** 0 is never dropped (only cut); higher numbers are dropped first when the budget is short. */
  priority: number;
}

export interface RequirementContext {
  id: string;
  title: string;
  text: string;
  acceptanceCriteria: string[];
}

export interface TargetContext {
  /** Workspace-relative path of the file holding the symbol. */
  path: string;
  symbol: string;
  kind: 'function' | 'method' | 'class';
  signature: string;
  docComment?: string;
  isStub: boolean;
  exported: boolean;
  /** The declaration's current text. */
  code: string;
}

export interface GenerationTask {
  kind: GenerationKind;
  /** `Implement REQ-3 with tests`, `Generate tests for parseOrder`… */
  title: string;
  /** The workspace folder every path is relative to. */
  folder: string;
  requirement?: RequirementContext;
  target?: TargetContext;
  /** `refactor`: the testability finding to remove. */
  finding?: { code: string; message: string };
  framework: TestFramework;
  moduleKind: 'commonjs' | 'esm';
  language: 'ts' | 'js';
  /** Where new tests go by the project's conventions (workspace-relative). */
  testPath: string;
  /** True when `testPath` exists already (tests are then appended to it). */
  testPathExists: boolean;
  /** Where a new module goes when there is no target (workspace-relative). */
  sourcePath: string;
  /** How the tests import the code under test, e.g. `import { slugify } from '../src/slugify';`. */
  importHint: string;
  sections: ContextSection[];
  /** Characters of the whole files the sections were drawn from (what sending whole files would cost). */
  wholeFileChars: number;
  /** Titles of every test the project already has, to drop a generated test that repeats one. */
  existingTestTitles: string[];
  /** Normalized bodies of the project's tests, for the same purpose. */
  existingTestBodies: string[];
}
