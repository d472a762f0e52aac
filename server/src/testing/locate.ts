/**
 * The tests declared in a test file: each `describe`/`it`/`test` call with a literal title, its
 * suite titles, and where it is written. Code lenses sit on them and a run names them; the scan is
 * the trace's comment- and string-aware one, so it costs one linear pass and never fails.
 */
import { languageOf } from '../trace/languages';
import type { Span } from '../trace/model';
import { scanCode } from '../trace/scan';
import { LineIndex } from '../trace/text';

export interface DeclaredTest {
  /** Suite titles and the test's (or suite's) own title. */
  titles: string[];
  /** `titles` joined by a space: the full title results are matched on. */
  testName: string;
  /** True for a call that holds other test calls (a `describe`). */
  isSuite: boolean;
  /** The title's text, without quotes. */
  titleSpan: Span;
  /** The whole call. */
  span: Span;
}

/** The tests and suites declared in `text`, in file order; empty for a language without test calls. */
export function findTests(text: string, file: string): DeclaredTest[] {
  const syntax = languageOf(file);
  if (!syntax) return [];
  const calls = scanCode(text, syntax, true).tests;
  const lines = new LineIndex(text);
  const hasChildren = new Set(calls.map((call) => call.parent).filter((parent) => parent >= 0));
  return calls.map((call, index) => {
    const titles: string[] = [];
    for (let at = index; at >= 0; at = calls[at].parent) titles.unshift(calls[at].title);
    return {
      titles,
      testName: titles.join(' '),
      isSuite: hasChildren.has(index),
      titleSpan: lines.span(call.titleStart, call.titleEnd),
      span: lines.span(call.start, call.end),
    };
  });
}

/** The declared tests that a result or link title names: the same full title, or one ending with it. */
export function matchDeclared(declared: readonly DeclaredTest[], testName: string): DeclaredTest[] {
  const exact = declared.filter((test) => test.testName === testName);
  if (exact.length > 0) return exact;
  return declared.filter((test) => test.testName.endsWith(` ${testName}`) || testName.endsWith(` ${test.testName}`));
}
