/**
 * A scratch copy of just what the generated tests need: the package manifest, the planned files,
 * and every module they import through relative paths (transitively, from the unsaved editor state),
 * with `node_modules` linked rather than copied. TypeScript is transpiled to JavaScript on the way
 * in, so the tests run with plain `node` whatever toolchain the project uses.
 *
 * Architecture Invariant: the server writes to disk only here, under the OS temporary folder, and
 * removes the copy when the run is over.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TypeScriptModule } from './declarations';
import type { PlannedFile } from './model';

export interface ScratchInput {
  ts: TypeScriptModule;
  folder: string;
  planned: PlannedFile[];
  /** The current text of a workspace file (open document first, then disk). */
  readText(path: string): string | undefined;
  moduleKind: 'commonjs' | 'esm';
  /** Existing test files of the workspace to copy and run as well (the tests a refactoring must keep passing). */
  extraTests?: string[];
}

export interface ScratchCopy {
  dir: string;
  /** Scratch paths of the planned test files, as runnable JavaScript. */
  testFiles: string[];
  /** Scratch paths of `extraTests`, as runnable JavaScript. */
  extraTestFiles: string[];
  /** Scratch path of a runnable file → the workspace path it came from. */
  origin: Map<string, string>;
  /** Files written, for the bench. */
  fileCount: number;
  dispose(): void;
}

const importPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]*)\1/gm;
const tsExtension = /\.(?:tsx?|mts|cts)$/;
const candidates = ['', '.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx', '.json', '/index.ts', '/index.tsx', '/index.js', '/index.mjs'];

/** Resolves a relative specifier to a file that exists in the workspace or the plan. */
function resolveImport(fromFile: string, specifier: string, exists: (p: string) => boolean): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const withoutJs = /\.[mc]?js$/.test(base) ? base.replace(/\.([mc]?)js$/, '.$1ts') : undefined;
  if (withoutJs && exists(withoutJs)) return withoutJs;
  if (withoutJs && exists(withoutJs.replace(/\.ts$/, '.tsx'))) return withoutJs.replace(/\.ts$/, '.tsx');
  for (const suffix of candidates) {
    const candidate = base + suffix;
    if (exists(candidate)) return candidate;
  }
  return undefined;
}

/** The name a workspace file has in the scratch copy (TypeScript becomes JavaScript). */
export function runnableName(relative: string): string {
  if (relative.endsWith('.d.ts')) return relative;
  if (relative.endsWith('.mts')) return relative.replace(/\.mts$/, '.mjs');
  if (relative.endsWith('.cts')) return relative.replace(/\.cts$/, '.cjs');
  return relative.replace(/\.tsx?$/, '.js');
}

export function createScratchCopy(input: ScratchInput): ScratchCopy {
  const { ts, folder } = input;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-generation-'));
  const planned = new Map(input.planned.map((f) => [f.path, f.after]));
  const textOf = (p: string) => (planned.has(p) ? planned.get(p) : input.readText(p));
  const exists = (p: string) => planned.has(p) || (p.startsWith(folder + path.sep) && !p.includes(`${path.sep}node_modules${path.sep}`) && fs.existsSync(p) && fs.statSync(p).isFile());
  const origin = new Map<string, string>();
  const extraTests = (input.extraTests ?? []).filter((file) => !planned.has(file));
  const queue = [...planned.keys(), ...extraTests];
  const seen = new Set<string>(queue);
  let fileCount = 0;
  const write = (target: string, text: string) => {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
    fileCount++;
  };
  for (let i = 0; i < queue.length && i < 2000; i++) {
    const file = queue[i];
    const text = textOf(file);
    if (text === undefined) continue;
    const relative = path.relative(folder, file);
    if (tsExtension.test(file) && !file.endsWith('.d.ts')) {
      const output = ts.transpileModule(text, {
        fileName: file,
        compilerOptions: {
          module: input.moduleKind === 'esm' || file.endsWith('.mts') ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
          jsx: ts.JsxEmit.ReactJSX,
          inlineSourceMap: true,
          inlineSources: true,
        },
      });
      const target = path.join(dir, runnableName(relative));
      write(target, output.outputText);
      origin.set(target, file);
    } else {
      const target = path.join(dir, relative);
      write(target, text);
      origin.set(target, file);
    }
    for (const match of text.matchAll(importPattern)) {
      const resolved = resolveImport(file, match[2], exists);
      if (resolved && !seen.has(resolved)) {
        seen.add(resolved);
        queue.push(resolved);
      }
    }
  }
  for (const manifest of ['package.json']) {
    const source = path.join(folder, manifest);
    if (fs.existsSync(source)) write(path.join(dir, manifest), fs.readFileSync(source, 'utf8'));
  }
  const modules = path.join(folder, 'node_modules');
  if (fs.existsSync(modules)) fs.symlinkSync(modules, path.join(dir, 'node_modules'), 'junction');
  const testFiles = input.planned.filter((f) => f.isTest).map((f) => path.join(dir, runnableName(path.relative(folder, f.path))));
  const extraTestFiles = extraTests.map((file) => path.join(dir, runnableName(path.relative(folder, file))));
  return {
    dir,
    testFiles,
    extraTestFiles,
    origin,
    fileCount,
    dispose: () => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 }),
  };
}
