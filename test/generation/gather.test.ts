/**
 * What a run gathers before asking the model: the types a signature touches (through imports and
 * re-exports, as the TypeScript program resolves them), the project's conventions, and nothing
 * that may not be sent.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TypeScriptModule } from '../../server/src/generation/declarations';
import { gatherTask } from '../../server/src/generation/gather';
import type { GenerationTask } from '../../server/src/generation/task';
import { diskView, privateMarker, removeWorkspace, secretMarker, shopWorkspace } from './support/workspace';

const ts = require('typescript') as TypeScriptModule;

describe('generation: gathering the context', function () {
  this.timeout(20_000);
  let root: string;
  beforeEach(() => {
    root = shopWorkspace();
  });
  afterEach(() => removeWorkspace(root));

  function gather(file: string, symbol: string, overlays = new Map<string, string>()): GenerationTask {
    const task = gatherTask(ts, diskView(root, overlays), { kind: 'tests', path: path.join(root, file), symbol });
    assert.ok(!('error' in task), `gathering failed: ${'error' in task ? task.error : ''}`);
    return task as GenerationTask;
  }

  it('quotes the types a signature uses, followed through a re-export, and the project conventions', () => {
    fs.writeFileSync(path.join(root, 'src', 'index.ts'), "export type { OrderLine } from './types';\n");
    fs.writeFileSync(path.join(root, 'src', 'invoice.ts'), "import type { OrderLine } from './index';\n\nexport function invoiceLines(lines: OrderLine[]): string[] {\n  return lines.map((l) => l.sku);\n}\n");
    const task = gather('src/invoice.ts', 'invoiceLines');
    const types = task.sections.filter((s) => s.title === 'a type the signature uses');
    assert.deepEqual(types.map((s) => s.path), ['src/types.ts']);
    assert.match(types[0].text, /export interface OrderLine \{[\s\S]*unitPrice: number;/);
    assert.equal(task.framework, 'mocha');
    assert.equal(task.moduleKind, 'commonjs');
    assert.equal(task.language, 'ts');
    assert.equal(task.testPath, 'test/invoice.test.ts');
    assert.equal(task.importHint, "import { invoiceLines } from '../src/invoice';");
    assert.ok(task.existingTestTitles.includes('orderTotal totals an empty order as zero'));
  });

  it('reads unsaved editor text and never quotes ignored or secret files', () => {
    const orders = path.join(root, 'src', 'orders.ts');
    const unsaved = `${fs.readFileSync(orders, 'utf8')}\nimport { margin } from '../private/notes';\nexport function withMargin(line: OrderLine): number {\n  return line.unitPrice * (1 + margin);\n}\n`;
    const task = gather('src/orders.ts', 'withMargin', new Map([[orders, unsaved]]));
    const all = task.sections.map((s) => s.text).join('\n');
    assert.match(all, /export function withMargin/, 'the unsaved function is the target');
    assert.ok(!all.includes(privateMarker), 'a file .gitignore leaves out is not quoted');
    assert.ok(!all.includes(secretMarker), 'the .env file is not quoted');
    assert.ok(!task.sections.some((s) => s.path?.startsWith('private/')));
  });

  it('sends the project types a new module\'s requirement names, and prefers a module the task touches as the sample', () => {
    fs.appendFileSync(path.join(root, 'requirements.md'), '\n## REQ-9: Reserving stock\n\nReserving a quantity lowers the stock item\'s count.\n\n- Reserving more than is in stock throws OutOfStockError.\n');
    fs.writeFileSync(path.join(root, 'src', 'stock.ts'), '/** An article in the warehouse. */\nexport interface StockItem {\n  sku: string;\n  count: number;\n}\n\nexport class OutOfStockError extends Error {}\n\nexport const warehouseName = "main warehouse";\n');
    const task = gatherTask(ts, diskView(root), { kind: 'requirement', requirementId: 'REQ-9' }) as GenerationTask;
    assert.ok(!('error' in task));
    const types = task.sections.filter((s) => s.title === 'a project type the requirement names');
    assert.deepEqual(types.map((s) => s.text.split('\n').find((l) => l.startsWith('export'))), ['export interface StockItem {', 'export class OutOfStockError extends Error {}']);
    const sample = task.sections.find((s) => s.title === 'an existing module (follow its style)');
    assert.equal(sample?.path, 'src/stock.ts', 'the module declaring the named types is the sample');
  });

  it('never picks a module holding a key-like string as a sample or for context', () => {
    const keyHolders: Record<string, string> = {
      'src/a-config.ts': "export const config = { region: 'eu', apiKey: 'Zq8vW2xR7tLm4Kp9Yc3Nf6Hb1' };\nexport function regionOf(): string {\n  return config.region;\n}\n",
      'src/b-aws.ts': "export const bucket = 'shop-assets';\nexport const accessKeyId = 'AKIAIOSFODNN7EXAMPLE';\nexport function bucketUrl(): string {\n  return `s3://${bucket}`;\n}\n",
      'test/a.test.ts': "// @verifies REQ-2\nconst token = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';\ndescribe('a', () => {\n  it('b', () => {\n    if (!token) throw new Error('x');\n  });\n});\n",
    };
    for (const [file, text] of Object.entries(keyHolders)) fs.writeFileSync(path.join(root, file), text);
    const task = gatherTask(ts, diskView(root), { kind: 'requirement', requirementId: 'REQ-3' }) as GenerationTask;
    assert.ok(!('error' in task));
    const quoted = task.sections.map((s) => s.path);
    for (const file of Object.keys(keyHolders)) assert.ok(!quoted.includes(file), `${file} holds a key and must not be quoted, got ${JSON.stringify(quoted)}`);
    assert.ok(task.sections.some((s) => s.title === 'an existing module (follow its style)'), 'another module is the sample');
    assert.ok(task.sections.some((s) => s.title === 'an existing test (follow its style)'), 'another test is the example');
  });
});
