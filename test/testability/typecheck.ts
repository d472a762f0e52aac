/**
 * Type-checks many in-memory files in one program (strict, ES2023, Node types), so a test can
 * prove a fixture compiles before a fix and still compiles after it.
 */
import * as path from 'node:path';
import type * as TS from 'typescript';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** Every error per virtual file name, as `line:column message` strings (empty arrays when clean). */
export function typeCheck(ts: typeof TS, files: Map<string, string>): Map<string, string[]> {
  const options: TS.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    typeRoots: [path.join(repoRoot, 'node_modules', '@types')],
    allowJs: true,
    checkJs: true,
    jsx: ts.JsxEmit.Preserve,
    skipLibCheck: true,
    noUnusedLocals: false,
  };
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = files.get(fileName);
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    return getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => files.has(fileName) || fileExists(fileName);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => files.get(fileName) ?? readFile(fileName);
  // JSX fixtures need intrinsic elements; they are declared once for the whole program.
  const jsxTypes = '/virtual/jsx.d.ts';
  const all = new Map(files);
  all.set(jsxTypes, 'declare namespace JSX { interface IntrinsicElements { [name: string]: unknown } }');
  files = all;
  const program = ts.createProgram([...files.keys()], options, host);
  const result = new Map<string, string[]>();
  for (const fileName of files.keys()) {
    if (fileName === jsxTypes) continue;
    const sourceFile = program.getSourceFile(fileName)!;
    const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
    result.set(
      fileName,
      diagnostics.map((diagnostic) => {
        const at = diagnostic.start === undefined ? { line: 0, character: 0 } : sourceFile.getLineAndCharacterOfPosition(diagnostic.start);
        return `${at.line + 1}:${at.character + 1} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      }),
    );
  }
  return result;
}
