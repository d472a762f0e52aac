/**
 * Which test framework a package uses, from its `package.json` and config files, and where the
 * framework's command-line entry is installed (resolved as Node would from the package, so hoisted
 * monorepo installs are found).
 *
 * Evidence is weighed in order: the `test` script names a framework; a framework's config file
 * is present; the framework is a dependency. `node --test` needs no install.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameworkInfo, FrameworkMissing, FrameworkName } from './model';
import { parseJson } from '../trace/nesting';

const configFiles: Record<Exclude<FrameworkName, 'node'>, RegExp> = {
  vitest: /^vitest\.(config|workspace)\.[cm]?[jt]s$/,
  jest: /^jest\.config\.([cm]?[jt]s|json)$/,
  mocha: /^\.mocharc\.([cm]?js|ya?ml|jsonc?)$/,
};

/** The command-line entry of each framework, relative to its package folder. */
const entries: Record<Exclude<FrameworkName, 'node'>, string> = {
  mocha: 'bin/mocha.js',
  jest: 'bin/jest.js',
  vitest: 'vitest.mjs',
};

interface Manifest {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  jest?: unknown;
  mocha?: unknown;
}

function readManifest(packageDir: string): Manifest | undefined {
  try {
    const value = parseJson(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as Manifest | undefined;
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The nearest folder at or above `file` that holds a `package.json`, not above `stopAt`. */
export function findPackageDir(file: string, stopAt?: string): string | undefined {
  let dir = fs.existsSync(file) && fs.statSync(file).isDirectory() ? file : path.dirname(file);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir || (stopAt !== undefined && path.resolve(dir) === path.resolve(stopAt))) return undefined;
    dir = parent;
  }
}

/** Names the framework a package uses and why, without checking that it is installed. */
export function chooseFramework(packageDir: string, forced?: FrameworkName): { name: FrameworkName; reason: string } | undefined {
  if (forced) return { name: forced, reason: 'set by testing.framework' };
  const manifest = readManifest(packageDir);
  if (!manifest) return undefined;
  const script = manifest.scripts?.test ?? '';
  if (/\bvitest\b/.test(script)) return { name: 'vitest', reason: 'the test script runs vitest' };
  if (/\bjest\b/.test(script)) return { name: 'jest', reason: 'the test script runs jest' };
  if (/\bmocha\b/.test(script)) return { name: 'mocha', reason: 'the test script runs mocha' };
  if (/\bnode\b[^&|;]*\s--test\b/.test(script)) return { name: 'node', reason: 'the test script runs node --test' };
  let names: string[] = [];
  try {
    names = fs.readdirSync(packageDir);
  } catch {
    return undefined;
  }
  for (const framework of ['vitest', 'jest', 'mocha'] as const) {
    const config = names.find((name) => configFiles[framework].test(name));
    if (config) return { name: framework, reason: `${config} is present` };
  }
  if (manifest.jest !== undefined) return { name: 'jest', reason: 'package.json has a jest section' };
  if (manifest.mocha !== undefined) return { name: 'mocha', reason: 'package.json has a mocha section' };
  const deps = { ...manifest.dependencies, ...manifest.devDependencies };
  for (const framework of ['vitest', 'jest', 'mocha'] as const) {
    if (framework in deps) return { name: framework, reason: `${framework} is a dependency` };
  }
  return undefined;
}

/**
 * Detects the framework of the package in `packageDir` and finds its installed entry, looking from
 * `resolvePaths` (default: the package itself; a scratch copy passes the project it copies).
 * Returns a `FrameworkMissing` when the package names a framework that is not installed, and
 * undefined when it names none.
 */
export function detectFramework(packageDir: string, forced?: FrameworkName, resolvePaths: string[] = [packageDir]): FrameworkInfo | FrameworkMissing | undefined {
  const chosen = chooseFramework(packageDir, forced);
  if (!chosen) return undefined;
  if (chosen.name === 'node') return { name: 'node', packageDir, reason: chosen.reason, version: process.versions.node };
  try {
    const manifestPath = require.resolve(`${chosen.name}/package.json`, { paths: resolvePaths });
    const frameworkDir = path.dirname(manifestPath);
    const version = JSON.parse(fs.readFileSync(manifestPath, 'utf8')).version as string | undefined;
    const entry = path.join(frameworkDir, entries[chosen.name]);
    if (!fs.existsSync(entry)) throw new Error(`${entry} does not exist`);
    return { name: chosen.name, packageDir, entry, version, reason: chosen.reason };
  } catch {
    return {
      name: chosen.name,
      packageDir,
      reason: chosen.reason,
      problem: `${chosen.name} is not installed in ${packageDir}: install the package's dependencies to run its tests`,
    };
  }
}

export function isMissing(detected: FrameworkInfo | FrameworkMissing | undefined): detected is FrameworkMissing {
  return !!detected && 'problem' in detected;
}
