/**
 * Property: on random sequences of ioctl-surface operations, every backend
 * under test agrees with the reference model on every return value, errno,
 * byte written and object state. A fixed seed and a bounded number of runs
 * keep `deno task test` short and repeatable; `deno task test:fuzz` runs
 * longer.
 *
 * A failure prints fast-check's shrunk counterexample: add it to
 * regressions.json with the kernel function that decides it.
 *
 * @module
 */

import fc from "npm:fast-check@3.23.2";
import { backendsUnderTest } from "../_backends.ts";
import { sequence } from "./arbitraries.ts";
import { assertAgree, loadRegressions, MODEL, subjectOf } from "./subjects.ts";

/** The seed of the CI run; the long run takes its own. */
const SEED = 0x6e7473;
const RUNS = 150;

for (const backend of backendsUnderTest()) {
  const subject = subjectOf(backend);

  Deno.test(`fuzz: ${backend.kind} agrees with the model on kept regressions`, async () => {
    for (const { ops } of await loadRegressions()) {
      assertAgree([MODEL, subject], ops);
    }
  });

  Deno.test(`fuzz: ${backend.kind} agrees with the model on random sequences`, () => {
    fc.assert(
      fc.property(sequence(), (ops) => {
        assertAgree([MODEL, subject], ops);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
}
