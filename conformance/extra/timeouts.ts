/**
 * Extra checks of wait timeouts (ntsync_schedule()): past deadlines still acquire,
 * values >= 2^63 are infinite, a relative 50 ms wait lasts at least 50 ms,
 * and REALTIME deadlines are read on the realtime clock.
 *
 * @module
 */

import {
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  NTSYNC_WAIT_REALTIME,
} from "../../uapi/mod.ts";
import {
  checkSemState,
  createSem,
  getAbsTimeout,
  releaseSem,
  U64_MAX,
  waitRaw,
} from "../calls.ts";
import {
  expectEq,
  expectErr,
  expectFd,
  expectOk,
  expectTrue,
} from "../check.ts";
import { expectBlocked, expectThreadErr, expectThreadOk } from "../join.ts";
import { type ConformanceTest, defineCheck, type Session } from "../session.ts";
import { BLOCKED_MS } from "../timing.ts";

const MS = 1_000_000n;

/** ntsync_schedule(): a deadline at or before now still acquires what is available. */
export const timeoutInPast: ConformanceTest = defineCheck(
  "timeout_in_past",
  (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 4, 4), "create sem {4,4}");

    expectOk(
      waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, { objs: [sem], timeout: 0n }),
      "WAIT_ANY timeout 0",
    );
    expectOk(
      waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, {
        objs: [sem],
        timeout: s.nt.now("monotonic") - 1000n * MS,
      }),
      "WAIT_ANY timeout now - 1 s",
    );
    expectOk(
      waitRaw(s, fd, NTSYNC_IOC_WAIT_ALL, { objs: [sem], timeout: 0n }),
      "WAIT_ALL timeout 0",
    );
    expectOk(
      waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, {
        objs: [sem],
        timeout: 0n,
        flags: NTSYNC_WAIT_REALTIME,
      }),
      "WAIT_ANY REALTIME timeout 0",
    );
    checkSemState(s, sem, 0, 4, "all four acquired");
    expectErr(
      waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, { objs: [sem], timeout: 0n }),
      "ETIMEDOUT",
      "WAIT_ANY timeout 0 on the empty semaphore",
    );
  },
);

/**
 * ntsync_schedule(): on MONOTONIC, timeouts of 2^63 and above block like U64_MAX;
 * U64_MAX is infinite on either clock. (2^63 .. 2^64-2 on REALTIME is
 * measured to expire at once on 7.2.13, which docs/semantics.md#timeouts-and-clocks
 * reports but the kernel's code does not promise, so
 * it is not checked here.)
 */
export const timeoutHugeIsInfinite: ConformanceTest = defineCheck(
  "timeout_huge_is_infinite",
  async (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 0, 1), "create sem {0,1}");
    const t = await s.thread();
    const cases: [string, bigint, number][] = [
      ["2^63", 1n << 63n, 0],
      ["2^63 + 1", (1n << 63n) + 1n, 0],
      ["U64_MAX", U64_MAX, 0],
      ["U64_MAX REALTIME", U64_MAX, NTSYNC_WAIT_REALTIME],
    ];
    for (const [what, timeout, flags] of cases) {
      await t.start({
        fd,
        request: NTSYNC_IOC_WAIT_ANY,
        timeout,
        flags,
        objs: [sem],
        owner: 123,
      });
      await expectBlocked(t, BLOCKED_MS, `waiter with timeout ${what}`);
      expectOk(releaseSem(s, sem, 1), `release 1 for the ${what} waiter`);
      await expectThreadOk(
        t,
        0,
        `waiter with timeout ${what} woken by the release`,
      );
      checkSemState(s, sem, 0, 1, `after the ${what} waiter`);
    }
  },
);

/** ntsync_schedule() (verified): a 50 ms deadline returns ETIMEDOUT after >= 50 ms. */
export const relativeTimeout50ms: ConformanceTest = defineCheck(
  "relative_timeout_50ms",
  (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 0, 1), "create sem {0,1}");
    for (
      const [what, request] of [["WAIT_ANY", NTSYNC_IOC_WAIT_ANY], [
        "WAIT_ALL",
        NTSYNC_IOC_WAIT_ALL,
      ]] as const
    ) {
      const t0 = s.nt.now("monotonic");
      const w = waitRaw(s, fd, request, {
        objs: [sem],
        timeout: t0 + 50n * MS,
      });
      const elapsed = s.nt.now("monotonic") - t0;
      expectErr(w, "ETIMEDOUT", `${what} with a 50 ms deadline`);
      expectTrue(
        elapsed >= 50n * MS,
        `${what} with a 50 ms deadline returned after only ${elapsed} ns`,
      );
    }
  },
);

/** ntsync_schedule(): with NTSYNC_WAIT_REALTIME the deadline is on CLOCK_REALTIME, else MONOTONIC. */
export const realtimeDeadline: ConformanceTest = defineCheck(
  "realtime_deadline",
  async (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 0, 1), "create sem {0,1}");
    const t = await s.thread();
    const job = (timeout: bigint, flags: number) => ({
      fd,
      request: NTSYNC_IOC_WAIT_ANY,
      timeout,
      flags,
      objs: [sem],
      owner: 123,
    });

    // A realtime deadline 50 ms ahead: times out, after >= 50 ms of realtime.
    const t0 = s.nt.now("realtime");
    await t.start(job(t0 + 50n * MS, NTSYNC_WAIT_REALTIME));
    await expectThreadErr(
      t,
      "ETIMEDOUT",
      "REALTIME waiter with a realtime deadline 50 ms ahead",
    );
    const elapsed = s.nt.now("realtime") - t0;
    expectTrue(
      elapsed >= 50n * MS,
      `the REALTIME wait returned after only ${elapsed} ns`,
    );

    // A monotonic-sized value read on the realtime clock is long past: at once.
    await t.start(job(getAbsTimeout(s, 10_000), NTSYNC_WAIT_REALTIME));
    await expectThreadErr(
      t,
      "ETIMEDOUT",
      "REALTIME waiter with a MONOTONIC now + 10 s deadline (past in realtime)",
    );

    // A realtime-sized value read on the monotonic clock is far ahead: it blocks.
    await t.start(job(s.nt.now("realtime"), 0));
    await expectBlocked(
      t,
      BLOCKED_MS,
      "MONOTONIC waiter with a realtime 'now' deadline (far ahead in monotonic)",
    );
    const r = releaseSem(s, sem, 1);
    expectOk(r, "release 1 for the MONOTONIC waiter");
    expectEq(r.count, 0, "release 1: previous count");
    await expectThreadOk(t, 0, "MONOTONIC waiter woken by the release");
  },
);
