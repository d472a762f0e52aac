/**
 * The JetBrains client. No JetBrains IDE or Gradle build can run here, so this checks what can be
 * checked without one:
 * - the LSP4IJ user-defined server template validates against the template format LSP4IJ
 *   documents (test/fixtures/clients/lsp4ij/template.schema.json), and its settings file against
 *   the template's own settings.schema.json, whose keys are the server's;
 * - the template's command, run the way LSP4IJ runs it (`sh -c "tandem-ls --stdio"`) with the
 *   template's initialization options and settings, starts the server, whose diagnostics reach
 *   files the template maps;
 * - the plugin source names the server's methods and reads only fields the server sends.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CoverageRequest, RequirementsRequest, TraceAtRequest, TraceDidChangeNotification, TraceRequest } from '../../protocol/trace';
import { ServerInfoRequest } from '../../protocol/settings';
import { coreSettingsDefaults, traceSettingsDefaults } from '../../server/src/workspace/config';
import { generationSettingsDefaults } from '../../server/src/generation/settings';
import { testingSettingsDefaults } from '../../server/src/testing/settings';
import { uriOf } from '../support/lsp';
import { freshWorkspace, repoRoot } from './editors';
import { validate, type Schema } from './jsonSchema';
import { startSession, until, type ServerSession } from './protocol';

const templateDir = path.join(repoRoot, 'clients', 'jetbrains', 'template');
const pluginSource = path.join(repoRoot, 'clients', 'jetbrains', 'plugin', 'src', 'main');
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const template = readJson(path.join(templateDir, 'template.json'));
const settings = readJson(path.join(templateDir, 'settings.json'));
const settingsSchema: Schema = readJson(path.join(templateDir, 'settings.schema.json'));
const initializationOptions = readJson(path.join(templateDir, 'initializationOptions.json'));
const kotlin = (name: string) => fs.readFileSync(path.join(pluginSource, 'kotlin', 'dev', 'tandem', 'jetbrains', name), 'utf8');

/** Whether an LSP4IJ file name pattern (`*.md`) matches a file name. */
function patternMatches(pattern: string, fileName: string): boolean {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(fileName);
}

/** The mapping of the template that serves a file name, if any. */
function mappingFor(fileName: string): { languageId?: string } | undefined {
  return template.fileTypeMappings.find((mapping: any) => (mapping.fileType.patterns ?? []).some((pattern: string) => patternMatches(pattern, fileName)));
}

describe('JetBrains: the LSP4IJ user-defined server template', () => {
  it('validates against the template format LSP4IJ documents', () => {
    const schema: Schema = readJson(path.join(repoRoot, 'test', 'fixtures', 'clients', 'lsp4ij', 'template.schema.json'));
    assert.deepStrictEqual(validate(template, schema), []);
    // The checker itself rejects what the format forbids.
    assert.deepStrictEqual(validate({ id: 'x y', name: 'n', programArgs: {}, command: 'tandem-ls' }, schema), [
      '$.id: "x y" does not match /^[A-Za-z0-9._-]+$/',
      '$.programArgs: missing required default',
      '$: unknown key command',
    ]);
  });

  it('has settings that validate against its own schema, and initialization options that are an object', () => {
    assert.deepStrictEqual(validate(settings, settingsSchema), []);
    assert.strictEqual(typeof initializationOptions, 'object');
    assert.deepStrictEqual(validate({ tandem: { trace: { uncoveredSeverity: 'loud' } } }, settingsSchema), [
      '$.tandem.trace.uncoveredSeverity: "loud" is not one of ["error","warning","information","hint","off"]',
    ]);
  });

  it('describes in its settings schema only settings the server has, and every trace setting', () => {
    const defaults: Record<string, any> = { ...coreSettingsDefaults, trace: traceSettingsDefaults, generation: generationSettingsDefaults, testing: testingSettingsDefaults, testability: {} };
    const tandem = settingsSchema.properties!.tandem;
    for (const [section, schema] of Object.entries(tandem.properties!)) {
      assert.ok(section in defaults, `the server has a setting ${section}`);
      for (const key of Object.keys(schema.properties ?? {})) assert.ok(key in defaults[section], `the server has a setting ${section}.${key}`);
    }
    assert.deepStrictEqual(Object.keys(tandem.properties!.trace.properties!).sort(), Object.keys(traceSettingsDefaults).sort());
  });

  it('maps requirement documents, sources and tests of the fixture workspace', () => {
    for (const file of ['requirements.md', 'cart.js', 'cart.test.js', 'orders.ts', 'test_orders.py', 'OrderTest.java']) {
      assert.ok(mappingFor(file), `a mapping covers ${file}`);
    }
    assert.strictEqual(mappingFor('requirements.md')!.languageId, 'markdown');
  });
});

