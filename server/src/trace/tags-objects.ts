/**
 * Constructors for the objects the tag reader keeps: positions, symbols and tags (spans are
 * `PackedSpan`s, from `text.ts`).
 *
 * Why not object literals: the engine keeps an allocation site for each object literal, and once it
 * sees that the objects made at a site live long (these do: the trace keeps every tag), it switches
 * the site to allocate in the old generation and throws away the optimised code of every function
 * that allocates there. Over one cold index of a large workspace that happened several times, each
 * time sending the whole tag reader back to unoptimised code until it was compiled again. Objects
 * made with `new` have no allocation site.
 *
 * The constructors' prototype is `Object.prototype`, so what they make is a plain object just as a
 * literal is: the same prototype, the same keys in the same order, the same JSON, deep-equal to the
 * literal. Optional keys (`symbol`, `testName`, `scope`) are added afterwards only when present.
 */
import type { Position, Span, TraceTag } from './model';

type Plain<T, A extends unknown[]> = new (...args: A) => T;

/** `init` as a constructor of plain objects (whose prototype is `Object.prototype`). */
function plain<T, A extends unknown[]>(init: (this: T, ...args: A) => void): Plain<T, A> {
  const constructor = init as unknown as Plain<T, A> & { prototype: object };
  constructor.prototype = Object.prototype;
  return constructor;
}

export const PlainPosition = plain(function (this: Position, line: number, character: number) {
  this.line = line;
  this.character = character;
});

type TagSymbol = NonNullable<TraceTag['symbol']>;

export const PlainSymbol = plain(function (this: TagSymbol, name: string, span: Span) {
  this.name = name;
  this.span = span;
});

/** A tag from a comment: `@implements`, `@verifies`, `@req`. */
export const CommentTag = plain(function (
  this: TraceTag,
  kind: TraceTag['kind'],
  target: string,
  path: string,
  span: Span,
  role: TraceTag['role'],
  artifactType: string,
) {
  this.kind = kind;
  this.target = target;
  this.path = path;
  this.span = span;
  this.role = role;
  this.artifactType = artifactType;
});

type OftItem = NonNullable<TraceTag['oftItem']>;

export const PlainOftItem = plain(function (this: OftItem, name: string, revision: number, needs: string[]) {
  this.name = name;
  this.revision = revision;
  this.needs = needs;
});

/** An OpenFastTrace coverage tag. */
export const OftTag = plain(function (this: TraceTag, target: string, path: string, span: Span, role: TraceTag['role'], artifactType: string, oftItem: OftItem) {
  this.kind = 'oft';
  this.target = target;
  this.path = path;
  this.span = span;
  this.role = role;
  this.artifactType = artifactType;
  this.oftItem = oftItem;
});

/** An ID in a test's title. */
export const TitleTag = plain(function (this: TraceTag, target: string, path: string, span: Span, role: TraceTag['role'], testName: string) {
  this.kind = 'title';
  this.target = target;
  this.path = path;
  this.span = span;
  this.role = role;
  this.artifactType = 'utest';
  this.testName = testName;
});
