/**
 * The testability rules over one file's syntax tree, in a single walk.
 *
 * The walk keeps a stack of function frames: each frame counts its own cyclomatic complexity,
 * cognitive complexity, nesting depth and direct I/O. As in SonarJS and ESLint, a nested function
 * or callback is measured on its own, starting again at nesting zero. Rules that need the whole
 * file (module-level state, static fields, exports) collect during the walk and conclude after it.
 *
 * The walk runs without parent pointers and without the type checker, so it costs little more than
 * parsing. Everything returned is plain data.
 */
import type * as TS from 'typescript';
import type { TestabilityFinding, TestabilityRuleCode, FindingFixData } from './model';
import { ruleSettings, type TestabilitySettings } from './settings';
import type { TypeScript } from './typescript';
import { lineEndAfter, lineMapOf, spanOf } from './lines';
import { bindNames as bindNamesOf, hasModifier as hasModifierOf, isFunctionExpressionLike, normalizeModule, pureIoMembers, readModuleFacts } from './moduleFacts';

/** A declaration the module exports, for the workspace rules (`untested-export`, `untested-requirement`). */
export interface ExportedDeclaration {
  /** The name a test imports: the exported name, `default` for a default export. */
  exportedName: string;
  /** The name declared in the file (the symbol trace tags bind to). */
  localName: string;
  kind: 'function' | 'class';
  /** Offsets of the declaration's name. */
  start: number;
  end: number;
}

/** What one walk of a file yields: findings of the file-local rules, and the file's exports. */
export interface FileAnalysis {
  findings: TestabilityFinding[];
  exports: ExportedDeclaration[];
}

interface Frame {
  node: TS.FunctionLikeDeclaration | TS.PropertyDeclaration;
  name: string;
  nameStart: number;
  nameEnd: number;
  parent: Frame | undefined;
  isField: boolean;
  isConstructor: boolean;
  isFactory: boolean;
  isStatic: boolean;
  /** An immediately invoked function at module level: it runs once, at import, like module-level code. */
  moduleInit?: boolean;
  /** Declared at module level (function declaration or `const f = …`) or a private method. */
  unreachableCandidate: boolean;
  cognitive: number;
  nesting: number;
  cyclomatic: number;
  depth: number;
  depthReported: boolean;
  params: Set<string>;
  ioCall?: TS.Node;
  ioName?: string;
  classContext?: ClassContext;
  /** The body statement that added most cognitive complexity (for the extract refactor). */
  heaviest?: { start: number; end: number; weight: number };
  /** Timers started here, reported when the function turns out to make decisions (timers in logic, not in start-up code). */
  timers?: { node: TS.CallExpression; name: string }[];
}

interface StaticField {
  name: string;
  nameNode: TS.Node;
  readonly: boolean;
  written: boolean;
  singleton: boolean;
}

interface ClassContext {
  name: string | undefined;
  staticFields: Map<string, StaticField>;
}

interface NameHint {
  name: string;
  node: TS.Node;
  topLevel: boolean;
  exported: boolean;
}

/** Calls that read the clock or randomness; `dependency` names the injection fix, when there is one. */
const clockCalls = new Map<string, { code: TestabilityRuleCode; dependency?: 'clock' | 'performance' | 'random' | 'uuid' }>([
  ['Date.now', { code: 'hidden-clock', dependency: 'clock' }],
  ['performance.now', { code: 'hidden-clock', dependency: 'performance' }],
  ['Math.random', { code: 'hidden-random', dependency: 'random' }],
  ['crypto.randomUUID', { code: 'hidden-random', dependency: 'uuid' }],
  ['crypto.getRandomValues', { code: 'hidden-random' }],
  ['crypto.randomBytes', { code: 'hidden-random' }],
  ['crypto.randomInt', { code: 'hidden-random' }],
  ['crypto.randomFillSync', { code: 'hidden-random' }],
  ['crypto.randomFill', { code: 'hidden-random' }],
  ['process.hrtime', { code: 'hidden-clock' }],
  ['process.hrtime.bigint', { code: 'hidden-clock' }],
  ['process.uptime', { code: 'hidden-clock' }],
]);

const timerNames = new Set(['setInterval', 'setTimeout', 'setImmediate']);
/** Timers whose delay makes a result depend on time passing (a test needs fake timers for them). */
const delayTimers = new Set(['setInterval', 'setTimeout']);
/** Globals whose `new` opens a connection. */
const ioConstructors = new Set(['XMLHttpRequest', 'WebSocket', 'EventSource']);
/** Globals whose `new` builds a value or a message, never a collaborator to replace. */
const valueGlobals = new Set(['Request', 'Response', 'Headers', 'Intl', 'Readable', 'Writable', 'Transform', 'PassThrough', 'Duplex', 'DOMException', 'MessageChannel', 'BroadcastChannel']);
/**
 * Class names that say "collaborator": something with behaviour a test wants to replace (it talks
 * to the world or holds state beyond a value). Other classes are taken for values and records.
 */
const collaboratorName = /(Client|Service|Repository|Repo|Store|Gateway|Api|API|Connection|Pool|Socket|Server|Mailer|Sender|Logger|Database|Db|DB|Queue|Cache|Agent|Fetcher|Provider|Manager|Transport|Worker|Watcher|Scheduler|Publisher|Subscriber|Dao|DAO|Adapter|Driver|Session)$/;
/** Process members that are the environment of the process (`hidden-env`). */
const processEnvironment = new Set(['argv', 'platform', 'execArgv', 'arch']);
/** Process members that are I/O (`hidden-io`). */
const processIo = new Set(['exit', 'kill', 'send', 'chdir']);
/** Roots a top-level listener can be registered on that outlive the module. */
const globalRoots = new Set(['process', 'window', 'document', 'globalThis', 'self', 'global']);
const listenerMethods = new Set(['on', 'once', 'addListener', 'addEventListener', 'listen', 'prependListener']);
const factoryName = /^(create|make|build|new|from|of)([A-Z_]|$)|Factory$|^factory|^main$/;

/** How many levels of the syntax tree the walk descends; real code stays below 100. */
export const maxWalkDepth = 400;


/**
 * Walks one parsed file and returns the findings of every file-local rule plus the file's exports.
 * Never throws: an internal failure becomes one `analysis-failed` finding, so an editor shows that
 * the file was not analysed instead of showing nothing.
 */
export function analyzeSourceFile(ts: TypeScript, sourceFile: TS.SourceFile, settings: TestabilitySettings): FileAnalysis {
  try {
    return walkSourceFile(ts, sourceFile, settings);
  } catch (error) {
    return analysisFailure(sourceFile.text, error, settings);
  }
}

/** The analysis of a file that could not be analysed (the parser or the walk failed): one finding that says so. */
export function analysisFailure(text: string, error: unknown, settings: TestabilitySettings): FileAnalysis {
  const severity = ruleSettings(settings, 'analysis-failed').severity;
  if (severity === 'off') return { findings: [], exports: [] };
  const reason = error instanceof RangeError ? 'the file nests too deeply for the parser' : `${(error as Error)?.message ?? String(error)}`;
  const end = Math.min(text.length, Math.max(1, lineEndAfter(text, 0)));
  return {
    findings: [
      {
        code: 'analysis-failed',
        message: `Testability analysis failed for this file (${reason}), so none of its findings are reported. Split deeply nested code into smaller functions; if the file is ordinary code, report this.`,
        severity,
        start: 0,
        end,
        span: spanOf(lineMapOf(text), 0, end),
      },
    ],
    exports: [],
  };
}

