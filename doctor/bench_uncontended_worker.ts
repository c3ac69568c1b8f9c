/**
 * The Worker side of the doctor's uncontended benchmark: a fresh isolate,
 * as `deno bench` gives each bench file, so that the number does not carry
 * the JIT feedback the doctor's own conformance checks left in this one.
 *
 * @module
 */

import type { ShareToken } from "../core/backend.ts";
import { attachBackend } from "../select/registry.ts";
import { workerScope } from "../conformance/worker_scope.ts";
import { benchUncontended, casStorePairNs } from "./bench.ts";

const self = workerScope<UncontendedJob>();

/** What the main thread sends. */
export interface UncontendedJob {
  /** `backend.share()`. */
  readonly token: ShareToken;
  /** Timed runs after the warm-up; the main thread takes their median. */
  readonly runs: number;
  /** Budget of each run, in milliseconds. */
  readonly runMs: number;
}

/** What the Worker answers: one sample per run, or why it failed. */
export type UncontendedReply =
  | {
    readonly kind: "done";
    /** ns per release + poll cycle, one per run. */
    readonly cycleNs: readonly number[];
    /** Cycles timed in all runs together. */
    readonly cycles: number;
    /** ns per CAS+store pair, measured beside each run. */
    readonly casStoreNs: readonly number[];
  }
  | { readonly kind: "error"; readonly message: string };

function run(job: UncontendedJob): UncontendedReply {
  const nt = attachBackend(job.token);
  benchUncontended(nt, job.runMs); // warm-up: JIT, FFI trampolines
  const cycleNs: number[] = [], casStoreNs: number[] = [];
  let cycles = 0;
  for (let i = 0; i < job.runs; i++) {
    casStoreNs.push(casStorePairNs(job.runMs / 4));
    const r = benchUncontended(nt, job.runMs);
    cycleNs.push(r.nsPerCycle);
    cycles += r.cycles;
  }
  return { kind: "done", cycleNs, cycles, casStoreNs };
}

self.onmessage = (e: MessageEvent<UncontendedJob>) => {
  let reply: UncontendedReply;
  try {
    reply = run(e.data);
  } catch (err) {
    reply = {
      kind: "error",
      message: err instanceof Error ? err.message : String(err),
    };
  }
  self.postMessage(reply);
};
