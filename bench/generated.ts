/**
 * How well `generatedReason` tells minified and generated files from hand-written ones, on the
 * JavaScript and CSS installed from npm in this checkout's `node_modules` (versions fixed by the
 * lockfile). `bench/generated/labels.tsv` holds a random sample of what it flags, plus every file
 * flagged by content alone, labelled by reading the file (`generated` or `hand`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generatedReason } from '../server/src/workspace/generated';
import type { BenchRow } from './types';

const repoRoot = path.resolve(__dirname, '..', '..');
const modules = path.join(repoRoot, 'node_modules');

function corpus(): string[] {
  const files: string[] = [];
  const pending = [modules];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (/\.(?:m?js|cjs|ts|css)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(full);
    }
  }
  return files.sort();
}

export async function benchGenerated(): Promise<BenchRow[]> {
  const labels = fs
    .readFileSync(path.join(repoRoot, 'bench', 'generated', 'labels.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'));
  const files = corpus();
  let flagged = 0;
  let byContent = 0;
  const started = performance.now();
  for (const file of files) {
    const reason = generatedReason(file, fs.readFileSync(file, 'utf8'));
    if (!reason) continue;
    flagged++;
    if (reason.startsWith('its lines')) byContent++;
  }
  const ms = performance.now() - started;
  let judged = 0;
  let right = 0;
  for (const [file, verdict] of labels) {
    const full = path.join(modules, file);
    if (!fs.existsSync(full)) continue;
    const says = generatedReason(full, fs.readFileSync(full, 'utf8')) !== undefined;
    judged++;
    if (says === (verdict === 'generated')) right++;
  }
  return [
    { name: 'files flagged minified or generated', value: flagged, unit: 'files', note: `of ${files.length} .js/.css/.ts files in node_modules; ${byContent} by line length alone` },
    { name: 'agreement with the labels', value: judged ? (100 * right) / judged : NaN, unit: '%', note: `${right} of ${judged} labelled files (bench/generated/labels.tsv)` },
    { name: 'detection time per file', value: (1000 * ms) / Math.max(1, files.length), unit: 'µs', note: 'reading excluded' },
  ];
}
