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
});
