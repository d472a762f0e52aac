/**
 * The in-memory type check of an attempt, off the main thread: a worker thread that loads
 * TypeScript once and answers one check per message, so that hover, diagnostics and every other
 * request keep being served while a first check parses the project and its libraries (which can
 * take seconds). The main thread sends plain data (the planned files, the open documents' texts)
 * and gets the issues back; a worker that fails or dies is replaced, and the check then runs on the
 * main thread rather than not at all.
 */
import * as path from 'node:path';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import type { GenerationCheckIssue, PlannedFile } from './model';

export interface TypeCheckRequest {
  folder: string;
  planned: PlannedFile[];
  /** Open documents' unsaved texts, by absolute path. */
  overlays: [string, string][];
  baselineFiles?: string[];
}

interface Pending {
  resolve(issues: GenerationCheckIssue[]): void;
  reject(error: Error): void;
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function failAll(error: Error): void {
  for (const entry of pending.values()) entry.reject(error);
  pending.clear();
  worker = undefined;
}

function workerThread(): Worker {
  if (worker) return worker;
  const started = new Worker(path.join(__dirname, 'typecheckWorker.js'));
  started.unref();
  started.on('message', (message: { id: number; issues?: GenerationCheckIssue[]; error?: string }) => {
    const entry = pending.get(message.id);
    if (!entry) return;
    pending.delete(message.id);
    if (message.error !== undefined) entry.reject(new Error(message.error));
    else entry.resolve(message.issues ?? []);
    if (pending.size === 0) started.unref();
  });
  started.on('error', (error) => failAll(error));
  started.on('exit', (code) => failAll(new Error(`the type-check worker stopped (exit ${code})`)));
  worker = started;
  return started;
}

/** Runs the check in the worker thread; rejects when the worker cannot run it. */
export function typeCheckInWorker(request: TypeCheckRequest): Promise<GenerationCheckIssue[]> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    const thread = workerThread();
    thread.ref();
    thread.postMessage({ id, request });
  });
}

/** Ends the worker (tests, shutdown). */
export async function stopTypeCheckWorker(): Promise<void> {
  const running = worker;
  worker = undefined;
  await running?.terminate();
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', ({ id, request }: { id: number; request: TypeCheckRequest }) => {
    try {
      const ts = require('typescript') as import('./declarations').TypeScriptModule;
      const { typeCheckPlanned } = require('./typecheck') as typeof import('./typecheck');
      const overlays = new Map(request.overlays);
      const issues = typeCheckPlanned({ ts, folder: request.folder, planned: request.planned, overlay: (file) => overlays.get(file), baselineFiles: request.baselineFiles });
      port.postMessage({ id, issues });
    } catch (error) {
      port.postMessage({ id, error: (error as Error).message ?? String(error) });
    }
  });
}
