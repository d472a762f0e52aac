/**
 * The least index that still obeys the trace's rules, as a floor for the full index: walk the
 * folder, read every file, find the comment regions and test calls of code files with Tandem's own
 * scanner (a tag inside a string is not a tag; a test counts by its title), take the comment tags,
 * OpenFastTrace tags and IDs in test titles, the requirement headings of Markdown files with their
 * `Needs:` lines, and count each requirement as covered, untested or unimplemented. It keeps no
 * spans, no texts, no symbols, no problems and no OpenFastTrace semantics: everything the full
 * index keeps beyond this is measured by `full index / least index`.
 *
 * Run in a fresh process by bench/trace.ts as `trace-least.js DIR THREADS`. With two threads the
 * files are shared between the main thread and one worker, which hands its IDs back as strings.
 */
import * as fs from 'node:fs';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { languageOf } from '../server/src/trace/languages';
import { scanCode } from '../server/src/trace/scan';
import { walkFiles } from './walk';

/**
 * What one thread found, each list joined by newlines: the requirements defined and what each
 * needs (its `Needs:` line, or nothing), the IDs implemented, the IDs tested.
 */
interface Found {
  defined: string;
  needs: string;
  implemented: string;
  tested: string;
}

function readAll(files: string[]): Found {
  // A requirement heading, or the `Needs:` line of the requirement above it.
  const markdown = /^(?:#{1,6}[ \t]+([A-Z][A-Z0-9]*-\d+)\b|Needs:[ \t]*(.*)$)/gm;
  // A comment tag; an OpenFastTrace tag (its covering type and target). Two passes: one
  // expression with both alternatives takes a third longer here.
  const commentTag = /@(implements|verifies|req)\b[ \t]*([A-Z][A-Z0-9]*-\d+)/g;
  const oftTag = /\[(\w+)(?:~[^\]\s]*)?->([^\]\s]+)\]/g;
  const idInTitle = /\b[A-Z][A-Z0-9]*-\d+\b/g;
  const defined: string[] = [];
  const needs: string[] = [];
  const implemented: string[] = [];
  const tested: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.md')) {
      markdown.lastIndex = 0;
      const first = defined.length;
      for (let m = markdown.exec(text); m; m = markdown.exec(text)) {
        if (m[1] !== undefined) needs[defined.push(m[1]) - 1] = '';
        else if (defined.length > first) needs[defined.length - 1] = m[2];
      }
      continue;
    }
    const syntax = languageOf(file);
    if (!syntax) continue;
    const isTest = /\.(test|spec)\.[^./]+$/.test(file);
    const scan = scanCode(text, syntax, isTest);
    const regions = scan.comments;
    for (const tag of [commentTag, oftTag]) {
      let region = 0;
      tag.lastIndex = 0;
      for (let m = tag.exec(text); m; m = tag.exec(text)) {
        while (region < regions.length && regions[region + 1] <= m.index) region += 2;
        if (region >= regions.length || regions[region] > m.index) continue;
        if (tag === oftTag) (m[1] === 'impl' ? implemented : tested).push(m[2]);
        else (m[1] === 'implements' || (m[1] === 'req' && !isTest) ? implemented : tested).push(m[2]);
      }
    }
    for (const test of scan.tests) {
      idInTitle.lastIndex = 0;
      for (let m = idInTitle.exec(test.title); m; m = idInTitle.exec(test.title)) tested.push(m[0]);
    }
  }
  return { defined: defined.join('\n'), needs: needs.join('\n'), implemented: implemented.join('\n'), tested: tested.join('\n') };
}

function ids(joined: string): string[] {
  return joined === '' ? [] : joined.split('\n');
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  const threads = Number(process.argv[3] ?? 1);
  const started = performance.now();
  // The worker starts first, so that its start-up overlaps the walk.
  const worker = threads > 1 ? new Worker(__filename) : undefined;
  const files = walkFiles(dir);
  let found: Found[];
  if (worker) {
    const theirs = new Promise<Found>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    worker.postMessage(files.filter((_, i) => i % 2 === 1));
    const mine = readAll(files.filter((_, i) => i % 2 === 0));
    found = [mine, await theirs];
  } else {
    found = [readAll(files)];
  }
  const implemented = new Set<string>();
  const tested = new Set<string>();
  for (const part of found) {
    for (const id of ids(part.implemented)) implemented.add(id);
    for (const id of ids(part.tested)) tested.add(id);
  }
  const byStatus = { covered: 0, untested: 0, unimplemented: 0 };
  // What a `Needs:` line asks for, read once per distinct line: no line means an implementation and a test.
  const asks = new Map<string, { implementation: boolean; test: boolean }>();
  for (const part of found) {
    const defined = ids(part.defined);
    const needs = part.needs.split('\n');
    for (let i = 0; i < defined.length; i++) {
      let ask = asks.get(needs[i]);
      if (!ask) {
        const types = needs[i].split(',').map((need) => need.trim()).filter((need) => need !== '');
        ask = { implementation: types.length === 0 || types.includes('impl'), test: types.length === 0 || types.some((need) => need !== 'impl') };
        asks.set(needs[i], ask);
      }
      const id = defined[i];
      if (ask.implementation && !implemented.has(id)) byStatus.unimplemented++;
      else if (ask.test && !tested.has(id)) byStatus.untested++;
      else byStatus.covered++;
    }
  }
  const ms = performance.now() - started;
  await worker?.terminate();
  process.stdout.write(JSON.stringify({ ms, files: files.length, byStatus }));
}

if (isMainThread) {
  void main();
} else {
  parentPort!.once('message', (files: string[]) => parentPort!.postMessage(readAll(files)));
}
