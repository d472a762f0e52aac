/**
 * Tandem's settings: one schema, three sources, later wins — the defaults, `tandem.json` at a
 * workspace folder's root, then the editor's settings (`initializationOptions` or the `tandem`
 * section of `workspace/configuration`).
 *
 * Validation is by the defaults themselves: every value must have the type of its default (arrays
 * of the same element type), unknown keys are reported, and each area may add checks of its own.
 * An invalid value is reported and replaced by its default; loading never throws.
 */
import { parseJson } from '../trace/nesting';
import { idPatternProblem } from '../trace/patternSafety';
import { globProblem } from '../text/glob';
import { generationSettingsDefaults, validateGenerationSettings, type GenerationSettings } from '../generation/settings';
import { testabilitySettingsDefaults, validateTestabilitySettings, type TestabilitySettings } from '../testability/settings';
import { testingSettingsDefaults, validateTestingSettings, type TestingSettings } from '../testing/settings';
import { validateCoreSettings } from '../limits';

/** How strongly a kind of finding is reported; `off` hides it. */
import type { Severity } from '../trace/model';

export type { Severity };
export const severities: readonly Severity[] = ['error', 'warning', 'information', 'hint', 'off'];

export interface TraceSettings {
  /** The regular expression (source) of a plain requirement ID. */
  idPattern: string;
  /** Globs of requirement files (Markdown and OpenFastTrace specifications). Doorstop trees are found by their `.doorstop.yml`. */
  requirements: string[];
  /** Globs of test files: `@req` tags there verify, and IDs in test titles count. */
  tests: string[];
  /** How an uncovered requirement is reported. */
  uncoveredSeverity: Severity;
  /** What `tandem check` demands of every requirement. */
  checkRequire: 'covered' | 'verified';
  /**
   * OpenFastTrace short tags `[[name:revision]]` in the files the globs match: each covers
   * `coveredArtifactType~namePrefix+name~revision` as an item of type `tagArtifactType`.
   */
  shortTags: ShortTagSettings[];
  /** ReqIF sources: the attribute (LONG-NAME) whose value is a requirement's ID. */
  reqif: { idAttribute: string };
  /** The share (percent) of a requirement's implementation its tests must run for `tandem check`; 0: no bar. */
  minCoverage: number;
}

/** Where OpenFastTrace short tags are read and what they mean (OpenFastTrace's path configuration). */
export interface ShortTagSettings {
  paths: string[];
  tagArtifactType: string;
  coveredArtifactType: string;
  namePrefix?: string;
}

export interface TandemSettings {
  /** Globs excluded from the workspace index, on top of `.gitignore`. */
  exclude: string[];
  /** Files larger than this many bytes are not read (logged once). */
  maxFileSize: number;
  /** Environment variable names never passed to child processes (on top of the model's key variable). */
  secretEnv: string[];
  /** Leave minified and generated files (recognised by name and content) out of the index and the diagnostics. */
  excludeGenerated: boolean;
  trace: TraceSettings;
  testability: TestabilitySettings;
  testing: TestingSettings;
  generation: GenerationSettings;
}

export const traceSettingsDefaults: TraceSettings = {
  idPattern: '[A-Z][A-Z0-9]*-\\d+',
  requirements: ['**/*.md', '**/*.markdown', '**/*.reqif', '**/*.reqifz'],
  tests: [
    '**/test/**',
    '**/tests/**',
    '**/__tests__/**',
    '**/spec/**',
    '**/*.test.*',
    '**/*.spec.*',
    '**/*_test.*',
    '**/test_*.py',
    '**/*Test.java',
    '**/*Tests.java',
    '**/*Test.kt',
    '**/*_spec.rb',
  ],
  uncoveredSeverity: 'warning',
  checkRequire: 'covered',
  shortTags: [],
  reqif: { idAttribute: 'ReqIF.ForeignID' },
  minCoverage: 0,
};

export const coreSettingsDefaults = {
  exclude: ['**/node_modules/**', '**/.git/**', '**/out/**', '**/dist/**', '**/build/**', '**/coverage/**', '**/.tandem/**'],
  maxFileSize: 2 * 1024 * 1024,
  secretEnv: ['OPENAI_API_KEY', 'TANDEM_API_KEY', 'ANTHROPIC_API_KEY', 'AZURE_OPENAI_API_KEY'],
  excludeGenerated: true,
};

/** One area's section of the settings: its defaults and, optionally, checks beyond types. */
export interface SettingsSection {
  defaults: Record<string, unknown>;
  validate?: (value: any) => string[];
}

