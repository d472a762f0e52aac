/**
 * The server-side cache: after a series of edits, the findings the feature reports (cached walk,
 * incremental re-parse) equal a fresh analysis of the same text.
 */
import * as assert from 'node:assert/strict';
import type { ServerContext } from '../../server/src/context';
import { findingsFor } from '../../server/src/features/testability';
import { analyzeTestability, testabilitySettingsDefaults } from '../../server/src/testability';
import { defaultSettings } from '../../server/src/workspace/config';
import { readFixture } from './fixture';

function fakeContext(testability = testabilitySettingsDefaults): ServerContext & { useTestability(value: typeof testabilitySettingsDefaults): void } {
  let settings = { ...defaultSettings(), testability };
  return {
    useTestability: (value: typeof testabilitySettingsDefaults) => (settings = { ...defaultSettings(), testability: value }),
    settings: () => settings,
    roleOf: () => 'source',
    readText: () => undefined,
    graph: { traceAt: () => ({ requirements: [] }) },
    invalidateDiagnostics: () => undefined,
  } as unknown as ServerContext & { useTestability(value: typeof testabilitySettingsDefaults): void };
}

/** A deterministic sequence of edits: insertions, deletions and replacements across the file. */
function* edits(text: string, count: number): Generator<string> {
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const snippets = ['Date.now()', ' if (x) { y(); }', '\n', 'Math.random()', ')', '{', '//', 'process.env.A', ' && b', 'new Repo()'];
  let current = text;
  for (let i = 0; i < count; i++) {
    const at = Math.floor(next() * current.length);
    const kind = next();
    if (kind < 0.4) current = current.slice(0, at) + snippets[Math.floor(next() * snippets.length)] + current.slice(at);
    else if (kind < 0.7) current = current.slice(0, at) + current.slice(Math.min(current.length, at + 1 + Math.floor(next() * 20)));
    else current = current.slice(0, at) + snippets[Math.floor(next() * snippets.length)] + current.slice(Math.min(current.length, at + 5));
    yield current;
  }
}

describe('testability cache and incremental re-parse', () => {
  for (const name of ['complexity.ts', 'state.ts', 'component.tsx']) {
    it(`reports what a fresh analysis reports after each of 60 edits to ${name}`, () => {
      const ctx = fakeContext();
      const { path, text } = readFixture(`rules/${name}`);
      findingsFor(ctx, path, text);
      let step = 0;
      for (const edited of edits(text, 60)) {
        step++;
        const cached = findingsFor(ctx, path, edited)!.findings.map((f) => `${f.code}@${f.start}-${f.end}`);
        const fresh = analyzeTestability({ path, text: edited, settings: testabilitySettingsDefaults }).map((f) => `${f.code}@${f.start}-${f.end}`);
        assert.deepEqual(cached, fresh, `after edit ${step} the cached findings differ from a fresh analysis`);
      }
    });
  }

  it('re-analyses an unchanged text when the settings change', () => {
    const ctx = fakeContext();
    const { path, text } = readFixture('rules/complexity.ts');
    findingsFor(ctx, path, text);
    const codes = () => [...new Set(findingsFor(ctx, path, text)!.findings.map((finding) => finding.code))].sort();
    assert.ok(codes().includes('parameter-count'), `expected parameter-count among ${codes().join(', ')}`);
    const quieter = structuredClone(testabilitySettingsDefaults);
    quieter.rules['parameter-count'].severity = 'off';
    ctx.useTestability(quieter);
    assert.ok(!codes().includes('parameter-count'), `parameter-count is off, got ${codes().join(', ')}`);
  });
});
