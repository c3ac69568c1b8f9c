/**
 * Extra checks of object creation and single-object state
 * (docs/semantics.md#objects, docs/semantics.md#creating-objects,
 * docs/semantics.md#reading-state, docs/semantics.md#numeric-edge-cases).
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
  readMutexState,
  releaseSem,
  resetEvent,
  setEvent,
  unlockMutex,
  waitAll,
  waitAny,
} from "../calls.ts";
import { expectEq, expectErr, expectFd, expectOk } from "../check.ts";
import { type ConformanceTest, defineCheck, type Session } from "../session.ts";

const MAX = 0xffffffff;

/** ntsync_obj_get_fd(): object fds (and instances) take the lowest free fd number. */
export const createLowestFreeFd: ConformanceTest = defineCheck(
  "create_lowest_free_fd",
  (s: Session) => {
    const fd = s.open();
    const a = expectFd(createSem(s, fd, 0, 1), "create sem a");
    const b = expectFd(createMutex(s, fd, 0, 0), "create mutex b");
    const c = expectFd(createEvent(s, fd, 0, 0), "create event c");
    expectEq(
      new Set([fd, a, b, c]).size,
      4,
      "device and objects have distinct fds",
    );

    s.close(b);
    expectEq(
      expectFd(createSem(s, fd, 0, 1), "create after closing b"),
      b,
      "reuses b's fd",
    );
    s.close(a);
    expectEq(
      expectFd(createEvent(s, fd, 1, 1), "create after closing a"),
      a,
      "reuses a's fd",
    );
    s.close(c);
    expectEq(s.open(), c, "open() after closing c reuses c's fd");
  },
);

/** ntsync_create_event(): event args are stored as booleans, whatever nonzero value. */
export const eventArgsBooleans: ConformanceTest = defineCheck(
  "event_args_booleans",
  (s: Session) => {
    const fd = s.open();

    const m = expectFd(
      createEvent(s, fd, 7, 0x80000000),
      "create event {manual 7, signaled 0x80000000}",
    );
    checkEventState(s, m, 1, 1, "{7, 0x80000000} reads as {1,1}");
    expectOk(waitAny(s, fd, 1, [m], 123), "wait_any on it");
    checkEventState(s, m, 1, 1, "it is manual: not consumed");

    const a = expectFd(
      createEvent(s, fd, 0, 2),
      "create event {manual 0, signaled 2}",
    );
    checkEventState(s, a, 1, 0, "{0, 2} reads as {signaled 1, manual 0}");
    expectEq(
      resetEvent(s, a).signaled,
      1,
      "EVENT_RESET reports previous state 1",
    );
    expectEq(setEvent(s, a).signaled, 0, "EVENT_SET reports previous state 0");
    expectOk(waitAny(s, fd, 1, [a], 123), "wait_any on it");
    checkEventState(s, a, 0, 0, "it is auto-reset: consumed");

    const u = expectFd(
      createEvent(s, fd, MAX, 0),
      "create event {manual 0xFFFFFFFF, signaled 0}",
    );
    checkEventState(
      s,
      u,
      0,
      1,
      "{0xFFFFFFFF, 0} reads as {signaled 0, manual 1}",
    );
  },
);

