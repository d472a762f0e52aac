/**
 * The precision corpus of the testability rules: the packages pinned in `bench/precision/packages.json`,
 * installed from npm into a scratch folder outside the repository (kept between runs, reinstalled
 * when a pinned version changes), and the package's own source files under the listed roots.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface CorpusPackage {
  name: string;
  version: string;
  roots: string[];
}

export interface CorpusFile {
  packageName: string;
  version: string;
  /** Path relative to the package's folder, with `/`. */
  relative: string;
  path: string;
  text: string;
}

const repoRoot = path.resolve(__dirname, '..', '..');
export const corpusList = path.join(repoRoot, 'bench', 'precision', 'packages.json');
export const labelsFile = path.join(repoRoot, 'bench', 'precision', 'labels.tsv');

export function corpusPackages(): CorpusPackage[] {
  return (JSON.parse(fs.readFileSync(corpusList, 'utf8')) as { packages: CorpusPackage[] }).packages;
}

/** Where the corpus is installed: `TANDEM_PRECISION_DIR`, or a folder in the system's temporary directory. */
export function corpusDirectory(): string {
  return process.env.TANDEM_PRECISION_DIR ?? path.join(os.tmpdir(), 'tandem-precision-corpus');
}

function installedVersion(dir: string, name: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Installs whatever pinned package is missing or at another version; throws with npm's words when it fails. */
export function installCorpus(): string {
  const dir = corpusDirectory();
  const packages = corpusPackages();
  const missing = packages.filter((item) => installedVersion(dir, item.name) !== item.version);
  if (missing.length === 0) return dir;
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(path.join(dir, 'package.json'))) fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "tandem-precision-corpus", "private": true }\n');
  process.stdout.write(`Installing the precision corpus (${missing.map((item) => `${item.name}@${item.version}`).join(', ')}) into ${dir}… `);
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', '--save-exact', ...packages.map((item) => `${item.name}@${item.version}`)], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (result.status !== 0) throw new Error(`npm install of the precision corpus failed (exit ${result.status}): ${String(result.stderr).slice(-1500)}`);
  process.stdout.write('done\n');
  return dir;
}

const sourcePattern = /\.(?:[cm]?js|[cm]?ts)$/;
const skipped = /(?:^|\/)(?:tests?|__tests__|node_modules)(?:\/|$)|\.d\.[cm]?ts$|\.(?:test|spec)\.[cm]?[jt]s$|\.min\.js$/;

function listUnder(base: string, relative: string, into: string[]): void {
  const full = path.join(base, relative);
  const stat = fs.statSync(full, { throwIfNoEntry: false });
  if (!stat) return;
  if (stat.isFile()) {
    if (sourcePattern.test(relative) && !skipped.test(relative)) into.push(relative);
    return;
  }
  const pending = [relative];
  while (pending.length > 0) {
    const folder = pending.pop()!;
    for (const entry of fs.readdirSync(path.join(base, folder), { withFileTypes: true })) {
      const child = `${folder}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skipped.test(`${child}/`)) pending.push(child);
      } else if (entry.isFile() && sourcePattern.test(entry.name) && !skipped.test(child)) into.push(child);
    }
  }
}

/** Every source file of the corpus, installing it first when needed; sorted by package and path. */
export function corpusFiles(): CorpusFile[] {
  const dir = installCorpus();
  const files: CorpusFile[] = [];
  for (const item of corpusPackages()) {
    const base = path.join(dir, 'node_modules', item.name);
    const relatives: string[] = [];
    for (const root of item.roots) listUnder(base, root, relatives);
    for (const relative of relatives.sort()) {
      const file = path.join(base, relative);
      files.push({ packageName: item.name, version: item.version, relative, path: file, text: fs.readFileSync(file, 'utf8') });
    }
  }
  return files;
}
