/**
 * Threaded scenarios (threaded.ts) on every backend under test, compared
 * with the queue model; and the queue model itself checked on the kernel's
 * threaded selftests (`wake_any`, `wake_all`) and the facts of
 * docs/semantics.md#the-wait-algorithm and docs/semantics.md#pulse.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "npm:fast-check@3.23.2";
import { backendsUnderTest } from "../_backends.ts";
import {
  expectedResult,
  MAX_WAITERS,
  runThreaded,
  type ThreadScenario,
  threadScenario,
  WorkerPool,
} from "./threaded.ts";

/** Scenarios run in CI: few, since each costs Workers and settle delays. */
const SCENARIOS = fc.sample(threadScenario, { seed: 0x7468, numRuns: 8 });

const WAKE_ALL: ThreadScenario = {
  // the selftest wake_all: sem {0,3}, mutex {123,1} (here owner 1), manual {1,1},
  // auto {0,1}; the waiter (owner 100) waits for all four.
  objects: [
    { kind: "sem", a: 0, b: 3 },
    { kind: "sem", a: 0, b: 1 },
    { kind: "mutex", a: 1, b: 1 },
    { kind: "event", a: 0, b: 1 },
    { kind: "event", a: 1, b: 1 },
  ],
  waiters: [{ all: true, objs: [0, 2, 4, 3], owner: 100, short: false }],
  // The selftest's order, less its main-thread wait that steals the
  // semaphore: each object becomes signaled in turn with resets between, so
  // only the last SET completes the wait-all.
  ops: [
    { req: "MUTEX_UNLOCK", obj: 2, a: 1 },
    { req: "EVENT_RESET", obj: 4, a: 0 },
    { req: "SEM_RELEASE", obj: 0, a: 2 },
    { req: "EVENT_RESET", obj: 3, a: 0 },
    { req: "EVENT_SET", obj: 4, a: 0 },
    { req: "EVENT_SET", obj: 3, a: 0 },
  ],
};

Deno.test("queue model: wake_all acquires atomically at the last set (selftest wake_all)", () => {
  const r = expectedResult(WAKE_ALL);
  assert.deepEqual(r.waits, ["0 0"]);
  assert.deepEqual(r.states, [
    "0 1,3", // sem: released 2, one taken by the wait-all
    "0 0,1",
    "0 100,1", // mutex handed to the waiter
    "0 0,0", // auto event consumed
    "0 1,1", // manual event left set
  ]);
  assert.deepEqual(r.ops.map((o) => o.split(" ")[0]), new Array(6).fill("0"));
});

Deno.test("queue model: FIFO, all-waiters first, pulse wakes one auto waiter (docs/semantics.md#the-wait-algorithm, ntsync_event_set())", () => {
  const r = expectedResult({
    objects: [
      { kind: "sem", a: 0, b: 2 },
      { kind: "sem", a: 0, b: 1 },
      { kind: "mutex", a: 1, b: 1 },
      { kind: "event", a: 0, b: 0 },
      { kind: "event", a: 1, b: 0 },
    ],
    waiters: [
      { all: false, objs: [0], owner: 100, short: false },
      { all: true, objs: [0, 4], owner: 101, short: false },
      { all: false, objs: [3, 0], owner: 102, short: false },
      { all: false, objs: [3], owner: 100, short: false },
    ],
    ops: [
      { req: "EVENT_SET", obj: 4, a: 0 }, // nobody: sem 0 is empty
      { req: "SEM_RELEASE", obj: 0, a: 1 }, // the wait-all first (docs/semantics.md#the-wait-algorithm)
      { req: "SEM_RELEASE", obj: 0, a: 2 }, // then FIFO: waiter 0, waiter 2
      { req: "EVENT_PULSE", obj: 3, a: 0 }, // waiter 3 only
    ],
  });
  assert.deepEqual(r.waits, ["0 0", "0 0", "0 1", "0 0"]);
  assert.deepEqual(r.states[0], "0 0,2");
  assert.deepEqual(r.states[3], "0 0,0");
});

Deno.test("queue model: a timed-out waiter takes nothing; the rest end on the alert", () => {
  const r = expectedResult({
    objects: [
      { kind: "sem", a: 0, b: 1 },
      { kind: "sem", a: 0, b: 1 },
      { kind: "mutex", a: 1, b: 1 },
      { kind: "event", a: 0, b: 0 },
      { kind: "event", a: 1, b: 0 },
    ],
    waiters: [
      { all: false, objs: [0], owner: 100, short: true },
      { all: true, objs: [0, 2], owner: 101, short: false },
      { all: false, objs: [2, 2], owner: 102, short: false },
    ],
    ops: [
      { req: "MUTEX_KILL", obj: 2, a: 1 }, // waiter 2 gets it abandoned
      { req: "SEM_RELEASE", obj: 0, a: 1 }, // waiter 1: mutex owned by 102
    ],
  });
  assert.deepEqual(r.waits, ["ETIMEDOUT 3735928559", "0 2", "EOWNERDEAD 0"]);
  assert.deepEqual(r.states[0], "0 1,1");
  assert.deepEqual(r.states[2], "0 102,1");
});

for (const backend of backendsUnderTest()) {
  Deno.test(`threaded: ${backend.kind} matches the queue model on seeded schedules`, async () => {
    const failures: string[] = [];
    let pool = await WorkerPool.create(MAX_WAITERS);
    try {
      for (const [i, scenario] of [WAKE_ALL, ...SCENARIOS].entries()) {
        const expected = expectedResult(scenario);
        try {
          const got = await runThreaded(backend, scenario, pool);
          if (JSON.stringify(got) !== JSON.stringify(expected)) {
            failures.push(
              `scenario ${i} ${JSON.stringify(scenario)}\n  expected ${
                JSON.stringify(expected)
              }\n  got      ${JSON.stringify(got)}`,
            );
          }
        } catch (err) {
          failures.push(`scenario ${i}: ${err}`);
          pool.terminate();
          pool = await WorkerPool.create(MAX_WAITERS);
        }
      }
    } finally {
      pool.terminate();
    }
    assert.deepEqual(failures, [], failures.join("\n"));
  });
}
