/**
 * The single-object selftests: `semaphore_state`, `mutex_state`,
 * `manual_event_state`, `auto_event_state` (tools/testing/selftests/drivers/ntsync/ntsync.c), assertion by
 * assertion.
 *
 * @module
 */

import {
  checkEventState,
  checkMutexState,
  checkSemState,
  createEvent,
  createMutex,
  createSem,
  killMutex,
  pulseEvent,
  readMutexState,
  releaseSem,
  resetEvent,
  setEvent,
  unlockMutex,
  waitAny,
} from "../calls.ts";
import { expectEq, expectErr, expectFd, expectOk } from "../check.ts";
import { type ConformanceTest, defineCheck, type Session } from "../session.ts";

/** `semaphore_state`: creation limits, release, overflow, polling waits. */
export const semaphoreState: ConformanceTest = defineCheck(
  "semaphore_state",
  (s: Session) => {
    const fd = s.open();

    expectErr(createSem(s, fd, 3, 2), "EINVAL", "create sem {count 3, max 2}");

    const sem = expectFd(createSem(s, fd, 2, 2), "create sem {2,2}");
    checkSemState(s, sem, 2, 2, "after create {2,2}");

    let r = releaseSem(s, sem, 0);
    expectOk(r, "release 0");
    expectEq(r.count, 2, "release 0: previous count");
    checkSemState(s, sem, 2, 2, "after release 0");

    r = releaseSem(s, sem, 1);
    expectErr(r, "EOVERFLOW", "release 1 on {2,2}");
    checkSemState(s, sem, 2, 2, "after overflowing release 1");

    let w = waitAny(s, fd, 1, [sem], 123);
    expectOk(w, "first wait_any on {2,2}");
    expectEq(w.index, 0, "first wait_any: index");
    checkSemState(s, sem, 1, 2, "after first wait_any");

    w = waitAny(s, fd, 1, [sem], 123);
    expectOk(w, "second wait_any");
    expectEq(w.index, 0, "second wait_any: index");
    checkSemState(s, sem, 0, 2, "after second wait_any");

    expectErr(
      waitAny(s, fd, 1, [sem], 123),
      "ETIMEDOUT",
      "third wait_any on an empty semaphore",
    );

    r = releaseSem(s, sem, 3);
    expectErr(r, "EOVERFLOW", "release 3 on {0,2}");
    checkSemState(s, sem, 0, 2, "after overflowing release 3");

    r = releaseSem(s, sem, 2);
    expectOk(r, "release 2 on {0,2}");
    expectEq(r.count, 0, "release 2: previous count");
    checkSemState(s, sem, 2, 2, "after release 2");

    expectOk(
      waitAny(s, fd, 1, [sem], 123),
      "wait_any after release 2 (1 of 2)",
    );
    expectOk(
      waitAny(s, fd, 1, [sem], 123),
      "wait_any after release 2 (2 of 2)",
    );

    r = releaseSem(s, sem, 1);
    expectOk(r, "release 1 on {0,2}");
    expectEq(r.count, 0, "release 1: previous count");
    checkSemState(s, sem, 1, 2, "after release 1");

    r = releaseSem(s, sem, 0xffffffff);
    expectErr(r, "EOVERFLOW", "release 0xFFFFFFFF on {1,2}");
    checkSemState(s, sem, 1, 2, "after overflowing release 0xFFFFFFFF");

    s.close(sem);
    s.close(fd);
  },
);

