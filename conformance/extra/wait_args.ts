/**
 * Extra checks of wait argument handling and wait-start selection
 * (`setup_wait()`, `ntsync_wait_any()`, docs/semantics.md#alerts): count 0,
 * alerts (in objs, duplicated, of any
 * type), the count limit before objs is read, pad/flags, owner 0 and bad fds.
 *
 * @module
 */

import {
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  NTSYNC_WAIT_REALTIME,
} from "../../uapi/mod.ts";
import {
  checkEventState,
  checkMutexState,
  checkSemState,
  createEvent,
  createMutex,
  createSem,
  killMutex,
  setEvent,
  waitRaw,
} from "../calls.ts";
import { expectEq, expectErr, expectFd, expectOk } from "../check.ts";
import { type ConformanceTest, defineCheck, type Session } from "../session.ts";

const WAITS = [["WAIT_ANY", NTSYNC_IOC_WAIT_ANY], [
  "WAIT_ALL",
  NTSYNC_IOC_WAIT_ALL,
]] as const;

/** docs/semantics.md#alerts: WAIT_ALL of nothing succeeds at once (index 0), alert or not; WAIT_ANY of nothing waits for the alert. */
export const waitCountZero: ConformanceTest = defineCheck(
  "wait_count_zero",
  (s: Session) => {
    const fd = s.open();
    const manual = expectFd(
      createEvent(s, fd, 1, 0),
      "create manual alert {1,0}",
    );
    const auto = expectFd(createEvent(s, fd, 0, 1), "create auto alert {0,1}");

    let w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ALL, { objsAddress: 0n, count: 0 });
    expectOk(w, "WAIT_ALL count 0, no alert");
    expectEq(w.index, 0, "WAIT_ALL count 0: index");

    w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ALL, { count: 0, alert: manual });
    expectOk(w, "WAIT_ALL count 0 with an unsignaled alert");
    expectEq(w.index, 0, "WAIT_ALL count 0 with an unsignaled alert: index");

    w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ALL, { count: 0, alert: auto });
    expectOk(w, "WAIT_ALL count 0 with a signaled auto alert");
    expectEq(
      w.index,
      0,
      "WAIT_ALL count 0 with a signaled alert: index 0 (the objects win)",
    );
    checkEventState(
      s,
      auto,
      1,
      0,
      "the auto alert is not consumed by WAIT_ALL of nothing",
    );

    w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, { count: 0, alert: manual });
    expectErr(w, "ETIMEDOUT", "WAIT_ANY count 0 with an unsignaled alert");

    w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, { count: 0, alert: auto });
    expectOk(w, "WAIT_ANY count 0 with a signaled auto alert");
    expectEq(w.index, 0, "WAIT_ANY count 0 with the alert: index = count = 0");
    checkEventState(s, auto, 0, 0, "the auto alert is consumed");

    w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, { count: 0, alert: auto });
    expectErr(w, "ETIMEDOUT", "WAIT_ANY count 0 after the alert was consumed");
  },
);

/** ntsync_wait_any(), setup_wait(): the alert may also be in objs (ANY: the objs index wins; ALL: EINVAL). */
export const alertInObjs: ConformanceTest = defineCheck(
  "alert_in_objs",
  (s: Session) => {
    const fd = s.open();
    const empty = expectFd(createSem(s, fd, 0, 1), "create empty sem {0,1}");
    const full = expectFd(createSem(s, fd, 1, 1), "create sem {1,1}");
    const auto = expectFd(createEvent(s, fd, 0, 1), "create auto event {0,1}");
    const manual = expectFd(
      createEvent(s, fd, 1, 1),
      "create manual event {1,1}",
    );

    let w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, {
      objs: [empty, auto],
      alert: auto,
    });
    expectOk(w, "WAIT_ANY(empty, auto) with alert auto");
    expectEq(
      w.index,
      1,
      "WAIT_ANY(empty, auto) with alert auto: the objs index, not count",
    );
    checkEventState(s, auto, 0, 0, "the auto event is consumed once");

    expectOk(setEvent(s, auto), "EVENT_SET of the auto event");
    w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, { objs: [auto], alert: auto });
    expectOk(w, "WAIT_ANY(auto) with alert auto");
    expectEq(w.index, 0, "WAIT_ANY(auto) with alert auto: index");

    w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, {
      objs: [empty, manual, empty],
      alert: manual,
    });
    expectOk(w, "WAIT_ANY(empty, manual, empty) with alert manual");
    expectEq(
      w.index,
      1,
      "WAIT_ANY(empty, manual, empty) with alert manual: index",
    );

    expectErr(
      waitRaw(s, fd, NTSYNC_IOC_WAIT_ALL, {
        objs: [full, manual],
        alert: manual,
      }),
      "EINVAL",
      "WAIT_ALL(sem, manual) with alert manual",
    );
    expectErr(
      waitRaw(s, fd, NTSYNC_IOC_WAIT_ALL, { objs: [full], alert: full }),
      "EINVAL",
      "WAIT_ALL(sem) with alert sem",
    );
    checkSemState(s, full, 1, 1, "nothing acquired by the EINVAL waits");
  },
);

