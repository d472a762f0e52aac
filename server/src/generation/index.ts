/**
 * Generation of implementation and tests together, as plain data: the language server's feature
 * and any other caller (the CLI, benchmarks) start a run with `runGeneration` and read its result.
 *
 * The flow: `gatherTask` (context under a budget) → a `ModelProvider` (`openai` or `offline`) →
 * `parseAnswer` (the documented output format) → `planAnswer` (paths, overwrites, tags) → the checks
 * (`typeCheckPlanned`, the testability rules, the new tests in a scratch copy, three times) → repair, up to
 * the configured rounds (`runGenerationLoop`). Nothing here knows LSP.
 */
export { runGeneration, chooseProvider, type EngineInput, type EngineResult, type TestFilesRunner } from './engine';
export { gatherTask, detectFramework, type GatherRequest, type WorkspaceView } from './gather';
export { runGenerationLoop, type LoopPorts, type LoopOptions, type LoopResult } from './loop';
export { parseAnswer, formatAnswer } from './format';
export { planAnswer, applyChanges } from './plan';
export { maySend, looksSecret, resolveProposedPath } from './paths';
export { generationSettingsDefaults, validateGenerationSettings, type GenerationSettings } from './settings';
export { ModelError, type ModelProvider } from './providers/provider';
export type * from './model';
export type * from './task';
