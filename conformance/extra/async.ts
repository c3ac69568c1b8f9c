/**
 * Extra checks of `ioctlAsync` (the README's "The ioctl surface"): a wait on the
 * main thread that a timer in the same thread satisfies (so the wait must
 * not block the event loop), its failure results, and cancellation.
 *
 * @module
 */

import { NtsyncError } from "../../core/errors.ts";
import {
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  SemArgs,
  WaitArgs,
} from "../../uapi/mod.ts";
import {
  checkEventState,
  checkMutexState,
  checkSemState,
  createEvent,
  createMutex,
  createSem,
  encodeWait,
  getAbsTimeout,
  killMutex,
  type RawWait,
  releaseSem,
  setEvent,
} from "../calls.ts";
import {
  type CallResult,
  expectEq,
  expectErr,
  expectFd,
  expectOk,
  expectTrue,
} from "../check.ts";
import { type ConformanceTest, defineCheck, type Session } from "../session.ts";
import { ASYNC_WAKE_DEADLINE_MS } from "../timing.ts";

/** `ioctlAsync` as C sees it: ret/errno, the index, and whether `during` ran first. */
async function asyncWait(
  s: Session,
  fd: number,
  request: number,
  w: RawWait,
  during?: () => void,
  afterMs = 20,
): Promise<CallResult & { index: number; ran: boolean }> {
  const { args, view } = encodeWait(s, w);
  let ran = false;
  const timer = during === undefined ? undefined : setTimeout(() => {
    ran = true;
    during();
  }, afterMs);
  try {
    const ret = await s.nt.ioctlAsync(fd, request, args);
    return { ret, errno: 0, index: WaitArgs.read(args).index, ran };
  } catch (err) {
    if (!(err instanceof NtsyncError)) throw err;
    return { ret: -1, errno: err.errno, index: WaitArgs.read(args).index, ran };
  } finally {
    clearTimeout(timer);
    void view;
  }
}

/** The README's "The ioctl surface": an async wait leaves the event loop free; a same-thread timer satisfies it. */
export const ioctlAsyncWait: ConformanceTest = defineCheck(
  "ioctl_async_wait",
  async (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 0, 1), "create sem {0,1}");
    // A fresh deadline per wait; a safety net only, as each is satisfied first.
    const deadline = () => getAbsTimeout(s, ASYNC_WAKE_DEADLINE_MS);

    let released: CallResult | undefined;
    let w = await asyncWait(s, fd, NTSYNC_IOC_WAIT_ANY, {
      objs: [sem],
      timeout: deadline(),
    }, () => {
      released = releaseSem(s, sem, 1);
    });
    expectTrue(w.ran, "the timer ran while the async wait was pending");
    expectOk(released!, "release 1 from the timer");
    expectOk(w, "async WAIT_ANY satisfied by the timer's release");
    expectEq(w.index, 0, "async WAIT_ANY: index");
    checkSemState(s, sem, 0, 1, "the release went to the async waiter");

    const event = expectFd(createEvent(s, fd, 0, 0), "create auto event {0,0}");
    expectOk(releaseSem(s, sem, 1), "release 1 for the WAIT_ALL");
    w = await asyncWait(s, fd, NTSYNC_IOC_WAIT_ALL, {
      objs: [sem, event],
      timeout: deadline(),
    }, () => {
      setEvent(s, event);
    });
    expectOk(w, "async WAIT_ALL completed by the timer's EVENT_SET");
    expectEq(w.index, 0, "async WAIT_ALL: index");
    checkSemState(s, sem, 0, 1, "async WAIT_ALL took the semaphore");
    checkEventState(s, event, 0, 0, "async WAIT_ALL took the auto event");

    const mutex = expectFd(createMutex(s, fd, 123, 1), "create mutex {123,1}");
    w = await asyncWait(s, fd, NTSYNC_IOC_WAIT_ANY, {
      objs: [sem, mutex],
      owner: 456,
      timeout: deadline(),
    }, () => {
      killMutex(s, mutex, 123);
    });
    expectErr(w, "EOWNERDEAD", "async WAIT_ANY woken by MUTEX_KILL");
    expectEq(w.index, 1, "async WAIT_ANY woken by MUTEX_KILL: index written");
    checkMutexState(
      s,
      mutex,
      1,
      456,
      "the abandoned mutex went to the async waiter",
    );

    const t0 = s.nt.now("monotonic");
    w = await asyncWait(s, fd, NTSYNC_IOC_WAIT_ANY, {
      objs: [sem],
      timeout: t0 + 30_000_000n,
    });
    expectErr(w, "ETIMEDOUT", "async WAIT_ANY with a 30 ms deadline");
    expectEq(w.index, 0xdeadbeef, "timed-out async wait: index not written");
    expectTrue(
      s.nt.now("monotonic") - t0 >= 30_000_000n,
      "the async wait lasted at least 30 ms",
    );

    w = await asyncWait(s, fd, NTSYNC_IOC_WAIT_ANY, {
      objsAddress: 0n,
      count: 65,
    });
    expectErr(w, "EINVAL", "async WAIT_ANY with count 65");

    // Non-wait requests answer as ioctl() does.
    let created: number;
    try {
      created = await s.nt.ioctlAsync(
        fd,
        NTSYNC_IOC_CREATE_SEM,
        SemArgs.alloc({ count: 1, max: 5 }),
      );
    } catch (err) {
      throw new Error(`async CREATE_SEM: ${err}`);
    }
    s.track(created);
    expectTrue(created >= 0, `async CREATE_SEM returned fd ${created}`);
    const arg = new Uint32Array([2]);
    expectEq(
      await s.nt.ioctlAsync(created, NTSYNC_IOC_SEM_RELEASE, arg),
      0,
      "async SEM_RELEASE",
    );
    expectEq(arg[0], 1, "async SEM_RELEASE: previous count");
    checkSemState(s, created, 3, 5, "after the async SEM_RELEASE");
  },
);

/** Backend contract: aborting a pending async wait rejects with the reason and takes nothing. */
export const ioctlAsyncAbort: ConformanceTest = defineCheck(
  "ioctl_async_abort",
  async (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 0, 1), "create sem {0,1}");
    const { args, view } = encodeWait(s, {
      objs: [sem],
      timeout: getAbsTimeout(s, ASYNC_WAKE_DEADLINE_MS),
    });
    const controller = new AbortController();
    const reason = new Error("stop waiting");
    const timer = setTimeout(() => controller.abort(reason), 20);
    let outcome: unknown;
    try {
      await s.nt.ioctlAsync(fd, NTSYNC_IOC_WAIT_ANY, args, {
        signal: controller.signal,
      });
      outcome = "resolved";
    } catch (err) {
      outcome = err;
    } finally {
      clearTimeout(timer);
      void view;
    }
    expectTrue(
      outcome === reason,
      `the aborted wait rejects with the signal's reason, got ${
        String(outcome)
      }`,
    );
    expectEq(
      WaitArgs.read(args).index,
      0xdeadbeef,
      "aborted wait: index not written",
    );

    const r = releaseSem(s, sem, 1);
    expectOk(r, "release 1 after the abort");
    expectEq(r.count, 0, "release 1 after the abort: previous count");
    checkSemState(s, sem, 1, 1, "the aborted wait did not take the release");
  },
);
