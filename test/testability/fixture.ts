/**
 * Fixture helpers for the testability tests. Expected findings are marked inside the fixture text
 * with a comment right before the place the finding starts: `/*!hidden-clock*\/Date.now()`, or
 * `/*!cognitive-complexity=18*\/name` to also expect the measured value. Markers are comments, so
 * the analysed text is the fixture itself and positions need no counting.
 *
 * A fixture may start with `// settings: { …json… }` to override the testability settings
 * (rules are merged one by one over the defaults, where every rule is on).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { testabilitySettingsDefaults, type TestabilitySettings } from '../../server/src/testability';

export const fixturesRoot = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'testability');

export interface ExpectedFinding {
  code: string;
  line: number;
  character: number;
  value?: number;
}

const markerPattern = /\/\*!([a-z-]+)(?:=(\d+))?\*\//g;

/** The findings a fixture's markers expect; consecutive markers all point past the last of them. */
export function expectedFindings(text: string): ExpectedFinding[] {
  const found: { code: string; value?: number; end: number; index: number }[] = [];
  for (const match of text.matchAll(markerPattern)) {
    found.push({ code: match[1], value: match[2] === undefined ? undefined : Number(match[2]), end: match.index + match[0].length, index: match.index });
  }
  for (let i = found.length - 2; i >= 0; i--) if (found[i].end === found[i + 1].index) found[i].end = found[i + 1].end;
  return found.map((marker) => ({ code: marker.code, value: marker.value, ...positionOf(text, marker.end) }));
}

export function positionOf(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/** The settings a fixture asks for in its first line, over the defaults. */
export function fixtureSettings(text: string): TestabilitySettings {
  const settings = structuredClone(testabilitySettingsDefaults);
  // Fixtures test what each rule finds, so the rules that are off by default (for their precision on real code) are on here.
  for (const rule of Object.values(settings.rules)) if (rule.severity === 'off') rule.severity = 'information';
  const header = /^\/\/ settings: (.*)$/m.exec(text.split('\n')[0]);
  if (!header) return settings;
  const override = JSON.parse(header[1]) as Partial<TestabilitySettings>;
  for (const [code, rule] of Object.entries(override.rules ?? {})) Object.assign(settings.rules[code as keyof typeof settings.rules], rule);
  const { rules: _rules, ...rest } = override;
  return Object.assign(settings, rest);
}

export function readFixture(relative: string): { path: string; text: string } {
  const file = path.join(fixturesRoot, relative);
  return { path: file, text: fs.readFileSync(file, 'utf8') };
}

/** Lists fixture files of a folder (relative names), sorted. */
export function fixtureNames(folder: string, filter: (name: string) => boolean = () => true): string[] {
  return fs
    .readdirSync(path.join(fixturesRoot, folder))
    .filter(filter)
    .sort();
}

export function describeFinding(finding: ExpectedFinding): string {
  return `${finding.code}@${finding.line + 1}:${finding.character + 1}${finding.value === undefined ? '' : `=${finding.value}`}`;
}
