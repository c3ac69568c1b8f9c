/**
 * The long fuzz run (`deno task test:fuzz`): random sequences on every pair
 * of subjects — the model against each backend under test, and the native
 * backend against the emulated one when both are here — printing how many
 * operations agreed per pair. Exits 1 on the first disagreement, with the
 * shrunk sequence to keep in regressions.json.
 *
 * Options (flags win over the environment):
 *   --runs N     (NTSYNC_FUZZ_RUNS, default 2000) sequences per pair
 *   --seed S     (NTSYNC_FUZZ_SEED, default: time-based) fast-check seed
 *   --max-ops N  (NTSYNC_FUZZ_MAX_OPS, default 60) operations per sequence
 *   --threads N  (NTSYNC_FUZZ_THREADS, default 20) threaded scenarios per
 *                backend (Workers; NTSYNC_FUZZ_SETTLE_MS sets their pace)
 *
 * @module
 */

import fc from "npm:fast-check@3.23.2";
import { backendsUnderTest } from "../_backends.ts";
import { sequence } from "./arbitraries.ts";
import { describeMismatch, runSequence, type Subject } from "./runner.ts";
import { MODEL, subjectOf } from "./subjects.ts";
import {
  expectedResult,
  MAX_WAITERS,
  runThreaded,
  threadScenario,
  WorkerPool,
} from "./threaded.ts";
import type { Backend } from "../../core/backend.ts";
import type { Op } from "./ops.ts";

function option(flag: string, env: string, fallback: number): number {
  const i = Deno.args.indexOf(flag);
  const raw = i >= 0 ? Deno.args[i + 1] : Deno.env.get(env);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${flag}: expected a non-negative integer, got ${raw}`,
    );
  }
  return value;
}

/** Run `runs` sequences on `subjects`; return the agreed count or a failure. */
function fuzzPair(
  subjects: readonly Subject[],
  runs: number,
  seed: number,
  maxOps: number,
): { agreed: number; sequences: number; failure?: string } {
  let agreed = 0;
  let sequences = 0;
  let failure: string | undefined;
  const details = fc.check(
    fc.property(sequence(maxOps), (ops: Op[]) => {
      const result = runSequence(subjects, ops);
      if (result.mismatch) {
        failure = describeMismatch(ops, result.mismatch);
        return false;
      }
      agreed += result.agreed;
      sequences++;
      return true;
    }),
    { seed, numRuns: runs },
  );
  if (!details.failed) return { agreed, sequences };
  // fast-check shrinks after the first failure: `failure` is the smallest.
  return {
    agreed,
    sequences,
    failure:
      `${failure}\nreplay: --seed ${seed} (path ${details.counterexamplePath})`,
  };
}

/** Run `count` threaded scenarios on `backend`; return agreed waits. */
async function fuzzThreads(
  backend: Backend,
  count: number,
  seed: number,
): Promise<{ waits: number; failure?: string }> {
  let waits = 0;
  const pool = await WorkerPool.create(MAX_WAITERS);
  try {
    for (
      const scenario of fc.sample(threadScenario, { seed, numRuns: count })
    ) {
      const expected = expectedResult(scenario);
      const got = await runThreaded(backend, scenario, pool);
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        return {
          waits,
          failure: [
            `scenario ${JSON.stringify(scenario)}`,
            `  expected ${JSON.stringify(expected)}`,
            `  got      ${JSON.stringify(got)}`,
          ].join("\n"),
        };
      }
      waits += expected.waits.length + expected.ops.length;
    }
  } finally {
    pool.terminate();
  }
  return { waits };
}

async function main(): Promise<number> {
  const runs = option("--runs", "NTSYNC_FUZZ_RUNS", 2000);
  const seed = option("--seed", "NTSYNC_FUZZ_SEED", Date.now() % 0x7fff_ffff);
  const maxOps = option("--max-ops", "NTSYNC_FUZZ_MAX_OPS", 60);
  const threads = option("--threads", "NTSYNC_FUZZ_THREADS", 20);
  const backends = backendsUnderTest();
  const pairs: Subject[][] = backends.map((b) => [MODEL, subjectOf(b)]);
  const native = backends.find((b) => b.kind === "native");
  const emulated = backends.find((b) => b.kind === "emulated");
  if (native && emulated) pairs.push([subjectOf(native), subjectOf(emulated)]);
  console.log(
    `fuzz: seed ${seed}, ${runs} sequences of up to ${maxOps} ops per pair`,
  );
  let failed = 0;
  for (const pair of pairs) {
    const name = pair.map((s) => s.name).join(" vs ");
    const started = performance.now();
    const r = fuzzPair(pair, runs, seed, maxOps);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `${name}: ${r.agreed} operations agreed in ${r.sequences} sequences (${secs} s)`,
    );
    if (r.failure) {
      failed++;
      console.log(r.failure);
    }
  }
  for (const backend of threads > 0 ? backends : []) {
    const started = performance.now();
    const r = await fuzzThreads(backend, threads, seed);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `threaded ${backend.kind} vs queue model: ${r.waits} waits and ops agreed in ${threads} scenarios (${secs} s)`,
    );
    if (r.failure) {
      failed++;
      console.log(r.failure);
    }
  }
  const total = pairs.length + (threads > 0 ? backends.length : 0);
  console.log(`${total - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
