/**
 * The `testability` section of Tandem's settings. Every rule has a severity (`off` hides it) and
 * the rules that measure something have a threshold. The defaults need no configuration: they are
 * the anchors most teams already know (cognitive complexity 15 as in SonarJS, nesting 4,
 * parameters 4).
 */
import type { Severity } from '../trace/model';
import { testabilityRuleCodes, type TestabilityRuleCode } from './model';

export interface TestabilityRuleSettings {
  severity: Severity;
  /** For measuring rules: the largest value that is still fine; a finding is reported above it. */
  threshold?: number;
}

export interface TestabilitySettings {
  /** Turns every testability diagnostic off when false. */
  enabled: boolean;
  /** Analyse test files too (off by default: tests own their clock and randomness on purpose). */
  analyzeTests: boolean;
  /** One entry per rule code. */
  rules: Record<TestabilityRuleCode, TestabilityRuleSettings>;
  /** Module specifiers whose imports count as direct I/O (`hidden-io`, `import-side-effect`). */
  ioModules: string[];
  /** Classes whose `new` builds a value rather than a collaborator (never `hidden-collaborator`). */
  valueClasses: string[];
  /** Method and property names that do not count as reaching through a collaborator (`reach-through`). */
  fluentNames: string[];
  /**
   * Where diagnostics link for a rule's explanation (`<docsUrl>#<code>`), e.g. a team's own copy
   * of the docs; empty means the `docs/testability.md` installed with the server.
   */
  docsUrl: string;
}

const rules: Record<TestabilityRuleCode, TestabilityRuleSettings> = {
  'hidden-clock': { severity: 'warning' },
  'hidden-random': { severity: 'off' },
  'hidden-env': { severity: 'warning' },
  'hidden-io': { severity: 'warning', threshold: 1 },
  'hidden-collaborator': { severity: 'off' },
  'constructor-work': { severity: 'warning' },
  'mutable-global': { severity: 'off' },
  'static-mutable': { severity: 'warning' },
  singleton: { severity: 'warning' },
  'import-side-effect': { severity: 'warning' },
  'reach-through': { severity: 'off', threshold: 2 },
  'cognitive-complexity': { severity: 'warning', threshold: 15 },
  'cyclomatic-complexity': { severity: 'information', threshold: 10 },
  'nesting-depth': { severity: 'warning', threshold: 4 },
  'parameter-count': { severity: 'warning', threshold: 4 },
  'unreachable-logic': { severity: 'information', threshold: 10 },
  'untested-export': { severity: 'information' },
  'untested-requirement': { severity: 'warning' },
  'analysis-failed': { severity: 'warning' },
};

export const testabilitySettingsDefaults: TestabilitySettings = {
  enabled: true,
  analyzeTests: false,
  rules,
  ioModules: [
    'fs',
    'fs/promises',
    'net',
    'http',
    'https',
    'http2',
    'child_process',
    'dgram',
    'dns',
    'tls',
    'readline',
    'axios',
    'node-fetch',
    'undici',
    'got',
    'pg',
    'mysql',
    'mysql2',
    'mongodb',
    'mongoose',
    'redis',
    'ioredis',
    'sqlite3',
    'better-sqlite3',
    '@prisma/client',
    'knex',
    'sequelize',
    'typeorm',
  ],
  valueClasses: [
    'Error',
    'Map',
    'Set',
    'WeakMap',
    'WeakSet',
    'WeakRef',
    'URL',
    'URLSearchParams',
    'RegExp',
    'Date',
    'Promise',
    'Array',
    'Object',
    'ArrayBuffer',
    'SharedArrayBuffer',
    'DataView',
    'Uint8Array',
    'Uint8ClampedArray',
    'Uint16Array',
    'Uint32Array',
    'Int8Array',
    'Int16Array',
    'Int32Array',
    'Float32Array',
    'Float64Array',
    'BigInt64Array',
    'BigUint64Array',
    'TextEncoder',
    'TextDecoder',
    'AbortController',
    'Headers',
    'Blob',
    'FormData',
    'Proxy',
    'Buffer',
    'Event',
    'CustomEvent',
    'Intl',
    'String',
    'Number',
    'Boolean',
    'Function',
  ],
  fluentNames: [
    'length',
    'map',
    'filter',
    'reduce',
    'forEach',
    'some',
    'every',
    'find',
    'findIndex',
    'flatMap',
    'flat',
    'slice',
    'splice',
    'concat',
    'join',
    'split',
    'trim',
    'toLowerCase',
    'toUpperCase',
    'replace',
    'replaceAll',
    'startsWith',
    'endsWith',
    'includes',
    'indexOf',
    'sort',
    'reverse',
    'keys',
    'values',
    'entries',
    'then',
    'catch',
    'finally',
    'toString',
    'toFixed',
    'push',
    'pop',
    'shift',
    'get',
    'set',
    'has',
    'add',
    'delete',
    'pipe',
    'subscribe',
    'prototype',
    'call',
    'apply',
    'bind',
  ],
  docsUrl: '',
};

const severityNames = ['error', 'warning', 'information', 'hint', 'off'];

/** Checks what types alone cannot: severities are known names and thresholds whole numbers ≥ 0. */
export function validateTestabilitySettings(value: TestabilitySettings): string[] {
  const problems: string[] = [];
  if (!value || typeof value !== 'object') return problems;
  if (typeof value.docsUrl === 'string' && value.docsUrl !== '' && !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(value.docsUrl)) {
    problems.push(`testability.docsUrl must be an absolute URL (https://…, file://…) or empty, not "${value.docsUrl}"`);
  }
  if (!value.rules || typeof value.rules !== 'object') return problems;
  for (const code of testabilityRuleCodes) {
    const rule = value.rules[code];
    if (!rule) continue;
    if (!severityNames.includes(rule.severity)) {
      problems.push(`testability.rules.${code}.severity must be one of ${severityNames.join(', ')}, not "${String(rule.severity)}"`);
    }
    if (rule.threshold !== undefined && !(Number.isInteger(rule.threshold) && rule.threshold >= 0)) {
      problems.push(`testability.rules.${code}.threshold must be a whole number ≥ 0, not ${String(rule.threshold)}`);
    }
  }
  return problems;
}

/** The settings of one rule, falling back to its default when a partial object was passed. */
export function ruleSettings(settings: TestabilitySettings, code: TestabilityRuleCode): TestabilityRuleSettings {
  return settings.rules?.[code] ?? testabilitySettingsDefaults.rules[code];
}