/** ntsync_create_sem(), docs/semantics.md#numeric-edge-cases: `{0,0}`, `{MAX,MAX}`, count > max, u32 wrap-around. */
export const semaphoreExtremes: ConformanceTest = defineCheck(
  "semaphore_extremes",
  (s: Session) => {
    const fd = s.open();

    const zero = expectFd(createSem(s, fd, 0, 0), "create sem {0,0}");
    checkSemState(s, zero, 0, 0, "{0,0} after create");
    let r = releaseSem(s, zero, 0);
    expectOk(r, "release 0 on {0,0}");
    expectEq(r.count, 0, "release 0 on {0,0}: previous count");
    expectErr(releaseSem(s, zero, 1), "EOVERFLOW", "release 1 on {0,0}");
    expectErr(waitAny(s, fd, 1, [zero], 123), "ETIMEDOUT", "wait_any on {0,0}");
    checkSemState(s, zero, 0, 0, "{0,0} at the end");

    const full = expectFd(createSem(s, fd, MAX, MAX), "create sem {MAX,MAX}");
    checkSemState(s, full, MAX, MAX, "{MAX,MAX} after create");
    r = releaseSem(s, full, 0);
    expectOk(r, "release 0 on {MAX,MAX}");
    expectEq(r.count, MAX, "release 0 on {MAX,MAX}: previous count");
    expectErr(releaseSem(s, full, 1), "EOVERFLOW", "release 1 on {MAX,MAX}");
    const w = waitAny(s, fd, 1, [full], 123);
    expectOk(w, "wait_any on {MAX,MAX}");
    expectEq(w.index, 0, "wait_any on {MAX,MAX}: index");
    checkSemState(s, full, MAX - 1, MAX, "after one acquisition");
    r = releaseSem(s, full, 1);
    expectOk(r, "release 1 on {MAX-1,MAX}");
    expectEq(r.count, MAX - 1, "release 1 on {MAX-1,MAX}: previous count");

    expectErr(createSem(s, fd, 1, 0), "EINVAL", "create sem {1,0}");
    expectErr(
      createSem(s, fd, MAX, MAX - 1),
      "EINVAL",
      "create sem {MAX, MAX-1}",
    );

    const wide = expectFd(createSem(s, fd, 0, MAX), "create sem {0,MAX}");
    r = releaseSem(s, wide, MAX);
    expectOk(r, "release MAX on {0,MAX}");
    expectEq(r.count, 0, "release MAX on {0,MAX}: previous count");
    expectErr(releaseSem(s, wide, 1), "EOVERFLOW", "release 1 on {MAX,MAX}");

    // 2 + 0xFFFFFFFF wraps to 1 <= max: still an overflow, not a release.
    const small = expectFd(createSem(s, fd, 2, 3), "create sem {2,3}");
    expectErr(
      releaseSem(s, small, MAX),
      "EOVERFLOW",
      "release 0xFFFFFFFF on {2,3} (u32 wrap)",
    );
    checkSemState(s, small, 2, 3, "{2,3} after the wrapping release");
  },
);

/** ntsync_create_mutex(): `(owner == 0) != (count == 0)` is EINVAL; any other pair works. */
export const mutexCreateValidation: ConformanceTest = defineCheck(
  "mutex_create_validation",
  (s: Session) => {
    const fd = s.open();
    for (const [owner, count] of [[123, 0], [0, 2], [0, MAX], [MAX, 0]]) {
      expectErr(
        createMutex(s, fd, owner, count),
        "EINVAL",
        `create mutex {owner ${owner}, count ${count}}`,
      );
    }
    for (const [owner, count] of [[0, 0], [123, 1], [1, MAX], [MAX, 1]]) {
      const m = expectFd(
        createMutex(s, fd, owner, count),
        `create mutex {owner ${owner}, count ${count}}`,
      );
      // checkMutexState also proves it is not abandoned (MUTEX_READ returns 0).
      checkMutexState(
        s,
        m,
        count,
        owner,
        `mutex {${owner},${count}} after create`,
      );
    }
    const m = expectFd(
      createMutex(s, fd, MAX, 1),
      "create mutex {0xFFFFFFFF, 1}",
    );
    const u = unlockMutex(s, m, MAX);
    expectOk(u, "unlock by owner 0xFFFFFFFF");
    expectEq(u.count, 1, "unlock by owner 0xFFFFFFFF: previous count");
    checkMutexState(s, m, 0, 0, "after unlocking {0xFFFFFFFF,1}");
  },
);

