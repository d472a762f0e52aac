/**
 * Lazy access to the `typescript` module and the few facts about files that every part of the
 * analysis shares. Loading `typescript` costs about 250 ms, so it happens on the first analysis,
 * never when the server starts.
 */
import type * as TS from 'typescript';

export type TypeScript = typeof TS;

let loaded: TypeScript | undefined;

/** The `typescript` module, loaded on first use. */
export function loadTypeScript(): TypeScript {
  loaded ??= require('typescript') as TypeScript;
  return loaded;
}

const scriptExtensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'] as const;

/** True for the JavaScript and TypeScript files the rules analyse (declaration files excluded). */
export function isAnalyzablePath(filePath: string): boolean {
  const lower = filePath.toLowerCase();
  if (/\.d\.[cm]?ts$/.test(lower)) return false;
  return scriptExtensions.some((extension) => lower.endsWith(extension));
}

/** True for TypeScript sources, where fixes may write type syntax. */
export function isTypeScriptPath(filePath: string): boolean {
  return /\.[cm]?tsx?$/i.test(filePath);
}

export function scriptKindOf(ts: TypeScript, filePath: string): TS.ScriptKind {
  const lower = filePath.toLowerCase();
  if (lower.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (lower.endsWith('.jsx')) return ts.ScriptKind.JSX;
  if (/\.[cm]?ts$/.test(lower)) return ts.ScriptKind.TS;
  return ts.ScriptKind.JS;
}

/**
 * Parses one file without binding or type checking. The rules walk without parent pointers (that
 * keeps analysis near the cost of parsing); fixes ask for them.
 */
export function parseSource(ts: TypeScript, filePath: string, text: string, withParents = false): TS.SourceFile {
  return ts.createSourceFile(filePath, text, ts.ScriptTarget.Latest, withParents, scriptKindOf(ts, filePath));
}