function walkSourceFile(ts: TypeScript, sourceFile: TS.SourceFile, settings: TestabilitySettings): FileAnalysis {
  const K = ts.SyntaxKind;
  const text = sourceFile.text;
  const findings: TestabilityFinding[] = [];
  const enabled = (code: TestabilityRuleCode) => ruleSettings(settings, code).severity !== 'off';
  const threshold = (code: TestabilityRuleCode, fallback: number) => ruleSettings(settings, code).threshold ?? fallback;

  const checkHidden = enabled('hidden-clock') || enabled('hidden-random') || enabled('hidden-env');
  const checkCollaborator = enabled('hidden-collaborator');
  const checkIo = enabled('hidden-io');
  const checkReach = enabled('reach-through');
  const checkSideEffects = enabled('import-side-effect') && !text.startsWith('#!');
  const reachLimit = threshold('reach-through', 2);
  const depthLimit = threshold('nesting-depth', 4);
  const ioLimit = threshold('hidden-io', 1);
  const ioModules = new Set((settings.ioModules ?? []).map(normalizeModule));
  const valueClasses = new Set(settings.valueClasses ?? []);
  const fluentNames = new Set(settings.fluentNames ?? []);

  // Module-level facts gathered before the walk: I/O bindings, mutable variables, exports.
  const { ioBindings, importedBindings, cryptoBindings, hasExports, moduleMutable, declaredAt, exportedLocals, topDeclarations } = readModuleFacts(ts, sourceFile, ioModules);
  const hasModifier = (node: TS.Node, kind: TS.SyntaxKind) => hasModifierOf(ts, node, kind);
  const isFunctionLike = (node: TS.Node | undefined): node is TS.FunctionExpression | TS.ArrowFunction => isFunctionExpressionLike(ts, node);
  const bindNames = (name: TS.BindingName, into: Set<string>) => bindNamesOf(ts, name, into);

  // Walk state.
  let frame: Frame | undefined;
  let classContext: ClassContext | undefined;
  let inStaticMember = false;
  let parameterDefaults = 0;
  let entryGuard = 0;
  let chainContinuation: TS.Node | undefined;
  let nameHint: NameHint | undefined;
  const exportsFromWalk: ExportedDeclaration[] = [];
  const globalWrites = new Map<string, { frame: Frame; node: TS.Node }[]>();

  const report = (
    code: TestabilityRuleCode,
    start: number,
    end: number,
    message: string,
    extra: Partial<Pick<TestabilityFinding, 'value' | 'threshold' | 'symbol' | 'fix' | 'related'>> = {},
  ) => {
    const severity = ruleSettings(settings, code).severity;
    if (severity === 'off') return;
    findings.push({ code, message, severity, start, end, span: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, ...extra });
  };
  const reportNode = (code: TestabilityRuleCode, node: TS.Node, message: string, extra?: Parameters<typeof report>[4]) =>
    report(code, node.getStart(sourceFile), node.end, message, extra);

  const describeFrame = (target: Frame) => {
    if (target.isConstructor) return `the constructor of ${target.classContext?.name ?? 'this class'}`;
    if (target.isField) return `the field \`${target.name}\``;
    if (target.name === '(callback)') return 'this callback';
    return `\`${target.name}\``;
  };
  /**
   * The function a hidden dependency is injected into: the outermost function around the use (a
   * test calls that one; callbacks and local helpers see the new parameter through their closure).
   * Undefined for class field initializers and top-level callbacks.
   */
  const injectableOwner = (from: Frame): Frame | undefined => {
    let current: Frame = from;
    while (current.parent && !current.parent.isField) current = current.parent;
    return current.isField || current.name === '(callback)' ? undefined : current;
  };

  const chainRootIsParameter = (root: string): boolean => {
    for (let current = frame; current; current = current.parent) if (current.params.has(root)) return true;
    return false;
  };

  const calleeName = (expression: TS.Expression): string | undefined => {
    const names: string[] = [];
    let current = expression;
    while (current.kind === K.PropertyAccessExpression && names.length < 8) {
      names.push((current as TS.PropertyAccessExpression).name.text);
      current = (current as TS.PropertyAccessExpression).expression;
    }
    let root: string;
    if (current.kind === K.Identifier) root = (current as TS.Identifier).text;
    else if (current.kind === K.ThisKeyword) root = 'this';
    else return undefined;
    return [root, ...names.reverse()].join('.');
  };
  const rootIdentifier = (expression: TS.Expression): string | undefined => {
    let current: TS.Expression = expression;
    for (;;) {
      if (current.kind === K.Identifier) return (current as TS.Identifier).text;
      if (current.kind === K.PropertyAccessExpression || current.kind === K.ElementAccessExpression || current.kind === K.CallExpression || current.kind === K.NonNullExpression) {
        current = (current as TS.PropertyAccessExpression).expression;
      } else if (current.kind === K.AwaitExpression || current.kind === K.ParenthesizedExpression) {
        current = (current as TS.ParenthesizedExpression).expression;
      } else return undefined;
    }
  };
  const isIoCall = (call: TS.CallExpression): string | undefined => {
    const callee = call.expression;
    if (callee.kind === K.Identifier && (callee as TS.Identifier).text === 'fetch') return 'fetch';
    for (let link: TS.Expression = callee; link.kind === K.PropertyAccessExpression; link = (link as TS.PropertyAccessExpression).expression) {
      if (pureIoMembers.has((link as TS.PropertyAccessExpression).name.text)) return undefined;
    }
    if (callee.kind === K.PropertyAccessExpression) {
      const member = (callee as TS.PropertyAccessExpression).name.text;
      const target = (callee as TS.PropertyAccessExpression).expression;
      if (target.kind === K.Identifier && (target as TS.Identifier).text === 'process' && processIo.has(member)) return `process.${member}`;
      // `process.stdout.write(…)`, `process.stderr.write(…)`
      if (member === 'write' && target.kind === K.PropertyAccessExpression && /^process\.std(out|err)$/.test(calleeName(target as TS.Expression) ?? '')) return `${calleeName(target as TS.Expression)}.write`;
    }
    const root = rootIdentifier(callee);
    if (root !== undefined && ioBindings.has(root)) return calleeName(callee) ?? root;
    return undefined;
  };
  const lastName = (expression: TS.Expression): string | undefined => {
    if (expression.kind === K.Identifier) return (expression as TS.Identifier).text;
    if (expression.kind === K.PropertyAccessExpression) return (expression as TS.PropertyAccessExpression).name.text;
    return undefined;
  };

  /**
   * Describes the work a constructor statement does that a test cannot avoid by passing other
   * arguments: I/O, a connection, a timer, a listener on the process. Validation, parsing and
   * computing derived fields are not such work (they are the constructor's job, cheap and
   * deterministic), and neither is what happens inside callbacks it only defines.
   */
  const constructorWork = (statement: TS.Statement): string | undefined => {
    const pending: TS.Node[] = [statement];
    const push = (child: TS.Node) => {
      pending.push(child);
    };
    while (pending.length > 0) {
      const node = pending.pop()!;
      if (node.kind === K.ArrowFunction || node.kind === K.FunctionExpression || node.kind === K.ClassExpression) continue;
      if (node.kind === K.CallExpression) {
        const call = node as TS.CallExpression;
        const io = isIoCall(call);
        if (io) return `does I/O (\`${io}\`)`;
        const callee = call.expression;
        const name = lastName(callee);
        if (callee.kind === K.Identifier && name && timerNames.has(name)) return `starts a timer (\`${name}\`)`;
        if (callee.kind === K.PropertyAccessExpression && name && listenerMethods.has(name)) {
          const root = rootIdentifier(callee);
          if (root && globalRoots.has(root)) return `registers a listener on \`${root}\``;
        }
      } else if (node.kind === K.NewExpression) {
        const name = lastName((node as TS.NewExpression).expression);
        if (name && ioConstructors.has(name)) return `opens a connection (\`new ${name}\`)`;
      }
      ts.forEachChild(node, push);
    }
    return undefined;
  };

  const classStartOf = new Map<ClassContext, number>();
  const reportConstructorWork = (node: TS.ConstructorDeclaration, current: Frame) => {
    if (!node.body || !enabled('constructor-work')) return;
    for (const statement of node.body.statements) {
      const work = constructorWork(statement);
      if (!work) continue;
      const className = current.classContext?.name ?? 'this class';
      report(
        'constructor-work',
        current.nameStart,
        current.nameEnd,
        `The constructor of ${className} ${work}: every test that needs a ${className} pays for that work and cannot replace it. Let the constructor only assign fields; do the work in a factory or pass its result in.`,
        { symbol: className, fix: { kind: 'constructor-work', classStart: classStartOf.get(current.classContext!) ?? 0 } },
      );
      return;
    }
  };
  const functionName = (node: TS.FunctionLikeDeclaration): { name: string; start: number; end: number } => {
    if (node.kind === K.Constructor) {
      const start = node.getStart(sourceFile);
      const at = text.indexOf('constructor', start);
      return { name: 'constructor', start: at >= 0 ? at : start, end: at >= 0 ? at + 11 : start + 1 };
    }
    const declared = node.name;
    if (declared) return { name: declared.getText(sourceFile), start: declared.getStart(sourceFile), end: declared.end };
    if (nameHint) return { name: nameHint.name, start: nameHint.node.getStart(sourceFile), end: nameHint.node.end };
    const start = node.getStart(sourceFile);
    return { name: '(callback)', start, end: Math.min(node.end, start + (node.kind === K.ArrowFunction ? 1 : 8)) };
  };

  const visitFunction = (node: TS.FunctionLikeDeclaration) => {
    const hint = nameHint;
    const named = functionName(node);
    nameHint = undefined;
    const parent = frame;
    const isStatic = hasModifier(node, K.StaticKeyword);
    const isPrivate = node.name?.kind === K.PrivateIdentifier || hasModifier(node, K.PrivateKeyword);
    const topLevel =
      !parent &&
      ((node.kind === K.FunctionDeclaration && classContext === undefined) || (hint?.topLevel === true && classContext === undefined) || isPrivate);
    const exported = topLevel && (hint?.exported === true || exportedLocals.has(named.name) || hasModifier(node, K.ExportKeyword));
    const current: Frame = {
      node,
      name: named.name,
      nameStart: named.start,
      nameEnd: named.end,
      parent,
      isField: false,
      isConstructor: node.kind === K.Constructor,
      isFactory: factoryName.test(named.name),
      moduleInit: !parent && immediatelyInvoked.has(node),
      isStatic,
      unreachableCandidate: topLevel && !exported,
      cognitive: 0,
      nesting: 0,
      cyclomatic: 1,
      depth: 0,
      depthReported: false,
      params: new Set(),
      classContext: node.kind === K.Constructor || node.kind === K.MethodDeclaration || node.kind === K.GetAccessor || node.kind === K.SetAccessor ? classContext : undefined,
    };
    if (hint?.exported && hint.topLevel && node.kind !== K.FunctionDeclaration && !exportedLocals.has(hint.name)) {
      exportsFromWalk.push({ exportedName: hint.name, localName: hint.name, kind: 'function', start: named.start, end: named.end });
    }

    for (const parameter of node.parameters) bindNames(parameter.name, current.params);
    current.params.delete('this');
    // Overload signatures and abstract or declared functions have no body: the implementation is measured once.
    if (enabled('parameter-count') && node.body) {
      const count = node.parameters.filter((parameter) => !(parameter.name.kind === K.Identifier && parameter.name.text === 'this')).length;
      const limit = threshold('parameter-count', 4);
      if (count > limit) {
        report(
          'parameter-count',
          named.start,
          named.end,
          `${node.kind === K.Constructor ? 'The constructor' : `\`${named.name}\``} takes ${count} parameters (more than ${limit}): every test must build all of them, and their combinations grow fast. Group related parameters into one object.`,
          { value: count, threshold: limit, symbol: named.name },
        );
      }
    }

    const saved = { frame, inStaticMember, chain: chainContinuation };
    frame = current;
    inStaticMember = isStatic;
    chainContinuation = undefined;

    if (node.kind === K.Constructor) reportConstructorWork(node as TS.ConstructorDeclaration, current);

    for (const modifier of ts.canHaveDecorators(node) ? (ts.getDecorators(node) ?? []) : []) visit(modifier);
    if (node.name && node.name.kind === K.ComputedPropertyName) visit(node.name);
    for (const parameter of node.parameters) visit(parameter);
    if (node.type) visit(node.type);
    const body = node.body;
    if (body && body.kind === K.Block) {
      for (const statement of (body as TS.Block).statements) {
        const before = current.cognitive;
        visit(statement);
        const weight = current.cognitive - before;
        if (weight > 0 && (!current.heaviest || weight > current.heaviest.weight)) {
          current.heaviest = { start: statement.getStart(sourceFile), end: statement.end, weight };
        }
      }
    } else if (body) {
      exemptCreations.add(unwrap(body as TS.Expression));
      visit(body);
    }

    frame = saved.frame;
    inStaticMember = saved.inStaticMember;
    chainContinuation = saved.chain;
    concludeFrame(current);
  };

  const concludeFrame = (current: Frame) => {
    if (current.timers && current.cyclomatic > 1) {
      const outer = frame;
      frame = current;
      for (const { node, name } of current.timers) {
        hiddenDependency(
          'hidden-clock',
          node,
          `${name}()`,
          undefined,
          `waits on the real clock inside {where}, so a test must really wait or fake the global timers. Pass the scheduler in (a parameter defaulting to \`${name}\`) so a test can run the callback at once.`,
        );
      }
      frame = outer;
    }
    const symbol = current.name;
    const subject = current.isConstructor ? `The constructor of ${current.classContext?.name ?? 'this class'}` : `\`${symbol}\``;
    {
      const cognitiveLimit = threshold('cognitive-complexity', 15);
      const fix: FindingFixData | undefined = current.heaviest
        ? { kind: 'complexity', extractStart: current.heaviest.start, extractEnd: current.heaviest.end }
        : undefined;
      if (current.cognitive > cognitiveLimit) {
        report(
          'cognitive-complexity',
          current.nameStart,
          current.nameEnd,
          `${subject} has cognitive complexity ${current.cognitive} (more than ${cognitiveLimit}): its branches are hard to see and each needs its own test. Extract parts into smaller functions that can be tested alone.`,
          { value: current.cognitive, threshold: cognitiveLimit, symbol, fix },
        );
      }
      const hiddenLimit = threshold('unreachable-logic', 10);
      if (current.unreachableCandidate && current.cognitive > hiddenLimit) {
        report(
          'unreachable-logic',
          current.nameStart,
          current.nameEnd,
          `${subject} is not exported and has cognitive complexity ${current.cognitive} (more than ${hiddenLimit}): tests can reach its logic only through other functions. Export it, or move it into a module of its own, and test it directly.`,
          { value: current.cognitive, threshold: hiddenLimit, symbol, fix },
        );
      }
    }
    const cyclomaticLimit = threshold('cyclomatic-complexity', 10);
    if (current.cyclomatic > cyclomaticLimit) {
      report(
        'cyclomatic-complexity',
        current.nameStart,
        current.nameEnd,
        `${subject} has cyclomatic complexity ${current.cyclomatic} (more than ${cyclomaticLimit}): covering every path takes at least ${current.cyclomatic} tests. Split it into smaller functions.`,
        {
          value: current.cyclomatic,
          threshold: cyclomaticLimit,
          symbol,
          fix: current.heaviest ? { kind: 'complexity', extractStart: current.heaviest.start, extractEnd: current.heaviest.end } : undefined,
        },
      );
    }
    if (checkIo && current.ioCall && current.cyclomatic - 1 > ioLimit) {
      reportNode(
        'hidden-io',
        current.ioCall,
        `${subject} calls \`${current.ioName}\` and also makes ${current.cyclomatic - 1} decisions: its logic cannot be tested without real I/O. Keep I/O at the edge: pass the data or the I/O function in, and test the computation on plain values.`,
        { value: current.cyclomatic - 1, threshold: ioLimit, symbol },
      );
    }
  };

  const enterDepth = (node: TS.Node) => {
    if (!frame) return;
    frame.depth++;
    if (frame.depth > depthLimit && !frame.depthReported && enabled('nesting-depth')) {
      frame.depthReported = true;
      const start = node.getStart(sourceFile);
      const keyword = /^[a-z]+/.exec(text.slice(start, start + 8))?.[0] ?? '';
      report(
        'nesting-depth',
        start,
        start + Math.max(keyword.length, 1),
        `This block is nested ${frame.depth} deep in ${describeFrame(frame)} (more than ${depthLimit}): a test reaches it only by setting up every enclosing condition. Return early or extract the inner block into a function.`,
        { value: frame.depth, threshold: depthLimit, symbol: frame.name, fix: { kind: 'complexity', extractStart: start, extractEnd: node.end } },
      );
    }
  };
  const leaveDepth = () => {
    if (frame) frame.depth--;
  };
  /** Adds a cognitive increment for a structure that nests (if, loop, switch, catch, ternary). */
  const structure = (nests: boolean) => {
    if (!frame) return;
    frame.cognitive += 1 + (nests ? frame.nesting : 0);
  };
  const nested = (node: TS.Node | undefined) => {
    if (!node) return;
    if (!frame) {
      visit(node);
      return;
    }
    frame.nesting++;
    visit(node);
    frame.nesting--;
  };
  const decision = () => {
    if (frame) frame.cyclomatic++;
  };

  const visitIf = (node: TS.IfStatement, elseIf: boolean) => {
    decision();
    structure(!elseIf);
    if (!elseIf) enterDepth(node);
    const guard = !frame && /\brequire\.main\b|\bimport\.meta\.main\b/.test(node.expression.getText(sourceFile));
    visit(node.expression);
    if (guard) entryGuard++;
    const unset = unsetTested(node.expression);
    if (unset) lazyGuards.push(unset);
    nested(node.thenStatement);
    if (unset) lazyGuards.pop();
    const otherwise = node.elseStatement;
    if (otherwise) {
      if (otherwise.kind === K.IfStatement) visitIf(otherwise as TS.IfStatement, true);
      else {
        structure(false);
        nested(otherwise);
      }
    }
    if (guard) entryGuard--;
    if (!elseIf) leaveDepth();
  };

  /**
   * A tree of logical operators, read left to right through parentheses as SonarJS reads it: each
   * `&&` that does not follow another `&&` adds one to cognitive complexity; `||` and `??` add
   * nothing (they mostly supply fallbacks), and neither does `cond && <Jsx/>` (conditional
   * rendering). Every operator is a path for cyclomatic complexity.
   */
  const visitLogicalTree = (root: TS.BinaryExpression) => {
    const operators: TS.SyntaxKind[] = [];
    const operands: TS.Expression[] = [];
    // In order, left to right, with an explicit stack: a chain of thousands of `&&` stays flat.
    const pending: (TS.Expression | TS.SyntaxKind)[] = [root];
    while (pending.length > 0) {
      const item = pending.pop()!;
      if (typeof item === 'number') {
        operators.push(item);
        continue;
      }
      let inner = item;
      while (inner.kind === K.ParenthesizedExpression) inner = (inner as TS.ParenthesizedExpression).expression;
      const operator = inner.kind === K.BinaryExpression ? (inner as TS.BinaryExpression).operatorToken.kind : undefined;
      if (operator === K.AmpersandAmpersandToken || operator === K.BarBarToken || operator === K.QuestionQuestionToken) {
        pending.push((inner as TS.BinaryExpression).right, operator, (inner as TS.BinaryExpression).left);
      } else operands.push(inner);
    }
    for (let i = 0; i < operators.length; i++) decision();
    const last = operands[operands.length - 1];
    const rendersJsx = last.kind === K.JsxElement || last.kind === K.JsxSelfClosingElement || last.kind === K.JsxFragment;
    if (frame && !rendersJsx) {
      for (let i = 0; i < operators.length; i++) {
        if (operators[i] === K.AmpersandAmpersandToken && operators[i - 1] !== K.AmpersandAmpersandToken) frame.cognitive++;
      }
    }
    // `explicit ?? process.env.X`: the environment is only the fallback of a value the caller can pass.
    for (let i = 1; i < operands.length; i++) {
      if (operators[i - 1] === K.AmpersandAmpersandToken) continue;
      const read = processEnvOf(operands[i]);
      if (read && !processEnvOf(operands[0])) exemptReads.add(read);
    }
    for (const operand of operands) visit(operand);
  };
  /** The `process.env` node inside `process.env.X` / `process.env['X']`, if the expression is such a read. */
  const processEnvOf = (expression: TS.Expression): TS.Node | undefined => {
    let current = unwrap(expression);
    while (current.kind === K.PropertyAccessExpression || current.kind === K.ElementAccessExpression) {
      const access = current as TS.PropertyAccessExpression;
      if (access.kind === K.PropertyAccessExpression && access.name.text === 'env' && access.expression.kind === K.Identifier && (access.expression as TS.Identifier).text === 'process') return access;
      current = access.expression;
    }
    return undefined;
  };
  const unwrap = (expression: TS.Expression): TS.Expression => {
    let current = expression;
    while (current.kind === K.ParenthesizedExpression || current.kind === K.AsExpression || current.kind === K.NonNullExpression) current = (current as TS.ParenthesizedExpression).expression;
    return current;
  };
  const fixAllowed = (owner: Frame): boolean => owner.node.kind !== K.GetAccessor && owner.node.kind !== K.SetAccessor;

  /** Names the enclosing `if`s test for being unset: `if (!cache) cache = load()` initialises once, it does not share changing state. */
  const lazyGuards: string[] = [];
  /** `_A_x = new WeakMap()`: compiled private-field storage, set up once per class definition. */
  let writingValue: 'weak' | undefined;
  const unsetTested = (condition: TS.Expression): string | undefined => {
    const inner = unwrap(condition);
    if (inner.kind === K.PrefixUnaryExpression && (inner as TS.PrefixUnaryExpression).operator === K.ExclamationToken) {
      const operand = unwrap((inner as TS.PrefixUnaryExpression).operand);
      return operand.kind === K.Identifier ? (operand as TS.Identifier).text : undefined;
    }
    if (inner.kind === K.BinaryExpression) {
      const binary = inner as TS.BinaryExpression;
      const operator = binary.operatorToken.kind;
      if (operator !== K.EqualsEqualsEqualsToken && operator !== K.EqualsEqualsToken) return undefined;
      const [left, right] = [unwrap(binary.left), unwrap(binary.right)];
      const isUnset = (node: TS.Expression) => node.kind === K.NullKeyword || node.kind === K.FalseKeyword || (node.kind === K.Identifier && (node as TS.Identifier).text === 'undefined');
      if (left.kind === K.Identifier && isUnset(right)) return (left as TS.Identifier).text;
      if (right.kind === K.Identifier && isUnset(left)) return (right as TS.Identifier).text;
    }
    return undefined;
  };
  const recordWrite = (target: TS.Expression) => {
    if (!frame) return;
    if (target.kind === K.Identifier) {
      const name = (target as TS.Identifier).text;
      if (!moduleMutable.has(name) || frame.params.has(name) || lazyGuards.includes(name) || writingValue === 'weak') return;
      const list = globalWrites.get(name);
      const entry = { frame: injectableOwner(frame) ?? frame, node: target };
      if (!list) globalWrites.set(name, [entry]);
      else list.push(entry);
      return;
    }
    if (target.kind === K.PropertyAccessExpression && classContext) {
      const access = target as TS.PropertyAccessExpression;
      const owner = access.expression;
      const viaThis = owner.kind === K.ThisKeyword && inStaticMember;
      const viaName = owner.kind === K.Identifier && (owner as TS.Identifier).text === classContext.name;
      if (viaThis || viaName) {
        const field = classContext.staticFields.get(access.name.text);
        if (field) field.written = true;
      }
    }
  };

  const checkChain = (node: TS.Expression) => {
    if (!frame || parameterDefaults > 0) return;
    let hops = 0;
    let intermediateCall = false;
    let current: TS.Expression = node;
    for (;;) {
      if (current.kind === K.PropertyAccessExpression) {
        const access = current as TS.PropertyAccessExpression;
        if (!fluentNames.has(access.name.text)) hops++;
        current = access.expression;
      } else if (current.kind === K.CallExpression || current.kind === K.ElementAccessExpression || current.kind === K.NonNullExpression) {
        if (current !== node && current.kind === K.CallExpression) intermediateCall = true;
        current = (current as TS.CallExpression).expression;
      } else break;
    }
    // Reading through plain data (`event.range.start.line`) is not reaching through a collaborator: a call in the middle is.
    if (hops <= reachLimit || !intermediateCall || current.kind !== K.Identifier) return;
    const root = (current as TS.Identifier).text;
    if (!chainRootIsParameter(root)) return;
    reportNode(
      'reach-through',
      node,
      `${describeFrame(frame)} reaches ${hops} steps through its parameter \`${root}\` (more than ${reachLimit}): a test must build that whole chain of objects. Ask for the object at the end of the chain instead.`,
      { value: hops, threshold: reachLimit, symbol: frame.name },
    );
  };

  /** The first finding of each hidden dependency per function; later uses become its related information. */
  const hazardsByFrame = new Map<Frame, Map<string, TestabilityFinding>>();
  /** Reads that are already injectable: `options.env ?? process.env.X` falls back to the environment after an explicit value. */
  const exemptReads = new Set<TS.Node>();
  /** `new X(…)` that is thrown or returned: an error, or a factory handing its product to the caller. */
  const exemptCreations = new Set<TS.Node>();
  /** Function expressions called where they are defined: `(() => { … })()`. */
  const immediatelyInvoked = new Set<TS.Node>();

  /** True when the function does nothing but this read: `() => Date.now()` is the module's own seam, not a hidden use. */
  const isWholeBody = (target: Frame, node: TS.Node): boolean => {
    if (target.isField) return false;
    const body = (target.node as TS.FunctionLikeDeclaration).body;
    if (!body) return false;
    let expression: TS.Node | undefined;
    if (body.kind === K.Block) {
      const statements = (body as TS.Block).statements;
      if (statements.length !== 1) return false;
      const only = statements[0];
      if (only.kind === K.ReturnStatement) expression = (only as TS.ReturnStatement).expression;
      else if (only.kind === K.ExpressionStatement) expression = (only as TS.ExpressionStatement).expression;
    } else expression = body;
    while (expression && expression.kind === K.ParenthesizedExpression) expression = (expression as TS.ParenthesizedExpression).expression;
    if (!expression) return false;
    if (expression === node) return true;
    // `return new Date().toISOString()`: still only the clock, in another form.
    return (
      expression.kind === K.CallExpression &&
      (expression as TS.CallExpression).arguments.length === 0 &&
      (expression as TS.CallExpression).expression.kind === K.PropertyAccessExpression &&
      unwrap(((expression as TS.CallExpression).expression as TS.PropertyAccessExpression).expression) === node
    );
  };
  const mentionsNode = (root: TS.Node, node: TS.Node): boolean => node.pos >= root.pos && node.end <= root.end;
  /**
   * A short function named for time (`isoTimeNano`, `currentTime`, `now`) or a timer wrapper named
   * like the timer it wraps (`timeoutProvider.setTimeout`): the module's own clock seam.
   */
  const isClockHelper = (code: TestabilityRuleCode, target: Frame, what: string, read: TS.Node): boolean => {
    if (code !== 'hidden-clock' || target.isField) return false;
    if (what.startsWith(`${target.name}(`)) return true;
    // A time source is named for what it tells (`now()`, `isoTime()`, `coarsenedCurrentTime(flag)`) and
    // hands the time back: it takes nothing, or the read is part of what it returns.
    if (!/now|time(?!out|r)|clock|timestamp/i.test(target.name)) return false;
    if ((target.node as TS.FunctionLikeDeclaration).parameters.length === 0) return true;
    const body = (target.node as TS.FunctionLikeDeclaration).body;
    if (!body) return false;
    if (body.kind !== K.Block) return mentionsNode(body, read);
    const last = (body as TS.Block).statements[(body as TS.Block).statements.length - 1];
    return !!last && last.kind === K.ReturnStatement && mentionsNode(last, read);
  };

  const hiddenDependency = (code: TestabilityRuleCode, node: TS.Node, what: string, dependency: 'clock' | 'date' | 'performance' | 'random' | 'uuid' | 'env' | undefined, reason?: string) => {
    if (!frame || parameterDefaults > 0 || !enabled(code) || exemptReads.has(node)) return;
    if (frame.moduleInit || isWholeBody(frame, node) || isClockHelper(code, frame, what, node)) return;
    // `if (boundary === undefined) boundary = random()`: the read is only the default of a value the caller can pass.
    if (lazyGuards.some((name) => frame!.params.has(name))) return;
    // A function named for the environment (`loadEnv`, `get #noProxyEnv`) is where the program reads it on purpose: the edge.
    if (code === 'hidden-env' && (/env/i.test(frame.name) || /env/i.test(injectableOwner(frame)?.name ?? ''))) return;
    // A function named as a random source (`randomString`, `uuid`, `nonce`) is the seam tests replace.
    if (code === 'hidden-random' && /random|uuid|nonce|salt/i.test(frame.name)) return;
    const owner = injectableOwner(frame);
    const place = frame.isField || frame.name === '(callback)' ? (owner ?? frame) : frame;
    let seen = hazardsByFrame.get(place);
    if (!seen) hazardsByFrame.set(place, (seen = new Map()));
    const first = seen.get(code);
    if (first) {
      (first.related ??= []).push({ start: node.getStart(sourceFile), end: node.end, span: zeroSpan, message: `\`${what}\` here too.`, occurrence: true });
      return;
    }
    const fix: FindingFixData | undefined =
      owner && dependency && owner.node.kind !== K.PropertyDeclaration && fixAllowed(owner) ? { kind: 'inject', dependency, ownerStart: owner.node.getStart(sourceFile) } : undefined;
    const where = describeFrame(place);
    const reasons: Record<string, string> = {
      'hidden-clock': `reads the real clock inside ${where}, so a test cannot control time and results change from run to run. Pass the clock in as a parameter whose default is today's clock.`,
      'hidden-random': `draws real randomness inside ${where}, so a test cannot predict its result. Pass the random source in as a parameter whose default is today's source.`,
      'hidden-env': `reads the process environment inside ${where}, so a test must change global state to change its behaviour. Pass the value (or the environment) in as a parameter defaulting to \`process.env\`.`,
    };
    reportNode(code, node, `\`${what}\` ${reason ? reason.replace('{where}', where) : reasons[code]}`, { symbol: frame.name, fix });
    seen.set(code, findings[findings.length - 1]);
  };

  const visitCall = (node: TS.CallExpression) => {
    const callee = node.expression;
    if (frame) {
      if (checkHidden) {
        const name = callee.kind === K.PropertyAccessExpression ? calleeName(callee) : callee.kind === K.Identifier ? (cryptoBindings.get((callee as TS.Identifier).text) ?? (callee as TS.Identifier).text) : undefined;
        const hidden = name !== undefined ? clockCalls.get(name) : undefined;
        if (hidden) hiddenDependency(hidden.code, node, `${name}()`, hidden.dependency);
        else if (name === 'Date' && callee.kind === K.Identifier) hiddenDependency('hidden-clock', node, 'Date()', undefined);
        else if (name === 'process.cwd') hiddenDependency('hidden-env', node, 'process.cwd()', undefined);
        else if (callee.kind === K.Identifier && name && delayTimers.has(name) && !frame.isConstructor && hasDelay(node) && !lazyGuards.some((guard) => frame!.params.has(guard))) {
          const owner = frame.name === '(callback)' ? (injectableOwner(frame) ?? frame) : frame;
          (owner.timers ??= []).push({ node, name });
        }
      }
      if (checkIo && !frame.ioCall && parameterDefaults === 0) {
        const io = isIoCall(node);
        if (io) {
          frame.ioCall = node;
          frame.ioName = io;
        }
      }
    } else if (checkSideEffects && entryGuard === 0 && !classContext && hasExports) {
      const name = lastName(callee);
      const io = isIoCall(node);
      let effect: string | undefined;
      if (io) effect = `does I/O (\`${io}\`)`;
      else if (callee.kind === K.Identifier && name && timerNames.has(name)) effect = `starts a timer (\`${name}\`)`;
      else if (callee.kind === K.PropertyAccessExpression && name && listenerMethods.has(name)) {
        // A listener on an object the module made itself goes when the module's objects go; one on the process or an import stays.
        const root = rootIdentifier(callee);
        if (root && (globalRoots.has(root) || importedBindings.has(root))) effect = `registers a listener (\`${calleeName(callee) ?? name}\`)`;
      }
      if (effect) {
        reportNode(
          'import-side-effect',
          node,
          `Importing this module ${effect}: a test cannot even import it without that effect. Move the statement into a function the program calls at start-up.`,
        );
      }
    }
  };
  /** A timer with a delay other than none or zero: `setTimeout(fn)` and `setTimeout(fn, 0)` only defer. */
  const hasDelay = (call: TS.CallExpression): boolean => {
    const delay = call.arguments[1];
    if (!delay) return false;
    return !(delay.kind === K.NumericLiteral && Number((delay as TS.NumericLiteral).text) === 0);
  };

  const visitNew = (node: TS.NewExpression) => {
    if (!frame || parameterDefaults > 0) return;
    const name = lastName(node.expression);
    if (name === 'Date' && (!node.arguments || node.arguments.length === 0)) {
      hiddenDependency('hidden-clock', node, 'new Date()', 'date');
      return;
    }
    if (checkIo && name && ioConstructors.has(name) && node.expression.kind === K.Identifier && !frame.ioCall && !exemptReads.has(node)) {
      frame.ioCall = node;
      frame.ioName = `new ${name}`;
    }
    if (!checkCollaborator || !name || exemptCreations.has(node) || !isCollaboratorClass(node.expression, name)) return;
    if (name === classContext?.name || frame.isFactory || (frame.isStatic && frame.node.kind === K.MethodDeclaration)) return;
    const owner = injectableOwner(frame);
    const target = owner ?? frame;
    // A class that is a parameter or a local of the function (`new Class(def)`, `const Ctor = opts.Ctor`) is injected already.
    for (let current: Frame | undefined = frame; current; current = current.parent) if (current.params.has(name)) return;
    if (declaresLocally(ts, target.node, name)) return;
    let seen = hazardsByFrame.get(target);
    if (!seen) hazardsByFrame.set(target, (seen = new Map()));
    const key = `hidden-collaborator:${name}`;
    const first = seen.get(key);
    if (first) {
      (first.related ??= []).push({ start: node.getStart(sourceFile), end: node.end, span: zeroSpan, message: `\`new ${name}\` here too.`, occurrence: true });
      return;
    }
    const fix: FindingFixData | undefined = owner ? { kind: 'collaborator', ownerStart: owner.node.getStart(sourceFile), className: name } : undefined;
    const subject = describeFrame(target);
    reportNode(
      'hidden-collaborator',
      node,
      `${subject.charAt(0).toUpperCase()}${subject.slice(1)} builds its own \`${name}\` with \`new\`, so a test cannot put a fake in its place. Take the collaborator as a parameter (today's \`new ${name}(…)\` can stay as its default).`,
      { symbol: target.name, fix },
    );
    seen.set(key, findings[findings.length - 1]);
  };
  /**
   * Whether `new <expression>` builds a collaborator: a class from an I/O module, or a class named
   * as one (`…Client`, `…Repository`, `…Service`), referred to by a plain name or through an
   * imported namespace. Values, records, errors and standard classes are not collaborators.
   */
  const isCollaboratorClass = (expression: TS.Expression, name: string): boolean => {
    if (valueClasses.has(name) || valueGlobals.has(name) || !/^[A-Z]/.test(name) || /(Error|Exception)$/.test(name) || /^[A-Z0-9_]+$/.test(name)) return false;
    let root: string | undefined;
    if (expression.kind === K.Identifier) root = name;
    else if (expression.kind === K.PropertyAccessExpression && (expression as TS.PropertyAccessExpression).expression.kind === K.Identifier) {
      root = ((expression as TS.PropertyAccessExpression).expression as TS.Identifier).text;
      if (root === 'Intl' || !importedBindings.has(root)) return false;
    } else return false;
    return ioBindings.has(root) || ioBindings.has(name) || collaboratorName.test(name);
  };

  const visitClass = (node: TS.ClassLikeDeclaration) => {
    const saved = { classContext, inStaticMember };
    const name = node.name?.text ?? nameHint?.name;
    nameHint = undefined;
    const context: ClassContext = { name, staticFields: new Map() };
    classStartOf.set(context, node.getStart(sourceFile));
    classContext = context;
    for (const decorator of ts.canHaveDecorators(node) ? (ts.getDecorators(node) ?? []) : []) visit(decorator);
    for (const clause of node.heritageClauses ?? []) visit(clause);
    for (const member of node.members) {
      if (member.kind === K.PropertyDeclaration) {
        const property = member as TS.PropertyDeclaration;
        const isStatic = hasModifier(property, K.StaticKeyword);
        if (isStatic && property.name.kind !== K.ComputedPropertyName) {
          const initializer = property.initializer;
          const typeName = property.type && property.type.kind === K.TypeReference ? (property.type as TS.TypeReferenceNode).typeName.getText(sourceFile) : undefined;
          const singleton =
            name !== undefined &&
            ((initializer?.kind === K.NewExpression && lastName((initializer as TS.NewExpression).expression) === name) || typeName === name);
          context.staticFields.set(property.name.getText(sourceFile), {
            name: property.name.getText(sourceFile),
            nameNode: property.name,
            readonly: hasModifier(property, K.ReadonlyKeyword),
            written: false,
            singleton,
          });
        }
        if (property.name.kind === K.ComputedPropertyName) visit(property.name);
        if (!property.initializer) continue;
        if (isFunctionLike(property.initializer)) {
          nameHint = { name: property.name.getText(sourceFile), node: property.name, topLevel: false, exported: false };
          inStaticMember = isStatic;
          visit(property.initializer);
          nameHint = undefined;
          continue;
        }
        if (isStatic) {
          inStaticMember = true;
          visit(property.initializer);
          inStaticMember = false;
          continue;
        }
        const fieldFrame: Frame = {
          node: property,
          name: property.name.getText(sourceFile),
          nameStart: property.name.getStart(sourceFile),
          nameEnd: property.name.end,
          parent: frame,
              isField: true,
          isConstructor: false,
          isFactory: false,
          isStatic: false,
          unreachableCandidate: false,
          cognitive: 0,
          nesting: 0,
          cyclomatic: 1,
          depth: 0,
          depthReported: false,
          params: new Set(),
          classContext: context,
        };
        const outer = frame;
        frame = fieldFrame;
        visit(property.initializer);
        frame = outer;
      } else if (member.kind === K.ClassStaticBlockDeclaration) {
        inStaticMember = true;
        visit((member as TS.ClassStaticBlockDeclaration).body);
        inStaticMember = false;
      } else {
        visit(member);
      }
    }
    for (const field of context.staticFields.values()) {
      const methodNames = node.members.filter((member) => member.name && hasModifier(member, K.StaticKeyword)).map((member) => member.name!.getText(sourceFile));
      if (field.singleton || (methodNames.includes('getInstance') && /^_?instance$/i.test(field.name))) {
        reportNode(
          'singleton',
          field.nameNode,
          `${name ?? 'This class'} keeps its own single instance in \`${field.name}\`: tests cannot replace it or reset it between cases. Create one instance where the program starts and pass it to what needs it.`,
          { symbol: name },
        );
      } else if (field.written && !field.readonly) {
        reportNode(
          'static-mutable',
          field.nameNode,
          `Static field \`${name ?? ''}.${field.name}\` is changed at run time and shared by every test in the process, so tests depend on their order. Make it an instance field, or pass the state in.`,
          { symbol: name },
        );
      }
    }
    classContext = saved.classContext;
    inStaticMember = saved.inStaticMember;
  };

  /**
   * The walk recurses once per level of the tree, so its depth is bounded: below `maxWalkDepth`
   * levels (real code stays under 100) a subtree is skipped and one finding says so.
   */
  let walkDepth = 0;
  let tooDeepReported = false;
  const visit = (node: TS.Node): void => {
    if (walkDepth >= maxWalkDepth) {
      if (!tooDeepReported) {
        tooDeepReported = true;
        reportNode(
          'analysis-failed',
          node,
          `This code is nested more than ${maxWalkDepth} levels deep, deeper than the testability analysis goes: findings inside it are not reported. Split the expression or the nested blocks into smaller functions.`,
        );
      }
      return;
    }
    walkDepth++;
    visitNode(node);
    walkDepth--;
  };
  const visitNode = (node: TS.Node): void => {
    const isChainTop = node !== chainContinuation;
    switch (node.kind) {
      case K.FunctionDeclaration:
      case K.FunctionExpression:
      case K.ArrowFunction:
      case K.MethodDeclaration:
      case K.Constructor:
      case K.GetAccessor:
      case K.SetAccessor:
        visitFunction(node as TS.FunctionLikeDeclaration);
        return;
      case K.ClassDeclaration:
      case K.ClassExpression:
        visitClass(node as TS.ClassLikeDeclaration);
        return;
      case K.VariableDeclaration: {
        const declaration = node as TS.VariableDeclaration;
        if (declaration.name.kind === K.Identifier && (isFunctionLike(declaration.initializer) || declaration.initializer?.kind === K.ClassExpression)) {
          const topLevel = !frame && !classContext;
          nameHint = { name: declaration.name.text, node: declaration.name, topLevel, exported: false };
          if (declaration.type) visit(declaration.type);
          visit(declaration.initializer!);
          nameHint = undefined;
          return;
        }
        break;
      }
      case K.PropertyAssignment: {
        const property = node as TS.PropertyAssignment;
        if (isFunctionLike(property.initializer) && property.name.kind !== K.ComputedPropertyName) {
          nameHint = { name: property.name.getText(sourceFile), node: property.name, topLevel: false, exported: false };
          visit(property.initializer);
          nameHint = undefined;
          return;
        }
        break;
      }
      case K.BindingElement:
        if ((node as TS.BindingElement).initializer) decision();
        break;
      case K.Parameter: {
        const parameter = node as TS.ParameterDeclaration;
        if (parameter.initializer) {
          decision();
          parameterDefaults++;
          ts.forEachChild(node, visit);
          parameterDefaults--;
          return;
        }
        break;
      }
      case K.IfStatement:
        visitIf(node as TS.IfStatement, false);
        return;
      case K.SpreadAssignment:
      case K.SpreadElement:
        // `{ ...process.env, NODE_OPTIONS }` forwards the environment to a child; nothing is decided on it.
        exemptReads.add(unwrap((node as TS.SpreadAssignment).expression));
        break;
      case K.ThrowStatement:
      case K.ReturnStatement: {
        const value = (node as TS.ReturnStatement).expression;
        if (value) {
          const returned = unwrap(value);
          exemptCreations.add(returned);
          // `return single ? new Client(o) : new Pool(o)`: a factory choosing its product.
          if (returned.kind === K.ConditionalExpression) {
            exemptCreations.add(unwrap((returned as TS.ConditionalExpression).whenTrue));
            exemptCreations.add(unwrap((returned as TS.ConditionalExpression).whenFalse));
          }
        }
        break;
      }
      case K.ConditionalExpression: {
        const conditional = node as TS.ConditionalExpression;
        // `init.createXHR ? init.createXHR() : new XMLHttpRequest()`: the real thing is only the fallback of what the caller passes.
        const tested = rootIdentifier(unwrap(conditional.condition));
        if (tested !== undefined && frame && chainRootIsParameter(tested)) {
          exemptReads.add(unwrap(conditional.whenFalse));
          exemptReads.add(unwrap(conditional.whenTrue));
        }
        decision();
        structure(true);
        visit(conditional.condition);
        nested(conditional.whenTrue);
        nested(conditional.whenFalse);
        return;
      }
      case K.SwitchStatement: {
        const statement = node as TS.SwitchStatement;
        structure(true);
        enterDepth(node);
        visit(statement.expression);
        nested(statement.caseBlock);
        leaveDepth();
        return;
      }
      case K.CaseClause:
        decision();
        break;
      case K.ForStatement:
      case K.ForInStatement:
      case K.ForOfStatement:
      case K.WhileStatement:
      case K.DoStatement: {
        decision();
        structure(true);
        enterDepth(node);
        const loop = node as TS.IterationStatement;
        ts.forEachChild(node, (child) => (child === loop.statement ? nested(child) : visit(child)));
        leaveDepth();
        return;
      }
      case K.TryStatement: {
        const statement = node as TS.TryStatement;
        enterDepth(node);
        visit(statement.tryBlock);
        if (statement.catchClause) {
          decision();
          structure(true);
          if (statement.catchClause.variableDeclaration) visit(statement.catchClause.variableDeclaration);
          nested(statement.catchClause.block);
        }
        if (statement.finallyBlock) visit(statement.finallyBlock);
        leaveDepth();
        return;
      }
      case K.BreakStatement:
      case K.ContinueStatement:
        if ((node as TS.BreakStatement).label) structure(false);
        return;
      case K.BinaryExpression: {
        const binary = node as TS.BinaryExpression;
        const operator = binary.operatorToken.kind;
        if (operator === K.AmpersandAmpersandToken || operator === K.BarBarToken || operator === K.QuestionQuestionToken) {
          visitLogicalTree(binary);
          return;
        }
        if (operator >= K.FirstAssignment && operator <= K.LastAssignment) {
          if (operator === K.AmpersandAmpersandEqualsToken || operator === K.BarBarEqualsToken || operator === K.QuestionQuestionEqualsToken) decision();
          // `cache ??= load()` is lazy initialization: written once with the same value, not state tests share.
          const right = unwrap(binary.right);
          writingValue =
            right.kind === K.NewExpression && ['WeakMap', 'WeakSet'].includes(lastName((right as TS.NewExpression).expression) ?? '') ? 'weak' : undefined;
          if (operator !== K.QuestionQuestionEqualsToken || binary.left.kind !== K.Identifier) recordWrite(binary.left);
          writingValue = undefined;
          const exportMatch =
            !frame && !classContext && binary.left.kind === K.PropertyAccessExpression && /^(?:module\.)?exports\.([\w$]+)$/.exec(binary.left.getText(sourceFile));
          if (exportMatch && isFunctionLike(binary.right)) {
            visit(binary.left);
            nameHint = { name: exportMatch[1], node: binary.left, topLevel: true, exported: true };
            visit(binary.right);
            nameHint = undefined;
            return;
          }
        }
        break;
      }
      case K.PrefixUnaryExpression:
      case K.PostfixUnaryExpression: {
        const unary = node as TS.PrefixUnaryExpression;
        if (unary.operator === K.PlusPlusToken || unary.operator === K.MinusMinusToken) recordWrite(unary.operand);
        break;
      }
      case K.CallExpression: {
        if ((node as TS.CallExpression).questionDotToken) decision();
        const invoked = unwrap((node as TS.CallExpression).expression);
        if (invoked.kind === K.ArrowFunction || invoked.kind === K.FunctionExpression) immediatelyInvoked.add(invoked);
        visitCall(node as TS.CallExpression);
        if (checkReach && isChainTop) checkChain(node as TS.Expression);
        const call = node as TS.CallExpression;
        chainContinuation = call.expression;
        ts.forEachChild(node, visit);
        return;
      }
      case K.NewExpression:
        visitNew(node as TS.NewExpression);
        break;
      case K.PropertyAccessExpression: {
        const access = node as TS.PropertyAccessExpression;
        if (access.questionDotToken) decision();
        if (checkHidden && frame && access.expression.kind === K.Identifier && (access.expression as TS.Identifier).text === 'process') {
          if (access.name.text === 'env') hiddenDependency('hidden-env', node, 'process.env', 'env');
          else if (processEnvironment.has(access.name.text)) hiddenDependency('hidden-env', node, `process.${access.name.text}`, undefined);
        }
        if (checkReach && isChainTop) checkChain(access);
        chainContinuation = access.expression;
        visit(access.expression);
        return;
      }
      case K.ElementAccessExpression:
      case K.NonNullExpression: {
        if ((node as TS.ElementAccessExpression).questionDotToken) decision();
        if (checkReach && isChainTop) checkChain(node as TS.Expression);
        const expression = (node as TS.ElementAccessExpression).expression;
        chainContinuation = expression;
        ts.forEachChild(node, visit);
        return;
      }
    }
    ts.forEachChild(node, visit);
  };

  for (const statement of sourceFile.statements) visit(statement);

  // Module-level state written inside functions: confirm the name is not a local of the writer.
  for (const [name, writes] of globalWrites) {
    // One finding per variable and function; its other writes there are related information.
    const reported = new Map<Frame, TestabilityFinding>();
    for (const write of writes) {
      const first = reported.get(write.frame);
      if (first) {
        (first.related ??= []).push({ start: write.node.getStart(sourceFile), end: write.node.end, span: zeroSpan, message: `\`${name}\` is written here too.`, occurrence: true });
        continue;
      }
      if (declaresLocally(ts, write.frame.node, name) || restoresAfter(ts, write.frame.node, name)) continue;
      reportNode(
        'mutable-global',
        write.node,
        `\`${name}\` is module-level state written by ${describeFrame(write.frame)}: tests in one process share it and come to depend on their order. Keep the state in an object that is passed in, or return new values instead.`,
        { symbol: name, related: declaredAt.has(name) ? [{ ...declaredAt.get(name)!, span: zeroSpan, message: `\`${name}\` is declared here, at module level.` }] : undefined },
      );
      reported.set(write.frame, findings[findings.length - 1]);
    }
  }

  const declared: ExportedDeclaration[] = [...exportsFromWalk];
  for (const [local, names] of exportedLocals) {
    const declaration = topDeclarations.get(local);
    if (!declaration) continue;
    for (const exportedName of names) declared.push({ exportedName, localName: local, kind: declaration.kind, start: declaration.start, end: declaration.end });
  }

  const lines = lineMapOf(text);
  for (const finding of findings) {
    finding.span = spanOf(lines, finding.start, finding.end);
    for (const related of finding.related ?? []) related.span = spanOf(lines, related.start, related.end);
  }
  findings.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
  return { findings, exports: declared };
}

