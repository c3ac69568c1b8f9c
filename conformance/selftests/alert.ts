/**
 * The alert selftests: `alert_any` and `alert_all` (tools/testing/selftests/drivers/ntsync/ntsync.c).
 *
 * @module
 */

import { NTSYNC_IOC_WAIT_ALL, NTSYNC_IOC_WAIT_ANY } from "../../uapi/mod.ts";
import {
  createEvent,
  createSem,
  getAbsTimeout,
  releaseSem,
  resetEvent,
  setEvent,
  waitAllAlert,
  waitAnyAlert,
} from "../calls.ts";
import { expectEq, expectErr, expectFd, expectOk } from "../check.ts";
import { expectBlocked, expectThreadOk } from "../join.ts";
import { type ConformanceTest, defineCheck, type Session } from "../session.ts";
import { BLOCKED_MS, WAKE_DEADLINE_MS } from "../timing.ts";

/** `alert_any`: the alert loses to normal objects, wakes a blocked WAIT_ANY. */
export const alertAny: ConformanceTest = defineCheck(
  "alert_any",
  async (s: Session) => {
    const fd = s.open();
    const objs = [
      expectFd(createSem(s, fd, 0, 2), "create sem0 {0,2}"),
      expectFd(createSem(s, fd, 1, 2), "create sem1 {1,2}"),
    ];
    let event = expectFd(
      createEvent(s, fd, true, true),
      "create manual alert {1,1}",
    );

    let w = waitAnyAlert(s, fd, 0, null, 123, event);
    expectOk(w, "wait_any_alert(count 0) with the alert signaled");
    expectEq(w.index, 0, "wait_any_alert(count 0): index");

    expectOk(resetEvent(s, event), "EVENT_RESET of the alert");

    expectErr(
      waitAnyAlert(s, fd, 0, null, 123, event),
      "ETIMEDOUT",
      "wait_any_alert(count 0) with the alert reset",
    );

    expectOk(setEvent(s, event), "EVENT_SET of the alert");

    w = waitAnyAlert(s, fd, 2, objs, 123, event);
    expectOk(w, "wait_any_alert(sem0, sem1): sem1 beats the alert");
    expectEq(w.index, 1, "wait_any_alert(sem0, sem1): index");

    w = waitAnyAlert(s, fd, 2, objs, 123, event);
    expectOk(w, "wait_any_alert with both semaphores empty");
    expectEq(
      w.index,
      2,
      "wait_any_alert with both semaphores empty: index (the alert)",
    );

    // wakeup via the alert
    expectOk(resetEvent(s, event), "EVENT_RESET before the threaded wait");

    const t = await s.thread();
    await t.start({
      fd,
      request: NTSYNC_IOC_WAIT_ANY,
      timeout: getAbsTimeout(s, WAKE_DEADLINE_MS),
      objs,
      count: 2,
      owner: 123,
      index: 0xdeadbeef,
      alert: event,
    });
    await expectBlocked(t, BLOCKED_MS, "WAIT_ANY waiter with an alert");

    expectOk(setEvent(s, event), "EVENT_SET of the alert to wake the waiter");

    await expectThreadOk(t, 2, "WAIT_ANY waiter woken by the alert");

    s.close(event);

    // an auto-reset alert
    event = expectFd(
      createEvent(s, fd, false, true),
      "create auto alert {0,1}",
    );

    expectOk(releaseSem(s, objs[0], 1), "release sem0 by 1");

    w = waitAnyAlert(s, fd, 2, objs, 123, event);
    expectOk(w, "wait_any_alert with sem0 signaled");
    expectEq(w.index, 0, "wait_any_alert with sem0 signaled: index");

    w = waitAnyAlert(s, fd, 2, objs, 123, event);
    expectOk(w, "wait_any_alert with only the auto alert signaled");
    expectEq(w.index, 2, "wait_any_alert with only the auto alert: index");

    expectErr(
      waitAnyAlert(s, fd, 2, objs, 123, event),
      "ETIMEDOUT",
      "wait_any_alert after the auto alert was consumed",
    );

    s.close(event);
    s.close(objs[0]);
    s.close(objs[1]);
    s.close(fd);
  },
);

/** `alert_all`: the objects beat the alert; the alert wakes a blocked WAIT_ALL. */
export const alertAll: ConformanceTest = defineCheck(
  "alert_all",
  async (s: Session) => {
    const fd = s.open();
    const objs = [
      expectFd(createSem(s, fd, 2, 2), "create sem0 {2,2}"),
      expectFd(createSem(s, fd, 1, 2), "create sem1 {1,2}"),
    ];
    let event = expectFd(
      createEvent(s, fd, true, true),
      "create manual alert {1,1}",
    );

    let w = waitAllAlert(s, fd, 2, objs, 123, event);
    expectOk(w, "wait_all_alert with both semaphores signaled");
    expectEq(w.index, 0, "wait_all_alert with both semaphores signaled: index");

    w = waitAllAlert(s, fd, 2, objs, 123, event);
    expectOk(w, "wait_all_alert with sem1 empty");
    expectEq(w.index, 2, "wait_all_alert with sem1 empty: index (the alert)");

    // wakeup via the alert
    expectOk(resetEvent(s, event), "EVENT_RESET before the threaded wait");

    const t = await s.thread();
    await t.start({
      fd,
      request: NTSYNC_IOC_WAIT_ALL,
      timeout: getAbsTimeout(s, WAKE_DEADLINE_MS),
      objs,
      count: 2,
      owner: 123,
      index: 0xdeadbeef,
      alert: event,
    });
    await expectBlocked(t, BLOCKED_MS, "WAIT_ALL waiter with an alert");

    expectOk(setEvent(s, event), "EVENT_SET of the alert to wake the waiter");

    await expectThreadOk(t, 2, "WAIT_ALL waiter woken by the alert");

    s.close(event);

    // an auto-reset alert
    event = expectFd(
      createEvent(s, fd, false, true),
      "create auto alert {0,1}",
    );

    expectOk(releaseSem(s, objs[1], 2), "release sem1 by 2");

    w = waitAllAlert(s, fd, 2, objs, 123, event);
    expectOk(w, "wait_all_alert with both semaphores signaled again");
    expectEq(
      w.index,
      0,
      "wait_all_alert with both semaphores signaled again: index",
    );

    w = waitAllAlert(s, fd, 2, objs, 123, event);
    expectOk(w, "wait_all_alert with sem0 empty and the auto alert signaled");
    expectEq(w.index, 2, "wait_all_alert with the auto alert: index");

    expectErr(
      waitAllAlert(s, fd, 2, objs, 123, event),
      "ETIMEDOUT",
      "wait_all_alert after the auto alert was consumed",
    );

    s.close(event);
    s.close(objs[0]);
    s.close(objs[1]);
    s.close(fd);
  },
);
