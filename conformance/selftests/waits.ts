/**
 * The polling-wait selftests: `test_wait_any`, `test_wait_all` and the 2026
 * `wait_args_validation` (tools/testing/selftests/drivers/ntsync/ntsync.c), assertion by assertion.
 *
 * @module
 */

import {
  NTSYNC_IOC_WAIT_ANY,
  NTSYNC_MAX_WAIT_COUNT,
  WaitArgs,
} from "../../uapi/mod.ts";
import {
  checkEventState,
  checkMutexState,
  checkSemState,
  createEvent,
  createMutex,
  createSem,
  killMutex,
  releaseSem,
  waitAll,
  waitAny,
} from "../calls.ts";
import { expectEq, expectErr, expectFd, expectOk } from "../check.ts";
import { type ConformanceTest, defineCheck, type Session } from "../session.ts";

/** `test_wait_any`: selection order, recursion, abandonment, duplicates, counts. */
export const testWaitAny: ConformanceTest = defineCheck(
  "test_wait_any",
  (s: Session) => {
    // The C test's `int objs[NTSYNC_MAX_WAIT_COUNT + 1]`, passed whole.
    const objs = new Int32Array(NTSYNC_MAX_WAIT_COUNT + 1);
    const fd = s.open();

    objs[0] = expectFd(createSem(s, fd, 2, 3), "create sem {2,3}");
    objs[1] = expectFd(createMutex(s, fd, 0, 0), "create mutex {0,0}");

    let w = waitAny(s, fd, 2, objs, 123);
    expectOk(w, "first wait_any(sem, mutex) as 123");
    expectEq(w.index, 0, "first wait_any: index (lowest signaled)");
    checkSemState(s, objs[0], 1, 3, "after first wait_any");
    checkMutexState(s, objs[1], 0, 0, "after first wait_any");

    w = waitAny(s, fd, 2, objs, 123);
    expectOk(w, "second wait_any");
    expectEq(w.index, 0, "second wait_any: index");
    checkSemState(s, objs[0], 0, 3, "after second wait_any");
    checkMutexState(s, objs[1], 0, 0, "after second wait_any");

    w = waitAny(s, fd, 2, objs, 123);
    expectOk(w, "third wait_any (semaphore empty)");
    expectEq(w.index, 1, "third wait_any: index");
    checkSemState(s, objs[0], 0, 3, "after third wait_any");
    checkMutexState(s, objs[1], 1, 123, "after third wait_any");

    let r = releaseSem(s, objs[0], 1);
    expectOk(r, "release 1");
    expectEq(r.count, 0, "release 1: previous count");

    w = waitAny(s, fd, 2, objs, 123);
    expectOk(w, "wait_any after release 1");
    expectEq(w.index, 0, "wait_any after release 1: index");
    checkSemState(s, objs[0], 0, 3, "after wait_any following release 1");
    checkMutexState(s, objs[1], 1, 123, "after wait_any following release 1");

    w = waitAny(s, fd, 2, objs, 123);
    expectOk(w, "recursive wait_any on the mutex");
    expectEq(w.index, 1, "recursive wait_any: index");
    checkSemState(s, objs[0], 0, 3, "after recursive wait_any");
    checkMutexState(s, objs[1], 2, 123, "after recursive wait_any");

    expectErr(
      waitAny(s, fd, 2, objs, 456),
      "ETIMEDOUT",
      "wait_any as 456 (mutex owned by 123)",
    );

    expectOk(killMutex(s, objs[1], 123), "MUTEX_KILL by 123");

    w = waitAny(s, fd, 2, objs, 456);
    expectErr(w, "EOWNERDEAD", "wait_any as 456 on the abandoned mutex");
    expectEq(w.index, 1, "wait_any on the abandoned mutex: index");

    w = waitAny(s, fd, 2, objs, 456);
    expectOk(w, "recursive wait_any as 456 after abandonment");
    expectEq(w.index, 1, "recursive wait_any as 456: index");

    s.close(objs[1]);

    // waiting on the same object twice
    r = releaseSem(s, objs[0], 2);
    expectOk(r, "release 2");
    expectEq(r.count, 0, "release 2: previous count");

    objs[1] = objs[0];
    w = waitAny(s, fd, 2, objs, 456);
    expectOk(w, "wait_any(sem, sem)");
    expectEq(w.index, 0, "wait_any(sem, sem): index");
    checkSemState(s, objs[0], 1, 3, "after wait_any(sem, sem) (acquired once)");

    expectErr(
      waitAny(s, fd, 0, null, 456),
      "ETIMEDOUT",
      "wait_any(count 0, objs NULL)",
    );

    for (let i = 1; i < NTSYNC_MAX_WAIT_COUNT + 1; i++) objs[i] = objs[0];

    w = waitAny(s, fd, NTSYNC_MAX_WAIT_COUNT, objs, 123);
    expectOk(w, "wait_any with 64 entries");
    expectEq(w.index, 0, "wait_any with 64 entries: index");

    expectErr(
      waitAny(s, fd, NTSYNC_MAX_WAIT_COUNT + 1, objs, 123),
      "EINVAL",
      "wait_any with 65 entries",
    );
    expectErr(
      waitAny(s, fd, -1, objs, 123),
      "EINVAL",
      "wait_any with count -1 (0xFFFFFFFF)",
    );

    s.close(objs[0]);
    s.close(fd);
  },
);