/** docs/semantics.md#alerts: the alert's type is not checked; it is acquired by its own rules. */
export const alertAnyType: ConformanceTest = defineCheck(
  "alert_any_type",
  (s: Session) => {
    const fd = s.open();
    const empty = expectFd(createSem(s, fd, 0, 1), "create empty sem {0,1}");
    const alertSem = expectFd(createSem(s, fd, 2, 3), "create alert sem {2,3}");

    let w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, {
      objs: [empty],
      alert: alertSem,
    });
    expectOk(w, "WAIT_ANY(empty) with a semaphore alert");
    expectEq(w.index, 1, "WAIT_ANY with a semaphore alert: index = count");
    checkSemState(s, alertSem, 1, 3, "the semaphore alert is decremented");

    w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ALL, { objs: [empty], alert: alertSem });
    expectOk(w, "WAIT_ALL(empty) with a semaphore alert");
    expectEq(w.index, 1, "WAIT_ALL with a semaphore alert: index = count");
    checkSemState(
      s,
      alertSem,
      0,
      3,
      "the semaphore alert is decremented again",
    );
    checkSemState(s, empty, 0, 1, "the WAIT_ALL objects are untouched");

    expectErr(
      waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, { objs: [empty], alert: alertSem }),
      "ETIMEDOUT",
      "WAIT_ANY with the semaphore alert empty",
    );

    const alertMutex = expectFd(
      createMutex(s, fd, 0, 0),
      "create alert mutex {0,0}",
    );
    w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, {
      objs: [empty],
      alert: alertMutex,
      owner: 123,
    });
    expectOk(w, "WAIT_ANY with a mutex alert");
    expectEq(w.index, 1, "WAIT_ANY with a mutex alert: index");
    checkMutexState(s, alertMutex, 1, 123, "the mutex alert is acquired");

    expectOk(killMutex(s, alertMutex, 123), "MUTEX_KILL of the alert mutex");
    w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, {
      objs: [empty],
      alert: alertMutex,
      owner: 456,
    });
    expectErr(w, "EOWNERDEAD", "WAIT_ANY with an abandoned mutex alert");
    expectEq(
      w.index,
      1,
      "WAIT_ANY with an abandoned mutex alert: index = count",
    );
    checkMutexState(
      s,
      alertMutex,
      1,
      456,
      "the abandoned alert mutex is acquired",
    );
  },
);

/** setup_wait(): count > 64 is EINVAL before objs is read. */
export const countLimitBeforeObjs: ConformanceTest = defineCheck(
  "count_limit_before_objs",
  (s: Session) => {
    const fd = s.open();
    for (const [what, request] of WAITS) {
      for (const count of [65, 0x100, 0xffffffff]) {
        expectErr(
          waitRaw(s, fd, request, { objsAddress: 0n, count }),
          "EINVAL",
          `${what} count ${count} with objs NULL`,
        );
      }
      expectErr(
        waitRaw(s, fd, request, { objsAddress: 0x10n, count: 65 }),
        "EINVAL",
        `${what} count 65 with a bad objs pointer`,
      );
      expectErr(
        waitRaw(s, fd, request, { objsAddress: 0n, count: 64 }),
        "EFAULT",
        `${what} count 64 with objs NULL (objs is read)`,
      );
    }

    // 64 distinct objects plus an alert: 65 entries, the most a wait takes.
    const events: number[] = [];
    for (let i = 0; i < 64; i++) {
      events.push(
        expectFd(createEvent(s, fd, 1, 1), `create manual event #${i}`),
      );
    }
    const alert = expectFd(createEvent(s, fd, 1, 1), "create the alert event");
    const w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ALL, { objs: events, alert });
    expectOk(w, "WAIT_ALL on 64 distinct events plus an alert");
    expectEq(w.index, 0, "WAIT_ALL on 64 events: index");
  },
);