/** `mutex_state`: creation rules, unlock, recursion, kill, abandonment. */
export const mutexState: ConformanceTest = defineCheck(
  "mutex_state",
  (s: Session) => {
    const fd = s.open();

    expectErr(
      createMutex(s, fd, 123, 0),
      "EINVAL",
      "create mutex {owner 123, count 0}",
    );
    expectErr(
      createMutex(s, fd, 0, 2),
      "EINVAL",
      "create mutex {owner 0, count 2}",
    );

    let mutex = expectFd(createMutex(s, fd, 123, 2), "create mutex {123, 2}");
    checkMutexState(s, mutex, 2, 123, "after create {123,2}");

    expectErr(unlockMutex(s, mutex, 0), "EINVAL", "unlock as owner 0");

    expectErr(unlockMutex(s, mutex, 456), "EPERM", "unlock as non-owner 456");
    checkMutexState(s, mutex, 2, 123, "after EPERM unlock");

    let u = unlockMutex(s, mutex, 123);
    expectOk(u, "first unlock as 123");
    expectEq(u.count, 2, "first unlock: previous count");
    checkMutexState(s, mutex, 1, 123, "after first unlock");

    u = unlockMutex(s, mutex, 123);
    expectOk(u, "second unlock as 123");
    expectEq(u.count, 1, "second unlock: previous count");
    checkMutexState(s, mutex, 0, 0, "after second unlock (released)");

    expectErr(
      unlockMutex(s, mutex, 123),
      "EPERM",
      "unlock of an unowned mutex",
    );

    let w = waitAny(s, fd, 1, [mutex], 456);
    expectOk(w, "wait_any as 456 on the unowned mutex");
    expectEq(w.index, 0, "wait_any as 456: index");
    checkMutexState(s, mutex, 1, 456, "after wait_any as 456");

    w = waitAny(s, fd, 1, [mutex], 456);
    expectOk(w, "recursive wait_any as 456");
    expectEq(w.index, 0, "recursive wait_any: index");
    checkMutexState(s, mutex, 2, 456, "after recursive wait_any");

    u = unlockMutex(s, mutex, 456);
    expectOk(u, "unlock as 456");
    expectEq(u.count, 2, "unlock as 456: previous count");
    checkMutexState(s, mutex, 1, 456, "after unlock as 456");

    expectErr(
      waitAny(s, fd, 1, [mutex], 123),
      "ETIMEDOUT",
      "wait_any as 123 on a mutex 456 owns",
    );

    expectErr(killMutex(s, mutex, 0), "EINVAL", "MUTEX_KILL owner 0");
    expectErr(killMutex(s, mutex, 123), "EPERM", "MUTEX_KILL by non-owner 123");
    checkMutexState(s, mutex, 1, 456, "after EPERM kill");

    expectOk(killMutex(s, mutex, 456), "MUTEX_KILL by owner 456");

    for (const nth of ["first", "second"]) {
      const st = readMutexState(s, mutex);
      expectErr(st, "EOWNERDEAD", `${nth} MUTEX_READ of the abandoned mutex`);
      expectEq(st.count, 0, `${nth} MUTEX_READ of the abandoned mutex: count`);
      expectEq(st.owner, 0, `${nth} MUTEX_READ of the abandoned mutex: owner`);
    }

    w = waitAny(s, fd, 1, [mutex], 123);
    expectErr(w, "EOWNERDEAD", "wait_any as 123 on the abandoned mutex");
    expectEq(w.index, 0, "wait_any on the abandoned mutex: index");
    checkMutexState(s, mutex, 1, 123, "after acquiring the abandoned mutex");

    expectOk(killMutex(s, mutex, 123), "MUTEX_KILL by owner 123");

    const st = readMutexState(s, mutex);
    expectErr(st, "EOWNERDEAD", "MUTEX_READ after the second kill");
    expectEq(st.count, 0, "MUTEX_READ after the second kill: count");
    expectEq(st.owner, 0, "MUTEX_READ after the second kill: owner");

    w = waitAny(s, fd, 1, [mutex], 123);
    expectErr(w, "EOWNERDEAD", "wait_any as 123 after its own kill");
    expectEq(w.index, 0, "wait_any after its own kill: index");
    checkMutexState(
      s,
      mutex,
      1,
      123,
      "after re-acquiring its own abandoned mutex",
    );

    s.close(mutex);

    mutex = expectFd(createMutex(s, fd, 0, 0), "create mutex {0,0}");
    checkMutexState(s, mutex, 0, 0, "after create {0,0}");

    w = waitAny(s, fd, 1, [mutex], 123);
    expectOk(w, "wait_any as 123 on a new unowned mutex");
    expectEq(w.index, 0, "wait_any on a new unowned mutex: index");
    checkMutexState(s, mutex, 1, 123, "after acquiring the new mutex");

    s.close(mutex);

    mutex = expectFd(
      createMutex(s, fd, 123, 0xffffffff),
      "create mutex {123, 0xFFFFFFFF}",
    );
    checkMutexState(
      s,
      mutex,
      0xffffffff,
      123,
      "after create {123, 0xFFFFFFFF}",
    );

    expectErr(
      waitAny(s, fd, 1, [mutex], 123),
      "ETIMEDOUT",
      "wait_any by the owner at recursion count 0xFFFFFFFF",
    );

    s.close(mutex);
    s.close(fd);
  },
);

