/**
 * The threaded wake selftests: `wake_any` and `wake_all` (tools/testing/selftests/drivers/ntsync/ntsync.c). The
 * pthread becomes a Worker issuing the same blocking ioctl.
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
  resetEvent,
  setEvent,
  unlockMutex,
  waitAny,
} from "../calls.ts";
import { expectEq, expectFd, expectOk } from "../check.ts";
import {
  expectBlocked,
  expectBusy,
  expectThreadErr,
  expectThreadOk,
} from "../join.ts";
import type { WaitJob } from "../protocol.ts";
import { BLOCKED_MS, EXPIRE_DEADLINE_MS, WAKE_DEADLINE_MS } from "../timing.ts";
import { type ConformanceTest, defineCheck, type Session } from "../session.ts";

/** `wake_any`: a blocked WAIT_ANY woken by each object type; close during a wait. */
export const wakeAny: ConformanceTest = defineCheck(
  "wake_any",
  async (s: Session) => {
    const objs: number[] = [];
    const fd = s.open();

    objs[0] = expectFd(createSem(s, fd, 0, 3), "create sem {0,3}");
    objs[1] = expectFd(createMutex(s, fd, 123, 1), "create mutex {123,1}");

    const t = await s.thread();
    // The C test's shared `wait_args`, refilled before each pthread_create.
    const job = (ms: number, owner: number): WaitJob => ({
      fd,
      request: NTSYNC_IOC_WAIT_ANY,
      timeout: getAbsTimeout(s, ms),
      objs: [...objs],
      count: 2,
      owner,
      index: 0xdeadbeef,
    });

    // waking the semaphore
    await t.start(job(WAKE_DEADLINE_MS, 456));
    await expectBlocked(
      t,
      BLOCKED_MS,
      "waiter on (empty sem, mutex owned by 123)",
    );

    const r = releaseSem(s, objs[0], 1);
    expectOk(r, "release 1");
    expectEq(r.count, 0, "release 1: previous count");
    checkSemState(s, objs[0], 0, 3, "after release 1 (handed to the waiter)");

    await expectThreadOk(t, 0, "waiter woken by the semaphore");

    // waking the mutex: first grab it again for owner 123
    const w = waitAny(s, fd, 1, [objs[1]], 123);
    expectOk(w, "recursive wait_any on the mutex as 123");
    expectEq(w.index, 0, "recursive wait_any: index");

    await t.start(job(WAKE_DEADLINE_MS, 456));
    await expectBlocked(
      t,
      BLOCKED_MS,
      "waiter as 456 on the mutex 123 holds twice",
    );

    let u = unlockMutex(s, objs[1], 123);
    expectOk(u, "first unlock as 123");
    expectEq(u.count, 2, "first unlock: previous count");

    await expectBusy(t, "waiter after the first unlock (mutex still owned)");

    u = unlockMutex(s, objs[1], 123);
    expectOk(u, "second unlock as 123");
    // The C test checks the creation struct here (a vacuous check in the C test);
    // the intended value is the previous count, 1.
    expectEq(u.count, 1, "second unlock: previous count");
    checkMutexState(
      s,
      objs[1],
      1,
      456,
      "after the second unlock (handed to 456)",
    );

    await expectThreadOk(t, 1, "waiter woken by the mutex");

    s.close(objs[1]);

    // waking an auto-reset event
    objs[1] = expectFd(
      createEvent(s, fd, false, false),
      "create auto event {0,0}",
    );

    await t.start(job(WAKE_DEADLINE_MS, 456));
    await expectBlocked(t, BLOCKED_MS, "waiter on (empty sem, auto event)");

    let e = setEvent(s, objs[1]);
    expectOk(e, "EVENT_SET of the auto event");
    expectEq(e.signaled, 0, "EVENT_SET of the auto event: previous state");
    checkEventState(
      s,
      objs[1],
      0,
      0,
      "after EVENT_SET (consumed by the waiter)",
    );

    await expectThreadOk(t, 1, "waiter woken by EVENT_SET of the auto event");

    await t.start(job(WAKE_DEADLINE_MS, 456));
    await expectBlocked(t, BLOCKED_MS, "second waiter on the auto event");

    e = pulseEvent(s, objs[1]);
    expectOk(e, "EVENT_PULSE of the auto event");
    expectEq(e.signaled, 0, "EVENT_PULSE of the auto event: previous state");
    checkEventState(s, objs[1], 0, 0, "after EVENT_PULSE of the auto event");

    await expectThreadOk(t, 1, "waiter woken by EVENT_PULSE of the auto event");

    s.close(objs[1]);

    // waking a manual-reset event
    objs[1] = expectFd(
      createEvent(s, fd, true, false),
      "create manual event {1,0}",
    );

    await t.start(job(WAKE_DEADLINE_MS, 456));
    await expectBlocked(t, BLOCKED_MS, "waiter on (empty sem, manual event)");

    e = setEvent(s, objs[1]);
    expectOk(e, "EVENT_SET of the manual event");
    expectEq(e.signaled, 0, "EVENT_SET of the manual event: previous state");
    checkEventState(s, objs[1], 1, 1, "after EVENT_SET of the manual event");

    await expectThreadOk(t, 1, "waiter woken by EVENT_SET of the manual event");

    e = resetEvent(s, objs[1]);
    expectOk(e, "EVENT_RESET of the manual event");
    expectEq(e.signaled, 1, "EVENT_RESET of the manual event: previous state");

    await t.start(job(WAKE_DEADLINE_MS, 456));
    await expectBlocked(t, BLOCKED_MS, "second waiter on the manual event");

    e = pulseEvent(s, objs[1]);
    expectOk(e, "EVENT_PULSE of the manual event");
    expectEq(e.signaled, 0, "EVENT_PULSE of the manual event: previous state");
    checkEventState(s, objs[1], 0, 1, "after EVENT_PULSE of the manual event");

    await expectThreadOk(
      t,
      1,
      "waiter woken by EVENT_PULSE of the manual event",
    );

    // delete an object while it's being waited on
    await t.start(job(EXPIRE_DEADLINE_MS, 123));
    await expectBlocked(
      t,
      BLOCKED_MS,
      "waiter with a short deadline (C: 200 ms)",
    );

    s.close(objs[0]);
    s.close(objs[1]);

    await expectThreadErr(t, "ETIMEDOUT", "waiter whose objects were closed");

    s.close(fd);
  },
);