/** setup_wait(): pad != 0 and unknown flag bits are EINVAL, before owner, count and objs. */
export const padAndFlags: ConformanceTest = defineCheck(
  "pad_and_flags",
  (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 1, 1), "create sem {1,1}");
    for (const [what, request] of WAITS) {
      for (const pad of [1, 0x80000000]) {
        expectErr(
          waitRaw(s, fd, request, { objs: [sem], pad }),
          "EINVAL",
          `${what} pad ${pad}`,
        );
      }
      for (const flags of [2, 3, 0x80000000]) {
        expectErr(
          waitRaw(s, fd, request, { objs: [sem], flags }),
          "EINVAL",
          `${what} flags ${flags}`,
        );
      }
      expectErr(
        waitRaw(s, fd, request, { objsAddress: 0n, count: 1, pad: 1 }),
        "EINVAL",
        `${what} pad 1 with objs NULL (checked before objs is read)`,
      );
      expectErr(
        waitRaw(s, fd, request, { objsAddress: 0n, count: 1, flags: 2 }),
        "EINVAL",
        `${what} flags 2 with objs NULL`,
      );
    }
    checkSemState(s, sem, 1, 1, "nothing acquired by the EINVAL waits");

    const w = waitRaw(s, fd, NTSYNC_IOC_WAIT_ANY, {
      objs: [sem],
      flags: NTSYNC_WAIT_REALTIME,
      timeout: s.nt.now("realtime"),
      index: 0xffffffff,
    });
    expectOk(
      w,
      "WAIT_ANY with flags REALTIME (and an index preset, which is ignored)",
    );
    expectEq(w.index, 0, "WAIT_ANY with flags REALTIME: index");
  },
);

/** setup_wait(), docs/semantics.md#owner-0-on-older-kernels: owner 0 is EINVAL in both waits, before count and objs. */
export const ownerZero: ConformanceTest = defineCheck(
  "owner_zero",
  (s: Session) => {
    const fd = s.open();
    const mutex = expectFd(createMutex(s, fd, 0, 0), "create mutex {0,0}");
    const alert = expectFd(createEvent(s, fd, 1, 1), "create signaled alert");
    for (const [what, request] of WAITS) {
      expectErr(
        waitRaw(s, fd, request, { objs: [mutex], owner: 0 }),
        "EINVAL",
        `${what} owner 0`,
      );
      expectErr(
        waitRaw(s, fd, request, { count: 0, owner: 0, alert }),
        "EINVAL",
        `${what} owner 0 with count 0 and a signaled alert`,
      );
      expectErr(
        waitRaw(s, fd, request, { objsAddress: 0n, count: 1, owner: 0 }),
        "EINVAL",
        `${what} owner 0 with objs NULL (checked before objs is read)`,
      );
    }
    checkMutexState(s, mutex, 0, 0, "the unowned mutex is not corrupted");
  },
);

/** setup_wait(), get_obj(): foreign, device, closed and negative fds are EINVAL. */
export const badFdsInWaits: ConformanceTest = defineCheck(
  "bad_fds_in_waits",
  (s: Session) => {
    const fd = s.open();
    const fd2 = s.open();
    const sem = expectFd(createSem(s, fd, 1, 1), "create sem {1,1}");
    const foreign = expectFd(
      createSem(s, fd2, 1, 1),
      "create sem {1,1} on the other instance",
    );
    const closed = expectFd(createSem(s, fd, 1, 1), "create sem to close");
    s.close(closed);

    const bad: [string, number][] = [
      ["an object of another instance", foreign],
      ["the device fd itself", fd],
      ["another device fd", fd2],
      ["a closed fd", closed],
      ["fd -1", -1],
    ];
    for (const [what, request] of WAITS) {
      for (const [desc, obj] of bad) {
        expectErr(
          waitRaw(s, fd, request, { objs: [obj] }),
          "EINVAL",
          `${what} on ${desc}`,
        );
        expectErr(
          waitRaw(s, fd, request, { objs: [sem, obj] }),
          "EINVAL",
          `${what} on (sem, ${desc})`,
        );
        if (obj !== 0) {
          expectErr(
            waitRaw(s, fd, request, { objs: [sem], alert: obj }),
            "EINVAL",
            `${what} with ${desc} as the alert`,
          );
        }
      }
    }
    checkSemState(s, sem, 1, 1, "nothing acquired by the EINVAL waits");
    checkSemState(s, foreign, 1, 1, "the foreign semaphore untouched");
  },
);
