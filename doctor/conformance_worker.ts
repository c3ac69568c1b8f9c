/**
 * The Worker that runs the conformance checks for the doctor, so that a
 * check that hangs (a blocking wait on a broken kernel) can be cut off by
 * terminating the Worker, and the main thread keeps drawing progress.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import type { BackendKind } from "../core/backend.ts";
import { getBackend } from "../core/registry.ts";
import { SELFTESTS } from "../conformance/selftests.ts";

/** What the main thread asks for: a backend and the checks to run, in order. */
export interface ConformanceJob {
  /** The backend to open in this Worker. */
  readonly kind: BackendKind;
  /** Names of the checks to run (from `SELFTESTS`). */
  readonly names: readonly string[];
}

/** What the Worker reports, check by check. */
export type ConformanceEvent =
  | { readonly type: "start"; readonly name: string }
  | {
    readonly type: "result";
    readonly name: string;
    readonly ok: boolean;
    readonly ms: number;
    readonly error?: string;
  }
  | { readonly type: "end" }
  | { readonly type: "fatal"; readonly error: string };

function post(e: ConformanceEvent): void {
  self.postMessage(e);
}

function text(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function run(job: ConformanceJob): Promise<void> {
  const backend = getBackend(job.kind);
  for (const name of job.names) {
    const check = SELFTESTS.find((t) => t.name === name);
    if (!check) {
      post({ type: "result", name, ok: false, ms: 0, error: "no such check" });
      continue;
    }
    post({ type: "start", name });
    const start = performance.now();
    try {
      await check.run(backend);
      post({
        type: "result",
        name,
        ok: true,
        ms: Math.round(performance.now() - start),
      });
    } catch (err) {
      post({
        type: "result",
        name,
        ok: false,
        ms: Math.round(performance.now() - start),
        error: text(err),
      });
    }
  }
  post({ type: "end" });
}

self.onmessage = (e: MessageEvent<ConformanceJob>) => {
  run(e.data).catch((err) => post({ type: "fatal", error: text(err) }));
};