/** `wake_all`: a blocked WAIT_ALL satisfied only when all four are signaled. */
export const wakeAll: ConformanceTest = defineCheck(
  "wake_all",
  async (s: Session) => {
    const objs: number[] = [];
    const fd = s.open();

    objs[0] = expectFd(createSem(s, fd, 0, 3), "create sem {0,3}");
    objs[1] = expectFd(createMutex(s, fd, 123, 1), "create mutex {123,1}");
    objs[2] = expectFd(
      createEvent(s, fd, true, true),
      "create manual event {1,1}",
    );
    objs[3] = expectFd(
      createEvent(s, fd, false, true),
      "create auto event {0,1}",
    );

    const t = await s.thread();
    const job = (ms: number, owner: number): WaitJob => ({
      fd,
      request: NTSYNC_IOC_WAIT_ALL,
      timeout: getAbsTimeout(s, ms),
      objs: [...objs],
      count: 4,
      owner,
    });

    await t.start(job(WAKE_DEADLINE_MS, 456));
    await expectBlocked(t, BLOCKED_MS, "wait_all waiter as 456");

    let r = releaseSem(s, objs[0], 1);
    expectOk(r, "release 1");
    expectEq(r.count, 0, "release 1: previous count");

    await expectBusy(t, "wait_all waiter after release 1 (mutex still owned)");

    checkSemState(
      s,
      objs[0],
      1,
      3,
      "after release 1 (not taken by the wait_all)",
    );

    const w = waitAny(s, fd, 1, [objs[0]], 123);
    expectOk(w, "main wait_any takes the semaphore");
    expectEq(w.index, 0, "main wait_any: index");

    const u = unlockMutex(s, objs[1], 123);
    expectOk(u, "unlock as 123");
    expectEq(u.count, 1, "unlock as 123: previous count");

    await expectBusy(t, "wait_all waiter after the unlock (semaphore empty)");

    checkMutexState(
      s,
      objs[1],
      0,
      0,
      "after the unlock (not taken by the wait_all)",
    );

    let e = resetEvent(s, objs[2]);
    expectOk(e, "EVENT_RESET of the manual event");
    expectEq(e.signaled, 1, "EVENT_RESET of the manual event: previous state");

    r = releaseSem(s, objs[0], 2);
    expectOk(r, "release 2");
    expectEq(r.count, 0, "release 2: previous count");
    checkSemState(s, objs[0], 2, 3, "after release 2");

    e = resetEvent(s, objs[3]);
    expectOk(e, "EVENT_RESET of the auto event");
    expectEq(e.signaled, 1, "EVENT_RESET of the auto event: previous state");

    e = setEvent(s, objs[2]);
    expectOk(e, "EVENT_SET of the manual event");
    expectEq(e.signaled, 0, "EVENT_SET of the manual event: previous state");

    e = setEvent(s, objs[3]);
    expectOk(e, "EVENT_SET of the auto event");
    expectEq(e.signaled, 0, "EVENT_SET of the auto event: previous state");

    checkSemState(s, objs[0], 1, 3, "after the wait_all acquired everything");
    checkMutexState(
      s,
      objs[1],
      1,
      456,
      "after the wait_all acquired everything",
    );
    checkEventState(s, objs[2], 1, 1, "manual event after the wait_all");
    checkEventState(
      s,
      objs[3],
      0,
      0,
      "auto event after the wait_all (consumed)",
    );

    // The C test checks only ret; index 0 is what WAIT_ALL writes (setup_wait()).
    await expectThreadOk(t, 0, "wait_all waiter");

    // delete an object while it's being waited on
    await t.start(job(EXPIRE_DEADLINE_MS, 123));
    await expectBlocked(
      t,
      BLOCKED_MS,
      "wait_all waiter as 123 (mutex owned by 456)",
    );

    for (const obj of objs) s.close(obj);

    await expectThreadErr(
      t,
      "ETIMEDOUT",
      "wait_all waiter whose objects were closed",
    );

    s.close(fd);
  },
);
