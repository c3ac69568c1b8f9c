/**
 * Extra checks of thread identity and `reap` (the Backend contract; the
 * kernel has no such call: the native backend builds it from alerts and
 * MUTEX_KILL). The reaped attachment lives in this thread here, so the
 * checks need no Worker; tests/reap/ covers reaping real Workers.
 *
 * @module
 */

import { attachBackend } from "../../core/registry.ts";
import { NTSYNC_IOC_WAIT_ANY } from "../../uapi/mod.ts";
import {
  checkMutexState,
  checkSemState,
  createEvent,
  createMutex,
  createSem,
  readMutexState,
  releaseSem,
  setEvent,
  unlockMutex,
  waitAny,
  waitRaw,
} from "../calls.ts";
import {
  expectEq,
  expectErr,
  expectFd,
  expectOk,
  expectTrue,
} from "../check.ts";
import { type ConformanceTest, defineCheck, Session } from "../session.ts";

/** Every attachment has a nonzero u32 thread id of its own. */
export const threadIds: ConformanceTest = defineCheck(
  "thread_ids",
  (s: Session) => {
    const ids = new Set<number>([s.nt.threadId]);
    for (let i = 0; i < 20; i++) {
      const there = attachBackend(s.nt.share());
      const id = there.threadId;
      expectTrue(
        Number.isInteger(id) && id > 0 && id <= 0xffff_ffff,
        `attachment ${i}: threadId ${id} is a nonzero u32`,
      );
      ids.add(id);
    }
    expectEq(ids.size, 21, "distinct thread ids of 21 attachments");
  },
);

/** reap: ESRCH from then on, no state change, mutexes abandoned, idempotent. */
export const reapRevokes: ConformanceTest = defineCheck(
  "reap_revokes",
  (s: Session) => {
    const fd = s.open();
    const token = s.nt.share();
    const there = new Session(attachBackend(token));
    const own = there.nt.threadId;
    const sem = expectFd(createSem(s, fd, 2, 5), "create sem {2,5}");
    const mine = expectFd(createMutex(s, fd, 0, 0), "create mutex {0,0}");
    const named = expectFd(createMutex(s, fd, 0, 0), "create mutex {0,0}");
    const kept = expectFd(createMutex(s, fd, 77, 1), "create mutex {77,1}");
    const ev = expectFd(createEvent(s, fd, 1, 0), "create manual event");
    expectOk(waitAny(there, fd, 1, [mine], own), "there: take mine");
    expectOk(waitAny(there, fd, 1, [named], 4242), "there: take named (4242)");
    expectOk(waitAny(there, fd, 1, [sem], own), "there: take a unit");

    s.nt.reap(token, { owners: [4242] });
    expectErr(readMutexState(s, mine), "EOWNERDEAD", "mine abandoned");
    expectErr(readMutexState(s, named), "EOWNERDEAD", "named abandoned");
    checkMutexState(s, kept, 1, 77, "another owner's mutex untouched");
    checkSemState(s, sem, 1, 5, "the unit it took stays taken");

    expectErr(waitAny(there, fd, 1, [sem], own), "ESRCH", "there: wait");
    expectErr(releaseSem(there, sem, 1), "ESRCH", "there: release");
    expectErr(setEvent(there, ev), "ESRCH", "there: EVENT_SET");
    expectErr(unlockMutex(there, kept, 77), "ESRCH", "there: unlock");
    expectErr(createSem(there, fd, 0, 1), "ESRCH", "there: create");
    expectErr(
      waitRaw(there, fd, NTSYNC_IOC_WAIT_ANY, { objs: [ev], owner: own }),
      "ESRCH",
      "there: a poll",
    );
    checkSemState(s, sem, 1, 5, "nothing released");
    expectEq(
      readMutexState(s, kept).owner,
      77,
      "nothing unlocked",
    );

    // Idempotent: a second reap leaves a mutex re-acquired since alone.
    const me = s.nt.threadId;
    expectErr(waitAny(s, fd, 1, [mine], me), "EOWNERDEAD", "take mine over");
    s.nt.reap(token, { owners: [4242] });
    checkMutexState(s, mine, 1, me, "a second reap changes nothing");
    expectOk(unlockMutex(s, mine, me), "unlock mine");
  },
);
