/**
 * The contract between the Tandem server and its clients: every custom method, its parameters and
 * its result. `protocol/README.md` describes the same for the author of a new editor client, and a
 * test keeps the two in step. Each area declares its messages in its own file; this module
 * re-exports them all.
 */
export * from './trace';
export * from './settings';
export * from './generation';
export * from './testing';
export * from './testability';
