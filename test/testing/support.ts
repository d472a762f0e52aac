/**
 * Support for the test-run tests: fixture projects copied to a temp folder with their installed
 * node_modules linked rather than copied, the check that a framework is installed (skip with a
 * reason, or fail under CI=true), and markers in fixture files.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../support/lsp';

export const fixturesDir = path.join(repoRoot, 'test', 'fixtures', 'testing');

/** The frameworks with a fixture project, and the package each needs installed (none for node:test). */
export const fixtureFrameworks = [
  { name: 'mocha', package: 'mocha' },
  { name: 'node', package: undefined },
  { name: 'jest', package: 'jest' },
  { name: 'vitest', package: 'vitest' },
] as const;

/**
 * Why a fixture cannot run, or undefined when it can. Under CI=true a missing install throws, so a
 * CI job never passes by skipping.
 */
export function missingInstall(fixture: string, packageName: string | undefined): string | undefined {
  if (!packageName) return undefined;
  const manifest = path.join(fixturesDir, fixture, 'node_modules', packageName, 'package.json');
  if (fs.existsSync(manifest)) return undefined;
  const reason = `${packageName} is not installed in test/fixtures/testing/${fixture} (run node test/fixtures/testing/install.js)`;
  if (process.env.CI === 'true') throw new Error(`${reason}; under CI=true the fixture must be installed`);
  return reason;
}

/** Copies a fixture project to a fresh temp folder, linking its node_modules; returns the real path. */
export function copyProject(fixture: string, extraFiles: Record<string, string> = {}): string {
  const source = path.join(fixturesDir, fixture);
  const target = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `tandem-testing-${fixture}-`)));
  fs.cpSync(source, target, { recursive: true, filter: (from) => path.basename(from) !== 'node_modules' });
  if (fs.existsSync(path.join(source, 'node_modules'))) fs.symlinkSync(path.join(source, 'node_modules'), path.join(target, 'node_modules'), 'dir');
  for (const [relative, content] of Object.entries(extraFiles)) {
    fs.mkdirSync(path.dirname(path.join(target, relative)), { recursive: true });
    fs.writeFileSync(path.join(target, relative), content);
  }
  return target;
}

export function removeProject(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The zero-based line and column of a marker comment (`$name`) in a file: the start of its line's code. */
export function markerLine(file: string, marker: string): { line: number; text: string } {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex((text) => text.includes(`// ${marker}`));
  if (line < 0) throw new Error(`marker ${marker} not found in ${file}`);
  return { line, text: lines[line] };
}
