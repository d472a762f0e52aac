/**
 * `npm run fuzz`: the protocol fuzzer at length — thousands of operations from a seed taken from
 * the clock (printed first, so any run can be repeated with `npm run fuzz -- SEED`), full-size
 * hostile files, and 10,000 edits of one file for memory. A failure prints a minimal reproducer.
 */
import { fuzzWorkspace, generate, memoryOverEdits, reproducer, runOps, shrink } from './fuzzer';

async function main(): Promise<void> {
  const seed = Number(process.argv[2] ?? Date.now() % 2147483647);
  const count = Number(process.argv[3] ?? 3000);
  process.stdout.write(`Fuzz seed ${seed}, ${count} operations\n`);
  const started = performance.now();
  const ops = generate(seed, count, fuzzWorkspace(), 1);
  const failure = await runOps(fuzzWorkspace, ops, { pingEvery: 1 });
  if (failure) {
    process.stdout.write(`Failed: ${failure}\nShrinking…\n`);
    const minimal = await shrink(fuzzWorkspace, ops, 60);
    process.stdout.write(`${reproducer(seed, minimal.failure, minimal.ops)}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`All properties held over ${count} operations in ${Math.round((performance.now() - started) / 1000)} s.\n`);
  const memory = await memoryOverEdits(fuzzWorkspace, 10000);
  if (memory) {
    const grew = memory.atEnd - memory.afterWarmUp;
    process.stdout.write(`Resident memory over 10,000 edits of one file: ${Math.round(memory.afterWarmUp)} MB after 1,000, ${Math.round(memory.atEnd)} MB at the end.\n`);
    if (grew > 100) {
      process.stdout.write(`Failed: memory grew by ${Math.round(grew)} MB.\n`);
      process.exitCode = 1;
    }
  }
}

void main();