/** The problems of `trace.shortTags`: each entry needs globs and two artifact types (letters only). */
function shortTagProblems(entries: unknown[]): string[] {
  const artifactType = /^[A-Za-z]+$/;
  const problems: string[] = [];
  entries.forEach((entry, index) => {
    const where = `trace.shortTags[${index}]`;
    const value = entry as Partial<ShortTagSettings> | null;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return void problems.push(`trace.shortTags must be a list of objects; ${where} is not one`);
    if (!Array.isArray(value.paths) || value.paths.length === 0 || value.paths.some((glob) => typeof glob !== 'string')) problems.push(`trace.shortTags: ${where}.paths must be a non-empty list of globs`);
    for (const key of ['tagArtifactType', 'coveredArtifactType'] as const) {
      if (typeof value[key] !== 'string' || !artifactType.test(value[key])) problems.push(`trace.shortTags: ${where}.${key} must be an artifact type of letters (impl, dsn, …)`);
    }
    if (value.namePrefix !== undefined && (typeof value.namePrefix !== 'string' || !/^[\w.-]*$/.test(value.namePrefix))) problems.push(`trace.shortTags: ${where}.namePrefix must be part of an item name`);
  });
  return problems;
}

/** Every section, by name: each area's defaults and checks, so the server and the CLI validate alike. */
export const settingsSections = new Map<string, SettingsSection>([
  [
    'trace',
    {
      defaults: traceSettingsDefaults as unknown as Record<string, unknown>,
      validate: (value: TraceSettings) => {
        // Patterns and globs come from the repository: untrusted, checked before anything runs them.
        const problems: string[] = [];
        const patternProblem = idPatternProblem(value.idPattern);
        if (patternProblem) problems.push(patternProblem);
        problems.push(...globListProblems('trace.requirements', value.requirements), ...globListProblems('trace.tests', value.tests));
        if (!severities.includes(value.uncoveredSeverity)) problems.push(`trace.uncoveredSeverity must be one of ${severities.join(', ')}`);
        if (!['covered', 'verified'].includes(value.checkRequire)) problems.push(`trace.checkRequire must be "covered" or "verified"`);
        problems.push(...shortTagProblems(value.shortTags));
        if (value.reqif.idAttribute.trim() === '') problems.push('trace.reqif.idAttribute must name an attribute');
        if (!(value.minCoverage >= 0 && value.minCoverage <= 100)) problems.push('trace.minCoverage must be a percentage from 0 to 100');
        return problems;
      },
    },
  ],
  ['testability', { defaults: testabilitySettingsDefaults as unknown as Record<string, unknown>, validate: validateTestabilitySettings }],
  ['testing', { defaults: testingSettingsDefaults as unknown as Record<string, unknown>, validate: validateTestingSettings }],
  ['generation', { defaults: generationSettingsDefaults as unknown as Record<string, unknown>, validate: validateGenerationSettings }],
]);

/** A problem with a settings source: which key, and what is wrong. */
export interface SettingsProblem {
  /** Dotted key path, e.g. `trace.idPattern`; empty for a problem with the whole file. */
  key: string;
  message: string;
  /** Character offset in the source text, when the problem comes from a file. */
  offset?: number;
}

export interface LoadedSettings {
  settings: TandemSettings;
  problems: SettingsProblem[];
}