describe('JetBrains: the template command against the built server', function () {
  this.timeout(60000);
  let session: ServerSession;
  let root: string;

  before(async function () {
    if (process.platform === 'win32') return this.skip();
    ({ root } = freshWorkspace());
    // `tandem-ls` on PATH, as after `npm install -g`: a shim running the built server.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bin-'));
    fs.writeFileSync(path.join(bin, 'tandem-ls'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(repoRoot, 'server', 'bin', 'tandem-ls.js')}" "$@"\n`, { mode: 0o755 });
    const [command, ...args] = ['sh', '-c', /^sh -c "(.*)"$/.exec(template.programArgs.default)![1]];
    session = await startSession(command, args, {
      root,
      env: { PATH: `${bin}${path.delimiter}${process.env.PATH}` },
      initializationOptions,
      configuration: (section) => (section ? settings[section] : settings),
    });
  });

  after(async () => {
    await session?.close();
  });

  it('starts the server, which reports diagnostics on a mapped requirements file', async () => {
    const file = path.join(root, 'docs', 'requirements.md');
    await session.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: uriOf(file), languageId: mappingFor('requirements.md')!.languageId, version: 1, text: fs.readFileSync(file, 'utf8') },
    });
    await until('diagnostics on docs/requirements.md', 10000, () => (session.diagnostics.get(uriOf(file)) ?? []).length > 0);
    assert.deepStrictEqual(session.diagnostics.get(uriOf(file))!.map((diagnostic) => diagnostic.source), ['tandem', 'tandem']);
  });

  it('answers the requests the plugin sends', async () => {
    const requirements = await session.connection.sendRequest(RequirementsRequest.type, { gapsOnly: true });
    assert.deepStrictEqual(requirements.requirements.map((requirement) => requirement.id), ['CART-2', 'CART-3']);
    assert.ok(await session.connection.sendRequest(TraceRequest.type, { id: 'CART-1' }), 'the trace of CART-1');
    assert.strictEqual((await session.connection.sendRequest(CoverageRequest.type, {})).total, 3);
    assert.strictEqual((await session.connection.sendRequest(ServerInfoRequest.type)).indexing, false);
  });
});

/** The property names of a TypeScript interface in protocol/, with those of the interfaces it extends. */
function protocolFields(name: string): string[] {
  const source = ['trace.ts', 'settings.ts'].map((file) => fs.readFileSync(path.join(repoRoot, 'protocol', file), 'utf8')).join('\n');
  const match = new RegExp(`export interface ${name}(?: extends (\\w+))? \\{([\\s\\S]*?)\\n\\}`).exec(source);
  assert.ok(match, `interface ${name} in protocol/`);
  const own = [...match[2].matchAll(/^ {2}(\w+)\??:/gm)].map((field) => field[1]);
  return match[1] ? [...own, ...protocolFields(match[1])] : own;
}