/** ntsync_*_read(), try_wake_any_mutex(): an abandoned mutex reads {0,0} + EOWNERDEAD until acquired. */
export const mutexAbandoned: ConformanceTest = defineCheck(
  "mutex_abandoned",
  (s: Session) => {
    const fd = s.open();
    const mutex = expectFd(createMutex(s, fd, 123, 3), "create mutex {123,3}");
    expectOk(killMutex(s, mutex, 123), "MUTEX_KILL by 123 at recursion 3");

    for (let i = 1; i <= 3; i++) {
      const st = readMutexState(s, mutex);
      expectErr(st, "EOWNERDEAD", `MUTEX_READ #${i} of the abandoned mutex`);
      expectEq(st.owner, 0, `MUTEX_READ #${i}: owner`);
      expectEq(st.count, 0, `MUTEX_READ #${i}: count`);
    }
    expectErr(
      killMutex(s, mutex, 123),
      "EPERM",
      "MUTEX_KILL of an abandoned mutex by its old owner",
    );
    const u = unlockMutex(s, mutex, 123);
    expectErr(u, "EPERM", "unlock of an abandoned mutex by its old owner");
    expectEq(
      u.count,
      0xdeadbeef,
      "unlock of an abandoned mutex: count not written",
    );

    const w = waitAll(s, fd, 1, [mutex], 456);
    expectErr(w, "EOWNERDEAD", "wait_all as 456 acquires the abandoned mutex");
    expectEq(w.index, 0, "wait_all on the abandoned mutex: index");
    checkMutexState(
      s,
      mutex,
      1,
      456,
      "after the acquisition (no longer abandoned)",
    );
  },
);

/**
 * ntsync_create_mutex(), is_signaled(): an owner id is any nonzero `__u32`, bit 31 included.
 * Two owners that differ only there are different owners.
 */
export const mutexOwnerHighBit: ConformanceTest = defineCheck(
  "mutex_owner_high_bit",
  (s: Session) => {
    const HIGH = 0xffff_ffff, OTHER = 0x8000_0000, LOW = 0x7fff_ffff;
    const fd = s.open();
    const mutex = expectFd(
      createMutex(s, fd, HIGH, 1),
      "create mutex {2^32-1, 1}",
    );
    checkMutexState(s, mutex, 1, HIGH, "created");
    expectOk(waitAny(s, fd, 1, [mutex], HIGH), "wait_any again as 2^32-1");
    checkMutexState(s, mutex, 2, HIGH, "recursion");
    expectErr(
      waitAny(s, fd, 1, [mutex], OTHER),
      "ETIMEDOUT",
      "wait_any as 2^31",
    );
    expectErr(
      waitAll(s, fd, 1, [mutex], LOW),
      "ETIMEDOUT",
      "wait_all as 2^31-1",
    );
    expectErr(unlockMutex(s, mutex, OTHER), "EPERM", "unlock as 2^31");
    const u = unlockMutex(s, mutex, HIGH);
    expectOk(u, "unlock as 2^32-1");
    expectEq(u.count, 2, "unlock as 2^32-1: previous count");
    expectOk(waitAll(s, fd, 1, [mutex], HIGH), "wait_all as 2^32-1");
    checkMutexState(s, mutex, 2, HIGH, "recursion through wait_all");
    expectErr(killMutex(s, mutex, OTHER), "EPERM", "kill as 2^31");
    expectOk(killMutex(s, mutex, HIGH), "kill as 2^32-1");
    expectErr(
      waitAny(s, fd, 1, [mutex], OTHER),
      "EOWNERDEAD",
      "wait_any as 2^31 acquires the abandoned mutex",
    );
    checkMutexState(s, mutex, 1, OTHER, "owned by 2^31");
  },
);

/** is_signaled(): at count 0xFFFFFFFF the mutex is not signaled, even for its owner. */
export const mutexRecursionLimit: ConformanceTest = defineCheck(
  "mutex_recursion_limit",
  (s: Session) => {
    const fd = s.open();
    const mutex = expectFd(
      createMutex(s, fd, 123, MAX),
      "create mutex {123, 0xFFFFFFFF}",
    );
    expectErr(
      waitAny(s, fd, 1, [mutex], 123),
      "ETIMEDOUT",
      "wait_any by the owner at the limit",
    );
    expectErr(
      waitAll(s, fd, 1, [mutex], 123),
      "ETIMEDOUT",
      "wait_all by the owner at the limit",
    );
    expectErr(
      waitAny(s, fd, 1, [mutex], 456),
      "ETIMEDOUT",
      "wait_any by another owner",
    );
    checkMutexState(s, mutex, MAX, 123, "unchanged at the limit");

    const u = unlockMutex(s, mutex, 123);
    expectOk(u, "unlock at the limit");
    expectEq(u.count, MAX, "unlock at the limit: previous count");
    checkMutexState(s, mutex, MAX - 1, 123, "after unlocking once");
    expectOk(
      waitAny(s, fd, 1, [mutex], 123),
      "wait_any by the owner below the limit",
    );
    checkMutexState(s, mutex, MAX, 123, "back at the limit");
  },
);

