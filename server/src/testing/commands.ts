/**
 * The command line of a test run for each framework: its own CLI, our reporter on the result
 * channel, the files and the name filter. Colour is off and watch modes are never entered.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunPlan } from './model';

const reportersDir = path.join(__dirname, 'reporters');

/** A private folder (created once per process) for the generated mocha configs. */
let scratchDir: string | undefined;

/** Escapes text for a regular expression that must match it literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** One pattern matching exactly these full titles. */
function exactTitlesPattern(names: string[]): string {
  return `^(${names.map(escapeRegExp).join('|')})$`;
}

/**
 * A mocha config that is the package's own without its `spec` list: mocha adds the files named on
 * the command line to `spec` rather than replacing it, so running one file needs the list removed.
 * The config is loaded by mocha's own loader inside the child, so every config format works.
 */
function mochaConfigWithoutSpec(plan: RunPlan): string {
  const frameworkDir = path.dirname(path.dirname(plan.framework.entry!));
  scratchDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-mocha-'));
  const file = path.join(scratchDir, `${createHash('sha1').update(plan.framework.packageDir).digest('hex').slice(0, 16)}.cjs`);
  const source = `'use strict';
// Written by Tandem: the package's mocha configuration without its spec list.
const path = require('node:path');
const fs = require('node:fs');
const frameworkDir = ${JSON.stringify(frameworkDir)};
const packageDir = ${JSON.stringify(plan.framework.packageDir)};
let loader;
for (const name of ['lib/cli/config.cjs', 'lib/cli/config.js']) {
  try { loader = require(path.join(frameworkDir, name)); break; } catch {}
}
let config = {};
const found = loader && loader.findConfig(packageDir);
if (found) config = loader.loadConfig(found) || {};
try {
  const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  if (manifest.mocha && typeof manifest.mocha === 'object') config = { ...manifest.mocha, ...config };
} catch {}
delete config.spec;
delete config._;
delete config.watch;
delete config.parallel;
delete config.reporter;
module.exports = config;
`;
  fs.writeFileSync(file, source);
  return file;
}

/** The argv (after the Node executable) that runs a plan; `extra` are the framework's own options (coverage). */
export function commandLine(plan: RunPlan, extra: readonly string[] = []): string[] {
  const { framework, files } = plan;
  const testNames = plan.tests.map((titles) => titles.join(' '));
  switch (framework.name) {
    case 'mocha': {
      const args = [framework.entry!, '--reporter', path.join(reportersDir, 'mocha.js'), '--no-color'];
      if (files.length > 0) args.push('--config', mochaConfigWithoutSpec(plan), '--no-package');
      if (testNames.length > 0) args.push('--grep', exactTitlesPattern(testNames));
      return [...args, ...files];
    }
    case 'jest': {
      const args = [framework.entry!, `--reporters=${path.join(reportersDir, 'jest.js')}`, '--testLocationInResults', '--ci', '--watchAll=false', '--watchman=false', '--colors=false', ...extra];
      if (testNames.length > 0) args.push(`--testNamePattern=${exactTitlesPattern(testNames)}`);
      if (files.length > 0) args.push('--runTestsByPath', ...files);
      return args;
    }
    case 'vitest': {
      const args = [framework.entry!, 'run', `--reporter=${path.join(reportersDir, 'vitest.js')}`, '--includeTaskLocation', '--watch=false', '--color=false', ...extra];
      if (testNames.length > 0) args.push(`--testNamePattern=${exactTitlesPattern(testNames)}`);
      return [...args, ...files];
    }
    case 'node': {
      const args = ['--test', `--test-reporter=${path.join(reportersDir, 'nodeTest.js')}`, '--test-reporter-destination=stdout'];
      // node:test matches each test's own name, not the full title, and runs a whole suite whose name matches.
      if (testNames.length > 0) args.push(`--test-name-pattern=${exactTitlesPattern(plan.tests.map((titles) => titles[titles.length - 1]))}`);
      return [...extra, ...args, ...files];
    }
  }
}