const zeroSpan = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** True when `name` is declared inside the function (a parameter, variable, function or class), which shadows a module variable. */
function declaresLocally(ts: TypeScript, node: TS.Node, name: string): boolean {
  const K = ts.SyntaxKind;
  // An explicit stack: the function may nest deeper than the call stack allows.
  const pending: TS.Node[] = [];
  const push = (child: TS.Node) => {
    pending.push(child);
  };
  ts.forEachChild(node, push);
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (
      (current.kind === K.VariableDeclaration || current.kind === K.Parameter || current.kind === K.BindingElement || current.kind === K.FunctionDeclaration || current.kind === K.ClassDeclaration) &&
      (current as TS.VariableDeclaration).name?.kind === K.Identifier &&
      ((current as TS.VariableDeclaration).name as TS.Identifier).text === name
    ) {
      return true;
    }
    ts.forEachChild(current, push);
  }
  return false;
}

/**
 * True when the function puts the variable back before it returns: it assigns it in a `finally`,
 * or snapshots it (`const outer = flag`) and writes the snapshot back. Such a variable is a
 * re-entrancy flag or a register scoped to the call, not state that calls share.
 */
function restoresAfter(ts: TypeScript, node: TS.Node, name: string): boolean {
  const K = ts.SyntaxKind;
  const snapshots = new Set<string>();
  const writtenFrom = new Set<string>();
  let inFinally = false;
  const pending: { node: TS.Node; inFinally: boolean }[] = [];
  ts.forEachChild(node, (child) => {
    pending.push({ node: child, inFinally: false });
  });
  while (pending.length > 0) {
    const item = pending.pop()!;
    const current = item.node;
    if (current.kind === K.VariableDeclaration) {
      const declaration = current as TS.VariableDeclaration;
      if (declaration.name.kind === K.Identifier && declaration.initializer?.kind === K.Identifier && (declaration.initializer as TS.Identifier).text === name) snapshots.add(declaration.name.text);
    } else if (current.kind === K.BinaryExpression) {
      const binary = current as TS.BinaryExpression;
      if (binary.operatorToken.kind === K.EqualsToken && binary.left.kind === K.Identifier && (binary.left as TS.Identifier).text === name) {
        if (item.inFinally) inFinally = true;
        if (binary.right.kind === K.Identifier) writtenFrom.add((binary.right as TS.Identifier).text);
      }
    }
    const finallyBlock = current.kind === K.TryStatement ? (current as TS.TryStatement).finallyBlock : undefined;
    ts.forEachChild(current, (child) => {
      pending.push({ node: child, inFinally: item.inFinally || child === finallyBlock });
    });
  }
  return inFinally || [...snapshots].some((snapshot) => writtenFrom.has(snapshot));
}