/** try_wake_any_mutex(): WAIT_ANY reports EOWNERDEAD only for the object it acquired. */
export const eownerdeadOnlyIfAcquired: ConformanceTest = defineCheck(
  "eownerdead_only_if_acquired",
  (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 1, 1), "create sem {1,1}");
    const mutex = expectFd(createMutex(s, fd, 123, 1), "create mutex {123,1}");
    expectOk(killMutex(s, mutex, 123), "MUTEX_KILL by 123");

    let w = waitAny(s, fd, 2, [sem, mutex], 456);
    expectOk(w, "wait_any(sem, abandoned mutex): the semaphore wins");
    expectEq(w.index, 0, "wait_any(sem, abandoned mutex): index");
    expectErr(
      readMutexState(s, mutex),
      "EOWNERDEAD",
      "the mutex is still abandoned",
    );

    w = waitAny(s, fd, 2, [sem, mutex], 456);
    expectErr(w, "EOWNERDEAD", "wait_any(empty sem, abandoned mutex)");
    expectEq(w.index, 1, "wait_any(empty sem, abandoned mutex): index");
    checkMutexState(s, mutex, 1, 456, "after acquiring the abandoned mutex");

    expectOk(killMutex(s, mutex, 456), "MUTEX_KILL by 456");
    expectOk(releaseSem(s, sem, 1), "release 1");
    w = waitAll(s, fd, 2, [sem, mutex], 789);
    expectErr(w, "EOWNERDEAD", "wait_all(sem, abandoned mutex)");
    expectEq(w.index, 0, "wait_all(sem, abandoned mutex): index");
    checkSemState(s, sem, 0, 1, "wait_all acquired the semaphore too");
    checkMutexState(s, mutex, 1, 789, "wait_all acquired the mutex");
  },
);

/** ntsync_wait_any(), is_signaled(): a duplicated mutex is acquired once by WAIT_ANY, EINVAL for WAIT_ALL. */
export const mutexDuplicates: ConformanceTest = defineCheck(
  "mutex_duplicates",
  (s: Session) => {
    const fd = s.open();
    const mutex = expectFd(createMutex(s, fd, 0, 0), "create mutex {0,0}");
    const w = waitAny(s, fd, 2, [mutex, mutex], 123);
    expectOk(w, "wait_any(mutex, mutex)");
    expectEq(w.index, 0, "wait_any(mutex, mutex): index");
    checkMutexState(s, mutex, 1, 123, "acquired once");
    expectErr(
      waitAll(s, fd, 2, [mutex, mutex], 123),
      "EINVAL",
      "wait_all(mutex, mutex)",
    );
    checkMutexState(s, mutex, 1, 123, "unchanged after the EINVAL wait_all");
  },
);

/** ntsync_obj_get_fd(): objects hold their instance; closing the device fd leaves them working. */
export const closeDeviceKeepsObjects: ConformanceTest = defineCheck(
  "close_device_keeps_objects",
  (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 0, 2), "create sem {0,2}");
    const mutex = expectFd(createMutex(s, fd, 123, 1), "create mutex {123,1}");
    const event = expectFd(createEvent(s, fd, 0, 0), "create auto event {0,0}");
    s.close(fd);

    const r = releaseSem(s, sem, 1);
    expectOk(r, "release 1 after closing the device");
    expectEq(r.count, 0, "release 1: previous count");
    checkSemState(s, sem, 1, 2, "semaphore after closing the device");
    const u = unlockMutex(s, mutex, 123);
    expectOk(u, "unlock after closing the device");
    expectEq(u.count, 1, "unlock: previous count");
    checkMutexState(s, mutex, 0, 0, "mutex after closing the device");
    expectEq(
      setEvent(s, event).signaled,
      0,
      "EVENT_SET after closing the device",
    );
    checkEventState(s, event, 1, 0, "event after closing the device");

    const fd2 = s.open();
    expectErr(
      waitAny(s, fd2, 1, [sem], 123),
      "EINVAL",
      "wait on a new instance with the old semaphore",
    );
    checkSemState(s, sem, 1, 2, "semaphore untouched by the refused wait");
  },
);
