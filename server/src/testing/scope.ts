/**
 * Scope planning: what a "run these tests" request means in child processes. A scope (one test,
 * a file, a requirement's tests, the tests affected by changed modules, everything) becomes test
 * files with the tests to run in each, then one plan per package and filter. Plain paths only:
 * the LSP edge turns URIs into paths before it asks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectFramework, findPackageDir, isMissing } from './detect';
import { isCodeFile, type ImportGraph } from './importGraph';
import { matchDeclared, type DeclaredTest } from './locate';
import type { FrameworkInfo, FrameworkName, RunPlan, RunProblem } from './model';
import type { TestingSettings } from './settings';

/** A scope with its files as paths: the plain form of the protocol's `RunTestsParams`. */
export interface PlainScope {
  scope: string;
  file?: string;
  testName?: string;
  id?: string;
  files?: string[];
}

/** What planning needs to know about the workspace. */
export interface ScopeHost {
  folders(): string[];
  folderOf(file: string): string | undefined;
  workspaceFiles(): string[];
  isTestFile(file: string): boolean;
  declaredTests(file: string): DeclaredTest[];
  settings(file?: string): TestingSettings;
  /** The tests linked to a requirement (test file and title, when the link names one); undefined when no requirement has the ID. */
  testsOfRequirement(id: string): { file: string; testName?: string }[] | undefined;
  imports: ImportGraph;
}

/** A test file, and the tests in it to run (empty: all of them). */
export interface RunTarget {
  file: string;
  tests: string[][];
}

/** The test files (and tests in them) a scope stands for; `wholePackages` run as their own configuration selects. */
export function targetsOf(host: ScopeHost, params: PlainScope): { targets: RunTarget[]; wholePackages: string[]; problems: RunProblem[] } {
  const problems: RunProblem[] = [];
  const targets: RunTarget[] = [];
  const wholePackages: string[] = [];
  switch (params.scope) {
    case 'test': {
      const file = params.file;
      if (!file || !params.testName) {
        problems.push({ message: 'scope "test" needs uri and testName' });
        break;
      }
      const declared = host.declaredTests(file);
      const matches = matchDeclared(declared, params.testName);
      // A title the scan cannot see (computed) is passed whole; a suite without visible tests runs its file.
      targets.push({ file, tests: matches.length > 0 ? leavesUnder(declared, matches) : [[params.testName]] });
      break;
    }
    case 'file': {
      if (!params.file) problems.push({ message: 'scope "file" needs the uri of a test file' });
      else targets.push({ file: params.file, tests: [] });
      break;
    }
    case 'requirement': {
      if (!params.id) {
        problems.push({ message: 'scope "requirement" needs id' });
        break;
      }
      const links = host.testsOfRequirement(params.id);
      if (!links) {
        problems.push({ message: `no requirement has the ID ${params.id}` });
        break;
      }
      const byFile = new Map<string, string[][] | 'all'>();
      for (const link of links) {
        const file = link.file;
        if (!isCodeFile(file)) continue;
        if (!link.testName) {
          byFile.set(file, 'all');
          continue;
        }
        const existing = byFile.get(file);
        if (existing === 'all') continue;
        const declared = host.declaredTests(file);
        const matches = matchDeclared(declared, link.testName);
        const tests = matches.length > 0 ? leavesUnder(declared, matches) : [[link.testName]];
        byFile.set(file, [...(existing ?? []), ...tests]);
      }
      for (const [file, tests] of byFile) targets.push({ file, tests: tests === 'all' ? [] : dedupeTitles(tests) });
      if (targets.length === 0) problems.push({ message: `${params.id} has no tests Tandem can run (JavaScript or TypeScript test files)` });
      break;
    }
    case 'affected': {
      const changed = params.files ?? (params.file ? [params.file] : []);
      for (const file of host.imports.affectedTests(changed, (candidate) => host.isTestFile(candidate))) targets.push({ file, tests: [] });
      break;
    }
    case 'all': {
      const within = params.file;
      const packages = new Set<string>();
      for (const folder of host.folders()) {
        if (within && host.folderOf(within) !== folder) continue;
        if (fs.existsSync(path.join(folder, 'package.json'))) packages.add(folder);
      }
      for (const file of host.workspaceFiles()) {
        if (within && !file.startsWith(within)) continue;
        if (!host.isTestFile(file)) continue;
        const packageDir = findPackageDir(file, host.folderOf(file));
        if (packageDir) packages.add(packageDir);
      }
      wholePackages.push(...packages);
      break;
    }
    default:
      problems.push({ message: `unknown scope ${String(params.scope)}` });
  }
  return { targets, wholePackages, problems };
}

/** The runnable tests (leaves) a set of declared tests and suites stands for. */
export function leavesUnder(declared: readonly DeclaredTest[], chosen: readonly DeclaredTest[]): string[][] {
  const leaves: string[][] = [];
  for (const test of chosen) {
    if (!test.isSuite) {
      leaves.push(test.titles);
      continue;
    }
    for (const inner of declared) {
      if (!inner.isSuite && inner.titles.length > test.titles.length && test.titles.every((title, i) => inner.titles[i] === title)) leaves.push(inner.titles);
    }
  }
  return dedupeTitles(leaves);
}

function dedupeTitles(list: string[][]): string[][] {
  const seen = new Set<string>();
  return list.filter((titles) => {
    const key = titles.join('\u0000');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One plan per package and filter: whole files together, named tests of one file together. */
export function plansOf(host: Pick<ScopeHost, 'folderOf' | 'settings'>, targets: RunTarget[], wholePackages: string[]): { plans: RunPlan[]; problems: RunProblem[] } {
  const problems: RunProblem[] = [];
  const frameworks = new Map<string, FrameworkInfo | undefined>();
  const frameworkOf = (packageDir: string, forFile?: string): FrameworkInfo | undefined => {
    if (frameworks.has(packageDir)) return frameworks.get(packageDir);
    const forced = host.settings(packageDir).framework;
    const detected = detectFramework(packageDir, forced === 'auto' ? undefined : (forced as FrameworkName));
    let info: FrameworkInfo | undefined;
    if (!detected) problems.push({ file: forFile, message: `no test framework found for ${packageDir}: name mocha, jest, vitest or node --test in package.json` });
    else if (isMissing(detected)) problems.push({ file: forFile, message: detected.problem });
    else info = detected;
    frameworks.set(packageDir, info);
    return info;
  };
  const plans: RunPlan[] = [];
  for (const packageDir of wholePackages) {
    const framework = frameworkOf(packageDir);
    if (framework) plans.push({ framework, files: [], tests: [] });
  }
  const wholeFiles = new Map<string, string[]>();
  for (const target of targets) {
    const packageDir = findPackageDir(target.file, host.folderOf(target.file));
    if (!packageDir) {
      problems.push({ file: target.file, message: `${target.file} is in no package (no package.json above it)` });
      continue;
    }
    if (wholePackages.includes(packageDir)) continue;
    const framework = frameworkOf(packageDir, target.file);
    if (!framework) continue;
    if (target.tests.length === 0) {
      const files = wholeFiles.get(packageDir) ?? [];
      files.push(target.file);
      wholeFiles.set(packageDir, files);
    } else plans.push({ framework, files: [target.file], tests: target.tests });
  }
  for (const [packageDir, files] of wholeFiles) plans.push({ framework: frameworks.get(packageDir)!, files: [...new Set(files)], tests: [] });
  return { plans, problems };
}
