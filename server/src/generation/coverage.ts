/**
 * Line coverage of one symbol, measured inside the sandbox and with no dependency. Node's own
 * coverage (`NODE_V8_COVERAGE`, the inspector) is switched off under the permission model, so the
 * scratch copy of the target is instrumented instead: before each statement of the symbol a call
 * records that statement's line, and a preloaded script writes the recorded lines into the scratch
 * copy when the test process exits. A line of the symbol counts as executed when a statement on it
 * ran.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as TS from 'typescript';
import type { TypeScriptModule } from './declarations';

const hit = '__tandemCoverageHit';

/** Written into the scratch copy and loaded with `--require` before the tests. */
export function coveragePreload(outputFile: string): string {
  return `'use strict';
const fs = require('node:fs');
const lines = new Set();
globalThis.${hit} = (line) => { lines.add(line); };
process.on('exit', () => {
  try { fs.writeFileSync(${JSON.stringify(outputFile)}, JSON.stringify([...lines])); } catch {}
});
`;
}

/** The declaration of `symbol` (`name` or `Class.method`) in a script. */
function declarationOf(ts: TypeScriptModule, source: TS.SourceFile, symbol: string): TS.Node | undefined {
  const [owner, member] = symbol.split('.');
  let found: TS.Node | undefined;
  const visit = (node: TS.Node, depth: number): void => {
    if (found || depth > 8) return;
    const named = (node as TS.Node & { name?: TS.Node }).name;
    const name = named && ts.isIdentifier(named) ? named.text : undefined;
    if (!member && name === owner && (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isVariableDeclaration(node))) found = node;
    else if (member && name === owner && ts.isClassDeclaration(node)) found = node.members.find((m) => m.name && ts.isIdentifier(m.name) && m.name.text === member) ?? node;
    else ts.forEachChild(node, (child) => visit(child, depth + 1));
  };
  visit(source, 0);
  return found;
}

export interface Instrumented {
  text: string;
  /** Distinct lines (1-based, of the script) that hold a statement of the symbol. */
  lines: number[];
}

/**
 * The script with a hit call before every statement of `symbol` (and around an arrow function's
 * expression body); undefined when the symbol is not found. Only statement lists are touched, so
 * the program means what it meant.
 */
export function instrument(ts: TypeScriptModule, file: string, text: string, symbol: string): Instrumented | undefined {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const declaration = declarationOf(ts, source, symbol);
  if (!declaration) return undefined;
  const inserts: { at: number; text: string }[] = [];
  const lines = new Set<number>();
  const lineOf = (node: TS.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const visit = (node: TS.Node, depth: number): void => {
    if (depth > 200) return;
    if (ts.isBlock(node) || ts.isCaseClause(node) || ts.isDefaultClause(node)) {
      for (const statement of node.statements) {
        const line = lineOf(statement);
        lines.add(line);
        inserts.push({ at: statement.getStart(source), text: `${hit}(${line}); ` });
      }
    } else if (ts.isArrowFunction(node) && !ts.isBlock(node.body)) {
      const line = lineOf(node.body);
      lines.add(line);
      inserts.push({ at: node.body.getStart(source), text: `(${hit}(${line}), ` }, { at: node.body.end, text: ')' });
    }
    ts.forEachChild(node, (child) => visit(child, depth + 1));
  };
  visit(declaration, 0);
  let out = text;
  for (const insert of inserts.sort((a, b) => b.at - a.at)) out = out.slice(0, insert.at) + insert.text + out.slice(insert.at);
  return { text: out, lines: [...lines].sort((a, b) => a - b) };
}

/** Instruments the runnable copy of the target in place; the lines it holds, or undefined. */
export function instrumentFile(ts: TypeScriptModule, file: string, symbol: string): number[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const done = instrument(ts, file, text, symbol);
  if (!done) return undefined;
  fs.writeFileSync(file, done.text);
  return done.lines;
}

/** The lines a run recorded, as indexes into `lines`. */
export function coveredLines(outputFile: string, lines: number[]): Set<number> {
  const covered = new Set<number>();
  let recorded: unknown;
  try {
    recorded = JSON.parse(fs.readFileSync(outputFile, 'utf8'));
  } catch {
    return covered;
  }
  if (!Array.isArray(recorded)) return covered;
  for (const line of recorded.slice(0, 100_000)) {
    const index = lines.indexOf(Number(line));
    if (index >= 0) covered.add(index);
  }
  return covered;
}

export const coverageFiles = (dir: string) => ({ preload: path.join(dir, '.tandem-coverage.cjs'), output: path.join(dir, '.tandem-coverage.json') });
