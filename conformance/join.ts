/**
 * `wait_for_thread` and its two expected outcomes, as assertions.
 *
 * The C tests use `wait_for_thread(t, 100)` both ways: "still blocked after
 * 100 ms" (ETIMEDOUT) and "has returned within 100 ms" (0). The first is
 * kept exactly: a longer wait would only make it stricter. For the second,
 * the 100 ms is a scheduling allowance, not a semantic (the ioctl's own
 * `ret`, `errno` and `index` are what is checked), and a Worker's result
 * travels by message on a shared 2-core machine; so "has returned" allows
 * `EXIT_ALLOWANCE_MS` (see `timing.ts`). A thread that was never woken still fails:
 * its ioctl returns ETIMEDOUT at its own deadline, or never.
 *
 * @module
 */

import type { ThreadResult } from "./protocol.ts";
import { expectEq, expectTrue } from "./check.ts";
import { type JoinResult, STILL_RUNNING, type WaitThread } from "./thread.ts";
import { EXIT_ALLOWANCE_MS } from "./timing.ts";
import { Errno, type ErrnoName, errnoName } from "../uapi/errno.ts";

/** `wait_for_thread(t, ms)`: its result, or `"ETIMEDOUT"` if still blocked. */
export function waitForThread(t: WaitThread, ms: number): Promise<JoinResult> {
  return t.join(ms);
}

/** `EXPECT_EQ(ETIMEDOUT, wait_for_thread(t, ms))`: still blocked after `ms`. */
export async function expectBlocked(
  t: WaitThread,
  ms: number,
  step: string,
): Promise<void> {
  const r = await waitForThread(t, ms);
  expectTrue(
    r === STILL_RUNNING,
    `${step}: the thread should still be blocked after ${ms} ms, but its ioctl returned ${
      r === STILL_RUNNING ? "" : describe(r)
    }`,
  );
}

/** `EXPECT_EQ(EBUSY, pthread_tryjoin_np(t))`. */
export async function expectBusy(t: WaitThread, step: string): Promise<void> {
  const r = await t.tryJoin();
  expectTrue(
    r === STILL_RUNNING,
    `${step}: the thread should still be blocked, but its ioctl returned ${
      r === STILL_RUNNING ? "" : describe(r)
    }`,
  );
}

/** `EXPECT_EQ(0, wait_for_thread(t, ms))`: the thread returned; its result. */
export async function expectExited(
  t: WaitThread,
  step: string,
): Promise<ThreadResult> {
  const r = await waitForThread(t, EXIT_ALLOWANCE_MS);
  if (r === STILL_RUNNING) {
    throw new Error(
      `${step}: the thread should have returned, but is still blocked after ${EXIT_ALLOWANCE_MS} ms`,
    );
  }
  return r;
}

/** The thread returned 0 with `index`. */
export async function expectThreadOk(
  t: WaitThread,
  index: number | undefined,
  step: string,
): Promise<ThreadResult> {
  const r = await expectExited(t, step);
  expectTrue(
    r.ret === 0,
    `${step}: thread ioctl expected 0, got ${describe(r)}`,
  );
  if (index !== undefined) expectEq(r.index, index, `${step}: thread index`);
  return r;
}

/** The thread returned -1 with `errno`. */
export async function expectThreadErr(
  t: WaitThread,
  errno: ErrnoName,
  step: string,
): Promise<ThreadResult> {
  const r = await expectExited(t, step);
  expectTrue(
    r.ret === -1 && r.errno === Errno[errno],
    `${step}: thread ioctl expected -1/${errno}, got ${describe(r)}`,
  );
  return r;
}

function describe(r: ThreadResult): string {
  return r.ret === -1
    ? `-1/${errnoName(r.errno)} (index ${r.index})`
    : `${r.ret} (index ${r.index})`;
}