/** `test_wait_all`: atomic acquisition, no change on timeout, duplicates. */
export const testWaitAll: ConformanceTest = defineCheck(
  "test_wait_all",
  (s: Session) => {
    const objs = new Int32Array(2);
    const fd = s.open();

    objs[0] = expectFd(createSem(s, fd, 2, 3), "create sem {2,3}");
    objs[1] = expectFd(createMutex(s, fd, 0, 0), "create mutex {0,0}");

    let w = waitAll(s, fd, 2, objs, 123);
    expectOk(w, "first wait_all(sem, mutex) as 123");
    expectEq(w.index, 0, "first wait_all: index");
    checkSemState(s, objs[0], 1, 3, "after first wait_all");
    checkMutexState(s, objs[1], 1, 123, "after first wait_all");

    w = waitAll(s, fd, 2, objs, 456);
    expectErr(w, "ETIMEDOUT", "wait_all as 456 (mutex owned by 123)");
    checkSemState(
      s,
      objs[0],
      1,
      3,
      "after the timed-out wait_all (nothing taken)",
    );
    checkMutexState(
      s,
      objs[1],
      1,
      123,
      "after the timed-out wait_all (nothing taken)",
    );

    w = waitAll(s, fd, 2, objs, 123);
    expectOk(w, "second wait_all as 123");
    expectEq(w.index, 0, "second wait_all: index");
    checkSemState(s, objs[0], 0, 3, "after second wait_all");
    checkMutexState(s, objs[1], 2, 123, "after second wait_all");

    w = waitAll(s, fd, 2, objs, 123);
    expectErr(w, "ETIMEDOUT", "wait_all as 123 with the semaphore empty");
    checkSemState(s, objs[0], 0, 3, "after the second timed-out wait_all");
    checkMutexState(s, objs[1], 2, 123, "after the second timed-out wait_all");

    const r = releaseSem(s, objs[0], 3);
    expectOk(r, "release 3");
    expectEq(r.count, 0, "release 3: previous count");

    w = waitAll(s, fd, 2, objs, 123);
    expectOk(w, "third wait_all as 123");
    expectEq(w.index, 0, "third wait_all: index");
    checkSemState(s, objs[0], 2, 3, "after third wait_all");
    checkMutexState(s, objs[1], 3, 123, "after third wait_all");

    expectOk(killMutex(s, objs[1], 123), "MUTEX_KILL by 123");

    w = waitAll(s, fd, 2, objs, 123);
    expectErr(w, "EOWNERDEAD", "wait_all with the abandoned mutex");
    checkSemState(s, objs[0], 1, 3, "after wait_all with the abandoned mutex");
    checkMutexState(
      s,
      objs[1],
      1,
      123,
      "after wait_all with the abandoned mutex",
    );

    s.close(objs[1]);

    objs[1] = expectFd(
      createEvent(s, fd, true, true),
      "create event {manual, signaled}",
    );

    w = waitAll(s, fd, 2, objs, 123);
    expectOk(w, "wait_all(sem, manual event)");
    expectEq(w.index, 0, "wait_all(sem, manual event): index");
    checkSemState(s, objs[0], 0, 3, "after wait_all(sem, event)");
    checkEventState(s, objs[1], 1, 1, "after wait_all(sem, event)");

    s.close(objs[1]);

    objs[1] = objs[0];
    expectErr(waitAll(s, fd, 2, objs, 123), "EINVAL", "wait_all(sem, sem)");

    s.close(objs[0]);
    s.close(fd);
  },
);

/** `wait_args_validation` (2026): owner 0, pad, foreign instance. */
export const waitArgsValidation: ConformanceTest = defineCheck(
  "wait_args_validation",
  (s: Session) => {
    const fd = s.open();
    const fd2 = s.open();

    const sem = expectFd(createSem(s, fd, 1, 1), "create sem {1,1}");

    expectErr(waitAny(s, fd, 1, [sem], 0), "EINVAL", "wait_any with owner 0");
    expectErr(waitAll(s, fd, 1, [sem], 0), "EINVAL", "wait_all with owner 0");

    const args = WaitArgs.alloc({
      timeout: s.nt.now("monotonic"),
      count: 0,
      objs: 0n,
      owner: 123,
      pad: 1,
    });
    expectErr(
      s.ioctl(fd, NTSYNC_IOC_WAIT_ANY, args),
      "EINVAL",
      "WAIT_ANY with pad 1",
    );

    expectErr(
      waitAny(s, fd2, 1, [sem], 123),
      "EINVAL",
      "wait_any on another instance with this instance's semaphore",
    );

    s.close(sem);
    s.close(fd2);
    s.close(fd);
  },
);
