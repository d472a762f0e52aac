/**
 * The coverage fixture projects of test/fixtures/coverage: copied to a temp folder, with the
 * installed framework of test/fixtures/testing/<framework> linked, and TypeScript compiled (with
 * source maps) where the framework runs JavaScript only. Shared by the tests and `npm run bench`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../support/lsp';
import { fixturesDir } from './support';

export const coverageFixtures = path.join(repoRoot, 'test', 'fixtures', 'coverage');

/** Framework and language of every fixture that Tandem runs itself (jest has no TypeScript transform installed). */
export const runFixtures = ['mocha-js', 'mocha-ts', 'node-js', 'node-ts', 'jest-js', 'vitest-js', 'vitest-ts'];

/** The framework fixture whose installed node_modules a coverage fixture borrows. */
export const frameworkOf: Record<string, { fixture: string; package?: string }> = {
  mocha: { fixture: 'mocha', package: 'mocha' },
  node: { fixture: 'node' },
  jest: { fixture: 'jest', package: 'jest' },
  vitest: { fixture: 'vitest', package: '@vitest/coverage-v8' },
};

/** Copies a coverage fixture, links the framework's install, and compiles TypeScript where the framework needs JavaScript. */
export function copyRunFixture(name: string): string {
  const [framework, language] = name.split('-');
  const target = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `tandem-coverage-${name}-`)));
  fs.cpSync(path.join(coverageFixtures, name), target, { recursive: true });
  const modules = path.join(fixturesDir, frameworkOf[framework].fixture, 'node_modules');
  if (fs.existsSync(modules)) fs.symlinkSync(modules, path.join(target, 'node_modules'), 'dir');
  if (language === 'ts' && framework !== 'vitest') {
    const ts = require('typescript') as typeof import('typescript');
    for (const relative of ['src/pricing.ts', 'test/pricing.test.ts']) {
      const source = fs.readFileSync(path.join(target, relative), 'utf8');
      const out = path.join(target, 'out', relative.replace(/\.ts$/, '.js'));
      const output = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: true }, fileName: path.basename(relative) });
      fs.mkdirSync(path.dirname(out), { recursive: true });
      const map = JSON.parse(output.sourceMapText!);
      map.sources = [path.relative(path.dirname(out), path.join(target, relative)).split(path.sep).join('/')];
      fs.writeFileSync(out, output.outputText.replace(/\/\/# sourceMappingURL=\S+\s*$/, `//# sourceMappingURL=${path.basename(out)}.map\n`));
      fs.writeFileSync(`${out}.map`, JSON.stringify(map));
    }
  }
  return target;
}

