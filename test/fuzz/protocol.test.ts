/**
 * The protocol fuzzer in the suite: fixed seeds, a few hundred operations each, every property
 * checked after every step (see fuzzer.ts). `npm run fuzz` runs thousands with a seed from the clock.
 */
import * as assert from 'node:assert/strict';
import { fuzzWorkspace, generate, memoryOverEdits, reproducer, runOps, shrink } from './fuzzer';

const seeds = [1, 19, 20];
const operations = 150;

describe('the protocol fuzzer', function () {
  // Generous: a passing seed takes a few seconds; only a failing one spends up to a minute shrinking.
  this.timeout(180000);

  for (const seed of seeds) {
    it(`keeps every property for seed ${seed} (${operations} operations)`, async () => {
      const ops = generate(seed, operations, fuzzWorkspace(), 0.5);
      const failure = await runOps(fuzzWorkspace, ops);
      if (failure) {
        const minimal = await shrink(fuzzWorkspace, ops, 25, 60000);
        assert.fail(reproducer(seed, minimal.failure, minimal.ops));
      }
    });
  }

  it('generates the same operations from the same seed', () => {
    const root = fuzzWorkspace();
    assert.deepEqual(generate(7, 50, root), generate(7, 50, root));
    assert.notDeepEqual(generate(7, 50, root), generate(8, 50, root));
  });

  it('keeps memory bounded over 2,000 edits of one file', async () => {
    const memory = await memoryOverEdits(fuzzWorkspace, 2000);
    if (!memory) return; // No /proc: nothing to measure.
    assert.ok(memory.atEnd - memory.afterWarmUp < 100, `resident memory grew from ${Math.round(memory.afterWarmUp)} MB to ${Math.round(memory.atEnd)} MB`);
  });
});
