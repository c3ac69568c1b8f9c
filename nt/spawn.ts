/**
 * Starting the Worker a thread runs on: the one place that knows how each
 * runtime makes a module Worker (Deno and Bun have Web Workers; Node's
 * `worker_threads` can be added here).
 *
 * @module
 */

/** What the thread layer needs of a Worker. */
export interface ThreadWorker {
  /** Send the start message. */
  postMessage(message: unknown): void;
  /** Stop it (at its next return to the event loop, on Deno). */
  terminate(): void;
  /** Called with each message it posts. */
  onmessage: ((event: MessageEvent) => void) | null;
  /** Called when it fails to load or throws uncaught. */
  onerror: ((event: ErrorEvent) => void) | null;
}

/**
 * A module Worker running `url`.
 *
 * @example
 * ```ts ignore
 * import { spawnWorker } from "./spawn.ts";
 * const worker = spawnWorker(new URL("./_thread_entry.ts", import.meta.url));
 * worker.terminate();
 * ```
 */
export function spawnWorker(url: URL): ThreadWorker {
  if (typeof Worker !== "function") {
    throw new Error("this runtime has no Web Worker; threads need one");
  }
  return new Worker(url, { type: "module" }) as unknown as ThreadWorker;
}