describe('JetBrains: the plugin source', () => {
  it('declares the server methods and the notification by their protocol names', () => {
    const server = kotlin('TandemLanguageServer.kt');
    const declared = [...server.matchAll(/@JsonRequest\("([^"]+)"\)/g)].map((match) => match[1]).sort();
    assert.deepStrictEqual(declared, [CoverageRequest.method, RequirementsRequest.method, ServerInfoRequest.method, TraceRequest.method, TraceAtRequest.method].sort());
    assert.match(kotlin('TandemServerFactory.kt'), new RegExp(`@JsonNotification\\("${TraceDidChangeNotification.method}"\\)`));
  });

  it('reads only fields the protocol declares', () => {
    const protocolKotlin = kotlin('Protocol.kt');
    const classes = [...protocolKotlin.matchAll(/^class (\w+)\(([^)]*)\)/gms)];
    const checked = new Map([
      ['RequirementSummary', 'RequirementSummary'],
      ['RequirementsResult', 'RequirementsResult'],
      ['TraceLink', 'TraceLink'],
      ['Defect', 'Defect'],
      ['RequirementTrace', 'RequirementTrace'],
      ['TraceAtResult', 'TraceAtResult'],
      ['StatusCounts', 'StatusCounts'],
      ['CoverageResult', 'CoverageResult'],
      ['TestResultSummary', 'TestResultSummary'],
      ['TraceDidChangeParams', 'TraceDidChangeParams'],
      ['ServerInfoResult', 'ServerInfoResult'],
      ['RequirementsParams', 'RequirementsParams'],
      ['CoverageParams', 'CoverageParams'],
      ['TraceParams', 'TraceParams'],
    ]);
    for (const [, kotlinName, body] of classes) {
      const protocolName = checked.get(kotlinName);
      if (!protocolName) continue;
      const declared = protocolFields(protocolName);
      for (const field of [...body.matchAll(/val (\w+)/g)].map((m) => m[1])) {
        assert.ok(declared.includes(field), `${kotlinName}.${field} is a field of the protocol's ${protocolName} (${declared.join(', ')})`);
      }
      checked.delete(kotlinName);
    }
    assert.deepStrictEqual([...checked.keys()], [], 'every protocol class is declared in Protocol.kt');
  });

  it('registers on LSP4IJ extension points with classes that exist', () => {
    const pluginXml = fs.readFileSync(path.join(pluginSource, 'resources', 'META-INF', 'plugin.xml'), 'utf8');
    assert.match(pluginXml, /<depends>com\.redhat\.devtools\.lsp4ij<\/depends>/);
    const serverId = /<server id="([^"]+)"/.exec(pluginXml)![1];
    for (const mapping of pluginXml.matchAll(/<fileNamePatternMapping [^>]*serverId="([^"]+)"/g)) assert.strictEqual(mapping[1], serverId);
    // The plugin maps exactly the files the template maps (Doorstop YAML and C/C++ included).
    const pluginMappings = [...pluginXml.matchAll(/<fileNamePatternMapping patterns="([^"]+)" serverId="[^"]+" languageId="([^"]+)"\/>/g)].map((m) => `${m[2]}: ${m[1].split(';').sort().join(' ')}`).sort();
    const templateMappings = (template.fileTypeMappings as { fileType: { patterns: string[] }; languageId: string }[]).map((m) => `${m.languageId}: ${[...m.fileType.patterns].sort().join(' ')}`).sort();
    assert.deepStrictEqual(pluginMappings, templateMappings);
    const sources = fs.readdirSync(path.join(pluginSource, 'kotlin', 'dev', 'tandem', 'jetbrains')).map((file) => kotlin(file)).join('\n');
    for (const match of pluginXml.matchAll(/(?:factoryClass|class|serviceImplementation|instance)="dev\.tandem\.jetbrains\.(\w+)"/g)) {
      assert.match(sources, new RegExp(`class ${match[1]}\\b`), `class ${match[1]} named in plugin.xml exists`);
    }
    assert.match(kotlin('TandemServer.kt'), new RegExp(`SERVER_ID = "${serverId}"`));
  });
});
