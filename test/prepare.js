#!/usr/bin/env node
/**
 * Installs what the test suite needs beyond the root's own dependencies, only where it is missing:
 * the test-run fixture projects (real mocha, jest, vitest) and the VS Code client's packages (for
 * its type-check against @types/vscode). Run by `npm test` before the build, so a fresh clone needs
 * nothing else. Under CI=true a failed install fails the run; elsewhere the tests that need it skip.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const fixtures = spawnSync(process.execPath, [path.join(root, 'test', 'fixtures', 'testing', 'install.js')], { stdio: 'inherit' });
let failed = fixtures.status !== 0;

const vscode = path.join(root, 'clients', 'vscode');
if (!fs.existsSync(path.join(vscode, 'node_modules'))) {
  process.stdout.write('Installing the VS Code client’s packages… ');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: vscode, stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status === 0) process.stdout.write('done\n');
  else {
    failed = true;
    process.stdout.write(`failed (exit ${result.status})\n${String(result.stderr).slice(-2000)}\n`);
  }
}
process.exitCode = failed && process.env.CI === 'true' ? 1 : 0;