export function defaultSettings(): TandemSettings {
  const settings: Record<string, unknown> = structuredClone(coreSettingsDefaults);
  for (const [name, section] of settingsSections) settings[name] = structuredClone(section.defaults);
  return settings as unknown as TandemSettings;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges `override` into `base` where each value has the type of the default; collects a problem
 * for every value that does not, and for every unknown key.
 */
function mergeChecked(
  base: Record<string, unknown>,
  defaults: Record<string, unknown>,
  override: Record<string, unknown>,
  prefix: string,
  problems: SettingsProblem[],
): void {
  for (const [key, value] of Object.entries(override)) {
    // Reported once by the caller; never followed (it would reach a prototype).
    if (key === '__proto__') continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (!Object.hasOwn(defaults, key)) {
      problems.push({ key: path, message: `unknown setting "${path}"` });
      continue;
    }
    const expected = defaults[key];
    if (isPlainObject(expected)) {
      if (!isPlainObject(value)) {
        problems.push({ key: path, message: `"${path}" must be an object, not ${typeName(value)}` });
        continue;
      }
      mergeChecked(base[key] as Record<string, unknown>, expected, value, path, problems);
      continue;
    }
    if (typeName(value) !== typeName(expected) && !(expected === null || (typeof expected === 'string' && value === null))) {
      problems.push({ key: path, message: `"${path}" must be ${typeName(expected) === 'array' ? 'an array' : `a ${typeName(expected)}`}, not ${typeName(value)}` });
      continue;
    }
    if (Array.isArray(expected) && Array.isArray(value)) {
      const elementType = expected.length > 0 ? typeName(expected[0]) : undefined;
      if (elementType && value.some((element) => typeName(element) !== elementType)) {
        problems.push({ key: path, message: `"${path}" must be an array of ${elementType}s` });
        continue;
      }
    }
    base[key] = structuredClone(value);
  }
}

/** What is wrong with the globs of one list setting, one message per invalid glob. */
export function globListProblems(key: string, globs: readonly string[]): string[] {
  return globs.flatMap((glob) => {
    const problem = globProblem(glob);
    return problem ? [`${key}: ${problem}`] : [];
  });
}

/** Applies one source of settings over `settings` (in place) and returns the problems found. */
export function applySettings(settings: TandemSettings, source: unknown): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  if (source === undefined || source === null) return problems;
  if (isPlainObject(source) && Object.hasOwn(source, '__proto__')) problems.push({ key: '__proto__', message: 'the key "__proto__" is not a setting; it was ignored' });
  if (!isPlainObject(source)) return [{ key: '', message: `settings must be an object, not ${typeName(source)}` }];
  const defaults = defaultSettings() as unknown as Record<string, unknown>;
  const candidate = structuredClone(settings) as unknown as Record<string, unknown>;
  mergeChecked(candidate, defaults, source, '', problems);
  const excludeProblems = Object.hasOwn(source, 'exclude') ? globListProblems('exclude', candidate.exclude as string[]) : [];
  if (excludeProblems.length > 0) {
    for (const message of excludeProblems) problems.push({ key: 'exclude', message });
    candidate.exclude = structuredClone(settings.exclude);
  }
  // Area checks beyond types: an invalid section value falls back to what it was before this source.
  for (const [name, section] of settingsSections) {
    if (!section.validate || !(name in source)) continue;
    const sectionProblems = section.validate(candidate[name]);
    if (sectionProblems.length === 0) continue;
    for (const message of sectionProblems) {
      const key = /^([\w.-]+)/.exec(message)?.[1] ?? name;
      problems.push({ key: key.startsWith(`${name}.`) ? key : name, message });
    }
    candidate[name] = structuredClone((settings as unknown as Record<string, unknown>)[name]);
  }
  for (const problem of validateCoreSettings(candidate as unknown as TandemSettings)) {
    if (!(problem.key in source)) continue;
    problems.push(problem);
    candidate[problem.key] = structuredClone((settings as unknown as Record<string, unknown>)[problem.key]);
  }
  Object.assign(settings, candidate);
  return problems;
}

/** Finds where a dotted key is written in a JSON text, for a diagnostic; the start when it is not found. */
export function locateKey(text: string, key: string): number {
  let from = 0;
  let found = -1;
  for (const part of key.split('.')) {
    const at = text.indexOf(`"${part}"`, from);
    if (at < 0) break;
    found = at;
    from = at + part.length + 2;
  }
  return Math.max(found, 0);
}

/** Parses a `tandem.json` text: the settings it holds and its problems, with offsets. */
export function parseSettingsFile(text: string): { value: unknown; problems: SettingsProblem[] } {
  try {
    const problems: SettingsProblem[] = text.includes('"__proto__"') ? [{ key: '__proto__', message: 'the key "__proto__" is not a setting; it was ignored', offset: text.indexOf('"__proto__"') }] : [];
    return { value: parseJson(stripJsonComments(text)), problems };
  } catch (error) {
    const message = (error as Error).message;
    const at = /position (\d+)/.exec(message);
    return { value: undefined, problems: [{ key: '', message: `tandem.json is not valid JSON: ${message}`, offset: at ? Number(at[1]) : 0 }] };
  }
}

/** Blanks `//` and `/* *\/` comments outside strings, keeping offsets, so tandem.json may carry notes. */
export function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') out += text[i++] === '\t' ? '\t' : ' ';
      if (i < text.length) out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (; i < stop; i++) out += text[i] === '\n' ? '\n' : ' ';
      i--;
    } else out += c;
  }
  return out;
}
