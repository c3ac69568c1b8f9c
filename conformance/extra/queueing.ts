/**
 * Extra threaded checks of the wait queues (docs/semantics.md#the-wait-algorithm,
 * docs/semantics.md#close-during-a-wait): pulse
 * with queued waiters, FIFO wake order, wait-all before wait-any, hand-off
 * that a poll cannot steal, and closing an object during a wait.
 *
 * Queue order is set the way the C tests set it: start a waiter, see it
 * still blocked after 100 ms, then start the next.
 *
 * @module
 */

import { NTSYNC_IOC_WAIT_ALL, NTSYNC_IOC_WAIT_ANY } from "../../uapi/mod.ts";
import {
  checkEventState,
  checkMutexState,
  checkSemState,
  createEvent,
  createMutex,
  createSem,
  getAbsTimeout,
  pulseEvent,
  releaseSem,
  setEvent,
  unlockMutex,
  waitAny,
} from "../calls.ts";
import { expectEq, expectErr, expectFd, expectOk } from "../check.ts";
import {
  expectBlocked,
  expectBusy,
  expectThreadErr,
  expectThreadOk,
} from "../join.ts";
import type { WaitJob } from "../protocol.ts";
import { type ConformanceTest, defineCheck, type Session } from "../session.ts";
import type { WaitThread } from "../thread.ts";
import { BLOCKED_MS, EXPIRE_DEADLINE_MS, WAKE_DEADLINE_MS } from "../timing.ts";

/**
 * Start the jobs one after the other, each seen blocked before the next
 * queues. Jobs are made just before they start, so each deadline counts
 * from its own start.
 */
async function queueInOrder(
  s: Session,
  jobs: (() => WaitJob)[],
  what: string,
): Promise<WaitThread[]> {
  const threads: WaitThread[] = [];
  for (const [i, job] of jobs.entries()) {
    const t = await s.thread();
    await t.start(job());
    await expectBlocked(t, BLOCKED_MS, `${what} waiter #${i}`);
    threads.push(t);
  }
  return threads;
}

function anyJob(
  s: Session,
  fd: number,
  objs: number[],
  owner: number,
): WaitJob {
  return {
    fd,
    request: NTSYNC_IOC_WAIT_ANY,
    timeout: getAbsTimeout(s, WAKE_DEADLINE_MS),
    objs,
    owner,
  };
}

/** ntsync_event_set(): a manual pulse satisfies every queued wait-any waiter, then unsignals. */
export const manualPulseWakesAll: ConformanceTest = defineCheck(
  "manual_pulse_wakes_all",
  async (s: Session) => {
    const fd = s.open();
    const event = expectFd(
      createEvent(s, fd, 1, 0),
      "create manual event {1,0}",
    );
    const empty = expectFd(createSem(s, fd, 0, 1), "create empty sem {0,1}");
    const threads = await queueInOrder(s, [
      () => anyJob(s, fd, [event], 100),
      () => anyJob(s, fd, [empty, event], 101),
      () => anyJob(s, fd, [empty, empty, event], 102),
    ], "manual event");

    const p = pulseEvent(s, event);
    expectOk(p, "EVENT_PULSE with three queued waiters");
    expectEq(p.signaled, 0, "EVENT_PULSE: previous state");
    checkEventState(s, event, 0, 1, "after the pulse (unsignaled)");

    for (const [i, t] of threads.entries()) {
      await expectThreadOk(t, i, `waiter #${i} woken by the manual pulse`);
    }
    expectErr(
      waitAny(s, fd, 1, [event], 123),
      "ETIMEDOUT",
      "poll after the pulse",
    );
  },
);

/** docs/semantics.md#the-wait-algorithm, ntsync_event_set(): an auto pulse satisfies exactly one waiter, the first queued. */
export const autoPulseWakesOneFifo: ConformanceTest = defineCheck(
  "auto_pulse_wakes_one_fifo",
  async (s: Session) => {
    const fd = s.open();
    const event = expectFd(createEvent(s, fd, 0, 0), "create auto event {0,0}");
    const [a, b, c] = await queueInOrder(s, [
      () => anyJob(s, fd, [event], 100),
      () => anyJob(s, fd, [event], 101),
      () => anyJob(s, fd, [event], 102),
    ], "auto event");

    expectEq(
      pulseEvent(s, event).signaled,
      0,
      "first EVENT_PULSE: previous state",
    );
    await expectThreadOk(a, 0, "first queued waiter woken by the first pulse");
    await expectBlocked(b, BLOCKED_MS, "second waiter after the first pulse");
    await expectBusy(c, "third waiter after the first pulse");
    checkEventState(s, event, 0, 0, "after the first pulse");

    expectEq(
      pulseEvent(s, event).signaled,
      0,
      "second EVENT_PULSE: previous state",
    );
    await expectThreadOk(b, 0, "second waiter woken by the second pulse");
    await expectBlocked(c, BLOCKED_MS, "third waiter after the second pulse");

    expectEq(setEvent(s, event).signaled, 0, "EVENT_SET: previous state");
    await expectThreadOk(c, 0, "third waiter woken by EVENT_SET");
    checkEventState(s, event, 0, 0, "after EVENT_SET (consumed by the waiter)");
  },
);