/** `manual_event_state`: set/reset/pulse and polling a manual event. */
export const manualEventState: ConformanceTest = defineCheck(
  "manual_event_state",
  (s: Session) => {
    const fd = s.open();

    const event = expectFd(
      createEvent(s, fd, 1, 0),
      "create event {manual 1, signaled 0}",
    );
    checkEventState(s, event, 0, 1, "after create");

    let e = setEvent(s, event);
    expectOk(e, "first EVENT_SET");
    expectEq(e.signaled, 0, "first EVENT_SET: previous state");
    checkEventState(s, event, 1, 1, "after first EVENT_SET");

    e = setEvent(s, event);
    expectOk(e, "second EVENT_SET");
    expectEq(e.signaled, 1, "second EVENT_SET: previous state");
    checkEventState(s, event, 1, 1, "after second EVENT_SET");

    const w = waitAny(s, fd, 1, [event], 123);
    expectOk(w, "wait_any on the signaled manual event");
    expectEq(w.index, 0, "wait_any on the signaled manual event: index");
    checkEventState(
      s,
      event,
      1,
      1,
      "after wait_any (a manual event is not consumed)",
    );

    e = resetEvent(s, event);
    expectOk(e, "first EVENT_RESET");
    expectEq(e.signaled, 1, "first EVENT_RESET: previous state");
    checkEventState(s, event, 0, 1, "after first EVENT_RESET");

    e = resetEvent(s, event);
    expectOk(e, "second EVENT_RESET");
    expectEq(e.signaled, 0, "second EVENT_RESET: previous state");
    checkEventState(s, event, 0, 1, "after second EVENT_RESET");

    expectErr(
      waitAny(s, fd, 1, [event], 123),
      "ETIMEDOUT",
      "wait_any on the reset event",
    );

    e = setEvent(s, event);
    expectOk(e, "EVENT_SET before pulsing");
    expectEq(e.signaled, 0, "EVENT_SET before pulsing: previous state");

    e = pulseEvent(s, event);
    expectOk(e, "EVENT_PULSE of the signaled event");
    expectEq(
      e.signaled,
      1,
      "EVENT_PULSE of the signaled event: previous state",
    );
    checkEventState(s, event, 0, 1, "after EVENT_PULSE of the signaled event");

    e = pulseEvent(s, event);
    expectOk(e, "EVENT_PULSE of the unsignaled event");
    expectEq(
      e.signaled,
      0,
      "EVENT_PULSE of the unsignaled event: previous state",
    );
    checkEventState(
      s,
      event,
      0,
      1,
      "after EVENT_PULSE of the unsignaled event",
    );

    s.close(event);
    s.close(fd);
  },
);

/** `auto_event_state`: set/reset/pulse and consuming an auto-reset event. */
export const autoEventState: ConformanceTest = defineCheck(
  "auto_event_state",
  (s: Session) => {
    const fd = s.open();

    const event = expectFd(
      createEvent(s, fd, 0, 1),
      "create event {manual 0, signaled 1}",
    );
    checkEventState(s, event, 1, 0, "after create");

    let e = setEvent(s, event);
    expectOk(e, "EVENT_SET of the signaled event");
    expectEq(e.signaled, 1, "EVENT_SET of the signaled event: previous state");
    checkEventState(s, event, 1, 0, "after EVENT_SET");

    const w = waitAny(s, fd, 1, [event], 123);
    expectOk(w, "wait_any on the signaled auto event");
    expectEq(w.index, 0, "wait_any on the auto event: index");
    checkEventState(
      s,
      event,
      0,
      0,
      "after wait_any (an auto event is consumed)",
    );

    e = resetEvent(s, event);
    expectOk(e, "EVENT_RESET");
    expectEq(e.signaled, 0, "EVENT_RESET: previous state");
    checkEventState(s, event, 0, 0, "after EVENT_RESET");

    expectErr(
      waitAny(s, fd, 1, [event], 123),
      "ETIMEDOUT",
      "wait_any on the unsignaled event",
    );

    e = setEvent(s, event);
    expectOk(e, "EVENT_SET before pulsing");
    expectEq(e.signaled, 0, "EVENT_SET before pulsing: previous state");

    e = pulseEvent(s, event);
    expectOk(e, "EVENT_PULSE of the signaled event");
    expectEq(
      e.signaled,
      1,
      "EVENT_PULSE of the signaled event: previous state",
    );
    checkEventState(s, event, 0, 0, "after EVENT_PULSE of the signaled event");

    e = pulseEvent(s, event);
    expectOk(e, "EVENT_PULSE of the unsignaled event");
    expectEq(
      e.signaled,
      0,
      "EVENT_PULSE of the unsignaled event: previous state",
    );
    checkEventState(
      s,
      event,
      0,
      0,
      "after EVENT_PULSE of the unsignaled event",
    );

    s.close(event);
    s.close(fd);
  },
);
