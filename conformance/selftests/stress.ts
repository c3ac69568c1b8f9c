/**
 * `stress_wait` (tools/testing/selftests/drivers/ntsync/ntsync.c): 4 threads × 10000 rounds of lock, a plain
 * non-atomic increment of a shared counter, unlock. The counter must end at
 * exactly 40000: the mutex excluded every other thread, and no wakeup was
 * lost (a lost one would hang the test until its bound).
 *
 * @module
 */

import { createEvent, createMutex, setEvent } from "../calls.ts";
import { expectEq, expectFd, expectOk, expectTrue } from "../check.ts";
import { type ConformanceTest, defineCheck, type Session } from "../session.ts";
import type { WaitThread } from "../thread.ts";

/** `STRESS_LOOPS` of the C test. */
export const STRESS_LOOPS = 10000;
/** `STRESS_THREADS` of the C test. */
export const STRESS_THREADS = 4;
/** A hang bound on the whole run (the C test joins without one); generous for qemu TCG. */
const STRESS_LIMIT_MS = 300_000;

/** `stress_wait`: mutual exclusion and no lost wakeups under contention. */
export const stressWait: ConformanceTest = defineCheck(
  "stress_wait",
  async (s: Session) => {
    const device = s.open();
    const mutex = expectFd(createMutex(s, device, 0, 0), "create mutex {0,0}");
    const startEvent = expectFd(
      createEvent(s, device, 1, 0),
      "create start event {manual 1, signaled 0}",
    );

    // `static unsigned int stress_counter`, shared by every thread.
    const counter = new SharedArrayBuffer(4);

    const threads: WaitThread[] = [];
    for (let i = 0; i < STRESS_THREADS; i++) threads.push(await s.thread());
    for (const [i, t] of threads.entries()) {
      // A distinct nonzero owner per thread, as gettid() gives the C threads.
      await t.startStress({
        device,
        startEvent,
        mutex,
        owner: 1000 + i,
        loops: STRESS_LOOPS,
        counter,
      });
    }

    expectOk(setEvent(s, startEvent), "EVENT_SET of the start event");

    const deadline = Date.now() + STRESS_LIMIT_MS;
    for (const [i, t] of threads.entries()) {
      const result = await t.joinStress(Math.max(0, deadline - Date.now()));
      if (result === undefined) {
        throw new Error(
          `join stress thread ${i}: still running after ${STRESS_LIMIT_MS} ms (a lost wakeup, or far too slow); counter at ${
            new Uint32Array(counter)[0]
          }`,
        );
      }
      expectTrue(
        result.failures === 0,
        `stress thread ${i}: ${result.failures} ioctls failed, first: ${result.firstFailure}`,
      );
    }

    expectEq(
      new Uint32Array(counter)[0],
      STRESS_LOOPS * STRESS_THREADS,
      "final counter",
    );

    s.close(startEvent);
    s.close(mutex);
    s.close(device);
  },
);
