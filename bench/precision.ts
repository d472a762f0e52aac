/**
 * Precision of every file-local testability rule on real code: the corpus of `bench/precision/packages.json`
 * (installed from npm), every rule turned on, and the verdicts of `bench/precision/labels.tsv` — a
 * random sample of each rule's findings, labelled by reading the code (`tp`: a test of that code
 * really is hindered as the message says; `fp`: it is not), one line each with its reason.
 *
 * A label matches a finding by package, file, line and rule. Precision is the share of true
 * findings among the labelled findings the rules still report; the figures say how many findings
 * each rule has and how many of them are labelled, so a stale or thin sample shows.
 *
 * `node out/bench/precision.js` prints the table; `node out/bench/precision.js sample <rule|all> <count> [seed]`
 * prints unlabelled findings picked at random (with the code around them), to be labelled.
 */
import * as fs from 'node:fs';
import type * as TS from 'typescript';
import { analyzeTestability, testabilitySettingsDefaults, testabilityRuleCodes, type TestabilityFinding, type TestabilitySettings } from '../server/src/testability';
import { corpusFiles, labelsFile, type CorpusFile } from './precision-corpus';
import { printRows, type BenchRow } from './types';

export interface Label {
  packageName: string;
  version: string;
  file: string;
  line: number;
  rule: string;
  verdict: 'tp' | 'fp';
  reason: string;
}

export interface CorpusFinding {
  file: CorpusFile;
  finding: TestabilityFinding;
  /** One-based line of the finding's start. */
  line: number;
}

export function readLabels(): Label[] {
  if (!fs.existsSync(labelsFile)) return [];
  const labels: Label[] = [];
  for (const row of fs.readFileSync(labelsFile, 'utf8').split('\n').slice(1)) {
    if (row.trim() === '' || row.startsWith('#')) continue;
    const [packageName, version, file, line, rule, verdict, reason] = row.split('\t');
    if (verdict !== 'tp' && verdict !== 'fp') throw new Error(`labels.tsv: verdict must be tp or fp, not "${verdict}" in: ${row}`);
    labels.push({ packageName, version, file, line: Number(line), rule, verdict, reason: reason ?? '' });
  }
  return labels;
}

const labelKey = (packageName: string, file: string, line: number, rule: string) => `${packageName}\t${file}\t${line}\t${rule}`;

/** The defaults with every rule on (a rule that is off by default is measured at `information`). */
export function measuredSettings(): TestabilitySettings {
  const rules = { ...testabilitySettingsDefaults.rules };
  for (const code of testabilityRuleCodes) if (rules[code].severity === 'off') rules[code] = { ...rules[code], severity: 'information' };
  return { ...testabilitySettingsDefaults, rules };
}

export function corpusFindings(files: CorpusFile[], ts: typeof TS, settings = measuredSettings()): CorpusFinding[] {
  const out: CorpusFinding[] = [];
  for (const file of files) {
    for (const finding of analyzeTestability({ path: file.path, text: file.text, settings, ts })) out.push({ file, finding, line: finding.span.start.line + 1 });
  }
  return out;
}

export interface RulePrecision {
  rule: string;
  findings: number;
  labelled: number;
  truePositives: number;
  precision: number;
  defaultSeverity: string;
}

export function precisionByRule(found: CorpusFinding[], labels: Label[]): RulePrecision[] {
  const byKey = new Map(labels.map((label) => [labelKey(label.packageName, label.file, label.line, label.rule), label]));
  const rules: RulePrecision[] = [];
  for (const rule of testabilityRuleCodes) {
    if (rule === 'untested-export' || rule === 'untested-requirement') continue;
    const mine = found.filter((item) => item.finding.code === rule);
    const verdicts = mine.map((item) => byKey.get(labelKey(item.file.packageName, item.file.relative, item.line, rule))).filter((label): label is Label => !!label);
    const truePositives = verdicts.filter((label) => label.verdict === 'tp').length;
    rules.push({
      rule,
      findings: mine.length,
      labelled: verdicts.length,
      truePositives,
      precision: verdicts.length === 0 ? NaN : truePositives / verdicts.length,
      defaultSeverity: testabilitySettingsDefaults.rules[rule].severity,
    });
  }
  return rules;
}

export async function benchPrecision(): Promise<BenchRow[]> {
  const ts = require('typescript') as typeof TS;
  const files = corpusFiles();
  const packages = new Set(files.map((file) => `${file.packageName}@${file.version}`));
  const lines = files.reduce((sum, file) => sum + file.text.split('\n').length, 0);
  const found = corpusFindings(files, ts);
  const labels = readLabels();
  const rows: BenchRow[] = [{ name: 'precision corpus', value: files.length, unit: 'files', note: `${lines} lines of ${packages.size} packages: ${[...packages].join(', ')}` }];
  let labelled = 0;
  let truePositives = 0;
  for (const rule of precisionByRule(found, labels)) {
    labelled += rule.labelled;
    truePositives += rule.truePositives;
    rows.push({
      name: `precision: ${rule.rule}`,
      value: rule.labelled === 0 ? NaN : Math.round(rule.precision * 1000) / 10,
      unit: rule.labelled === 0 ? '' : '%',
      note: `${rule.truePositives}/${rule.labelled} labelled true of ${rule.findings} findings; default ${rule.defaultSeverity}${rule.labelled > 0 && rule.precision < 0.9 && rule.defaultSeverity !== 'off' ? ' — BELOW 90%' : ''}`,
    });
  }
  rows.push({ name: 'precision: all labelled findings', value: labelled === 0 ? NaN : Math.round((truePositives / labelled) * 1000) / 10, unit: '%', note: `${truePositives}/${labelled}; ${found.length} findings in all` });
  return rows;
}

/** A seeded generator, so a sample can be drawn again. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function printSample(rule: string, count: number, seed: number): void {
  const ts = require('typescript') as typeof TS;
  const labels = readLabels();
  const known = new Set(labels.map((label) => labelKey(label.packageName, label.file, label.line, label.rule)));
  const found = corpusFindings(corpusFiles(), ts).filter(
    (item) => (rule === 'all' || item.finding.code === rule) && !known.has(labelKey(item.file.packageName, item.file.relative, item.line, item.finding.code)),
  );
  const next = random(seed);
  const byRule = new Map<string, CorpusFinding[]>();
  for (const item of found) byRule.set(item.finding.code, [...(byRule.get(item.finding.code) ?? []), item]);
  for (const [code, items] of byRule) {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    for (const item of items.slice(0, count)) {
      const lines = item.file.text.split(/\r\n|\r|\n/);
      const from = Math.max(0, item.line - 4);
      process.stdout.write(`\n### ${item.file.packageName}\t${item.file.version}\t${item.file.relative}\t${item.line}\t${code}\n${item.finding.message}\n`);
      for (let i = from; i < Math.min(lines.length, item.line + 3); i++) process.stdout.write(`${i + 1 === item.line ? '>' : ' '}${String(i + 1).padStart(5)} ${lines[i].slice(0, 160)}\n`);
    }
  }
}

if (require.main === module) {
  const [command, rule, count, seed] = process.argv.slice(2);
  if (command === 'sample') printSample(rule ?? 'all', Number(count ?? 5), Number(seed ?? 1));
  else
    benchPrecision().then(
      (rows) => printRows('Testability precision on real packages (labelled random sample)', rows),
      (error) => {
        process.stderr.write(`${(error as Error).stack ?? error}\n`);
        process.exitCode = 1;
      },
    );
}