/** docs/semantics.md#the-wait-algorithm: a semaphore wakes its waiters first come, first served. */
export const semaphoreFifo: ConformanceTest = defineCheck(
  "semaphore_fifo",
  async (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 0, 3), "create sem {0,3}");
    const [a, b, c] = await queueInOrder(s, [
      () => anyJob(s, fd, [sem], 100),
      () => anyJob(s, fd, [sem], 101),
      () => anyJob(s, fd, [sem], 102),
    ], "semaphore");

    expectOk(releaseSem(s, sem, 1), "release 1");
    await expectThreadOk(a, 0, "first queued waiter gets the first release");
    await expectBlocked(b, BLOCKED_MS, "second waiter after one release");
    await expectBusy(c, "third waiter after one release");
    checkSemState(s, sem, 0, 3, "after one release (handed over)");

    expectOk(releaseSem(s, sem, 2), "release 2");
    await expectThreadOk(b, 0, "second waiter gets one of the two");
    await expectThreadOk(c, 0, "third waiter gets the other");
    checkSemState(s, sem, 0, 3, "after release 2 (both handed over)");
  },
);

/** docs/semantics.md#the-wait-algorithm: on a release, queued wait-all waiters are served before wait-any ones. */
export const waitAllBeforeWaitAny: ConformanceTest = defineCheck(
  "wait_all_before_wait_any",
  async (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 0, 1), "create sem {0,1}");
    const event = expectFd(
      createEvent(s, fd, 1, 1),
      "create manual event {1,1}",
    );
    const [anyWaiter, allWaiter] = await queueInOrder(s, [
      () => anyJob(s, fd, [sem], 100),
      () => ({
        ...anyJob(s, fd, [sem, event], 200),
        request: NTSYNC_IOC_WAIT_ALL,
      }),
    ], "priority");

    expectOk(releaseSem(s, sem, 1), "release 1");
    await expectThreadOk(
      allWaiter,
      0,
      "the wait-all waiter (queued second) gets the release",
    );
    await expectBlocked(
      anyWaiter,
      100,
      "the wait-any waiter (queued first) after one release",
    );
    checkSemState(s, sem, 0, 1, "after the first release");

    expectOk(releaseSem(s, sem, 1), "second release 1");
    await expectThreadOk(
      anyWaiter,
      0,
      "the wait-any waiter gets the second release",
    );
    checkSemState(s, sem, 0, 1, "after the second release");
  },
);

/** docs/semantics.md#the-wait-algorithm: ownership is handed over at wake time; a poll cannot steal it. */
export const handoffNoSteal: ConformanceTest = defineCheck(
  "handoff_no_steal",
  async (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 0, 1), "create sem {0,1}");
    const mutex = expectFd(createMutex(s, fd, 123, 1), "create mutex {123,1}");
    const event = expectFd(createEvent(s, fd, 0, 0), "create auto event {0,0}");
    const t = await s.thread();

    await t.start(anyJob(s, fd, [sem], 456));
    await expectBlocked(t, BLOCKED_MS, "semaphore waiter");
    expectOk(releaseSem(s, sem, 1), "release 1");
    expectErr(
      waitAny(s, fd, 1, [sem], 789),
      "ETIMEDOUT",
      "poll right after the release",
    );
    checkSemState(s, sem, 0, 1, "the released count went to the waiter");
    await expectThreadOk(t, 0, "semaphore waiter");

    await t.start(anyJob(s, fd, [mutex], 456));
    await expectBlocked(t, BLOCKED_MS, "mutex waiter as 456");
    expectEq(
      unlockMutex(s, mutex, 123).count,
      1,
      "unlock by 123: previous count",
    );
    expectErr(
      waitAny(s, fd, 1, [mutex], 789),
      "ETIMEDOUT",
      "poll as 789 right after the unlock",
    );
    checkMutexState(s, mutex, 1, 456, "the mutex went to the waiter");
    await expectThreadOk(t, 0, "mutex waiter");

    await t.start(anyJob(s, fd, [event], 456));
    await expectBlocked(t, BLOCKED_MS, "auto event waiter");
    expectEq(setEvent(s, event).signaled, 0, "EVENT_SET: previous state");
    expectErr(
      waitAny(s, fd, 1, [event], 789),
      "ETIMEDOUT",
      "poll right after EVENT_SET",
    );
    checkEventState(s, event, 0, 0, "the event went to the waiter");
    await expectThreadOk(t, 0, "auto event waiter");
  },
);

/**
 * docs/semantics.md#close-during-a-wait: closing the fd of an object being waited on neither wakes nor
 * fails the waiter, and a new object that reuses the fd number is not the
 * one it waits on.
 */
export const closeDuringWait: ConformanceTest = defineCheck(
  "close_during_wait",
  async (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 0, 1), "create sem {0,1}");
    const t = await s.thread();
    await t.start({
      fd,
      request: NTSYNC_IOC_WAIT_ANY,
      timeout: getAbsTimeout(s, 2 * EXPIRE_DEADLINE_MS),
      objs: [sem],
      owner: 123,
    });
    await expectBlocked(t, BLOCKED_MS, "waiter before the close");

    s.close(sem);
    await expectBusy(t, "waiter right after its object was closed");

    const reused = expectFd(
      createSem(s, fd, 0, 1),
      "create a new sem (may reuse the fd number)",
    );
    expectOk(releaseSem(s, reused, 1), "release the new semaphore");
    await expectBlocked(t, 50, "waiter after the new semaphore was released");

    await expectThreadErr(t, "ETIMEDOUT", "waiter on the closed semaphore");
    checkSemState(
      s,
      reused,
      1,
      1,
      "the new semaphore was not taken by the old wait",
    );
  },
);
