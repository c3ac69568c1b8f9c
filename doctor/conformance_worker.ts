/**
 * The Worker that runs the conformance checks for the doctor, so that a
 * check that hangs (a blocking wait on a broken kernel) can be cut off by
 * terminating the Worker, and the main thread keeps drawing progress.
 *
 * @module
 */

import type { BackendKind } from "../core/backend.ts";
import { getBackend } from "../select/registry.ts";
import { SELFTESTS } from "../conformance/selftests.ts";
import { type ConformanceEvent, runChecks } from "./conformance_run.ts";
import { workerScope } from "../conformance/worker_scope.ts";

const self = workerScope<ConformanceJob>();

/** What the main thread asks for: a backend and the checks to run, in order. */
export interface ConformanceJob {
  /** The backend to open in this Worker. */
  readonly kind: BackendKind;
  /** Names of the checks to run (from `SELFTESTS`). */
  readonly names: readonly string[];
  /** How many times a failed check is run again before it counts as failed. */
  readonly retries: number;
}

function post(e: ConformanceEvent): void {
  self.postMessage(e);
}

self.onmessage = (e: MessageEvent<ConformanceJob>) => {
  const job = e.data;
  Promise.resolve()
    .then(() =>
      runChecks(SELFTESTS, job.names, getBackend(job.kind), job.retries, post)
    )
    .catch((err) =>
      post({
        type: "fatal",
        error: err instanceof Error ? err.message : String(err),
      })
    );
};
