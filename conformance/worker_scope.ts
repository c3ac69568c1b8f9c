/**
 * The global scope of a dedicated Worker, typed without
 * `/// <reference lib="deno.worker" />`, which JSR refuses in published
 * modules because it changes the globals of every importer.
 *
 * @module
 */

/** What a Worker module uses of its global scope. */
export interface WorkerScope<In> {
  /** Called with each message the parent posts. */
  onmessage: ((e: MessageEvent<In>) => void) | null;
  /** Send a message to the parent. */
  postMessage(message: unknown): void;
}

/** This Worker's global scope (call only inside a Worker). */
export function workerScope<In>(): WorkerScope<In> {
  return globalThis as unknown as WorkerScope<In>;
}
