/**
 * Extra checks of the ioctl dispatch and argument handling (`ntsync_char_ioctl()`, `ntsync_obj_ioctl()`,
 * docs/semantics.md#errors-call-by-call, the README's "The ioctl surface"): ENOTTY for codes an fd does not take, EINVAL
 * for an object of the wrong type, EFAULT at the kernel's copy points, and
 * nothing written back on failure.
 *
 * @module
 */

import {
  EventArgs,
  MutexArgs,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  requestName,
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
  killMutex,
  readMutexState,
  releaseSem,
  unlockMutex,
  waitRaw,
} from "../calls.ts";
import {
  expectEq,
  expectErr,
  expectFd,
  expectOk,
  expectTrue,
} from "../check.ts";
import { Errno } from "../../uapi/errno.ts";

const { EBADF, ENOTTY } = Errno;

/** The read an object made by each create answers. */
const READ_OF_CREATE: ReadonlyMap<number, number> = new Map([
  [NTSYNC_IOC_CREATE_SEM, NTSYNC_IOC_SEM_READ],
  [NTSYNC_IOC_CREATE_MUTEX, NTSYNC_IOC_MUTEX_READ],
  [NTSYNC_IOC_CREATE_EVENT, NTSYNC_IOC_EVENT_READ],
]);
import { type ConformanceTest, defineCheck, type Session } from "../session.ts";

const OBJECT_REQUESTS = [
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_EVENT_READ,
];

/** Codes the driver does not know: nr 0x99, and old-draft sizes (docs/semantics.md#older-drafts-of-the-uapi). */
const UNKNOWN_REQUESTS = [
  0,
  0x40084e99,
  0xc00c4e80, // draft CREATE_SEM, 12-byte struct
  0xc00c4e84, // draft CREATE_MUTEX
  0xc00c4e87, // draft CREATE_EVENT
  0xc00c4e85, // draft MUTEX_UNLOCK
  0x800c4e8b, // draft READ_SEM
  0x800c4e8c, // draft READ_MUTEX
  0x800c4e8d, // draft READ_EVENT
];

const name = (request: number) =>
  requestName(request) ?? `0x${request.toString(16)}`;

/** A buffer big enough for any ntsync struct, so only dispatch can fail. */
const roomy = () => new Uint32Array(16);

/** ntsync_char_ioctl(), ntsync_obj_ioctl(): dispatch is an exact match per fd kind; anything else is ENOTTY. */
export const requestCodesEnotty: ConformanceTest = defineCheck(
  "request_codes_enotty",
  (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 1, 1), "create sem {1,1}");
    const mutex = expectFd(createMutex(s, fd, 123, 1), "create mutex {123,1}");
    const event = expectFd(createEvent(s, fd, 1, 1), "create event {1,1}");

    for (const request of OBJECT_REQUESTS) {
      expectErr(
        s.ioctl(fd, request, roomy()),
        "ENOTTY",
        `${name(request)} on the device fd`,
      );
    }
    for (const obj of [sem, mutex, event]) {
      expectErr(
        s.ioctl(
          obj,
          NTSYNC_IOC_CREATE_SEM,
          SemArgs.alloc({ count: 1, max: 1 }),
        ),
        "ENOTTY",
        `CREATE_SEM on object fd ${obj}`,
      );
      expectErr(
        s.ioctl(obj, NTSYNC_IOC_CREATE_MUTEX, MutexArgs.alloc()),
        "ENOTTY",
        `CREATE_MUTEX on object fd ${obj}`,
      );
      expectErr(
        s.ioctl(obj, NTSYNC_IOC_CREATE_EVENT, EventArgs.alloc()),
        "ENOTTY",
        `CREATE_EVENT on object fd ${obj}`,
      );
      for (const request of [NTSYNC_IOC_WAIT_ANY, NTSYNC_IOC_WAIT_ALL]) {
        const { args, view } = encodeWait(s, { objs: [obj] });
        expectErr(
          s.ioctl(obj, request, args),
          "ENOTTY",
          `${name(request)} on object fd ${obj}`,
        );
        void view;
      }
    }
    for (const request of UNKNOWN_REQUESTS) {
      for (const target of [fd, sem, mutex, event]) {
        expectErr(
          s.ioctl(target, request, roomy()),
          "ENOTTY",
          `unknown request ${name(request)} on fd ${target}`,
        );
      }
    }
    checkSemState(s, sem, 1, 1, "semaphore after the refused requests");
    checkMutexState(s, mutex, 1, 123, "mutex after the refused requests");
    checkEventState(s, event, 1, 1, "event after the refused requests");
  },
);

/** docs/semantics.md#errors-call-by-call: an object ioctl on an object of another type is EINVAL and changes nothing. */
export const wrongTypeEinval: ConformanceTest = defineCheck(
  "wrong_type_einval",
  (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 1, 2), "create sem {1,2}");
    const mutex = expectFd(createMutex(s, fd, 123, 1), "create mutex {123,1}");
    const event = expectFd(createEvent(s, fd, 1, 1), "create event {1,1}");

    for (const [obj, what] of [[mutex, "mutex"], [event, "event"]] as const) {
      const arg = new Uint32Array([1]);
      expectErr(
        s.ioctl(obj, NTSYNC_IOC_SEM_RELEASE, arg),
        "EINVAL",
        `SEM_RELEASE on a ${what}`,
      );
      expectEq(
        arg[0],
        1,
        `SEM_RELEASE on a ${what}: the buffer is not written`,
      );
      expectErr(
        s.ioctl(obj, NTSYNC_IOC_SEM_READ, roomy()),
        "EINVAL",
        `SEM_READ on a ${what}`,
      );
    }
    for (const [obj, what] of [[sem, "semaphore"], [event, "event"]] as const) {
      const u = unlockMutex(s, obj, 123);
      expectErr(u, "EINVAL", `MUTEX_UNLOCK on a ${what}`);
      expectEq(
        u.count,
        0xdeadbeef,
        `MUTEX_UNLOCK on a ${what}: count is not written`,
      );
      expectErr(killMutex(s, obj, 123), "EINVAL", `MUTEX_KILL on a ${what}`);
      expectErr(
        s.ioctl(obj, NTSYNC_IOC_MUTEX_READ, roomy()),
        "EINVAL",
        `MUTEX_READ on a ${what}`,
      );
    }
    for (const [obj, what] of [[sem, "semaphore"], [mutex, "mutex"]] as const) {
      for (
        const request of [
          NTSYNC_IOC_EVENT_SET,
          NTSYNC_IOC_EVENT_RESET,
          NTSYNC_IOC_EVENT_PULSE,
        ]
      ) {
        const out = new Uint32Array([0xdeadbeef]);
        expectErr(
          s.ioctl(obj, request, out),
          "EINVAL",
          `${name(request)} on a ${what}`,
        );
        expectEq(
          out[0],
          0xdeadbeef,
          `${name(request)} on a ${what}: nothing written`,
        );
      }
      expectErr(
        s.ioctl(obj, NTSYNC_IOC_EVENT_READ, roomy()),
        "EINVAL",
        `EVENT_READ on a ${what}`,
      );
    }
    checkSemState(s, sem, 1, 2, "semaphore after the wrong-type requests");
    checkMutexState(s, mutex, 1, 123, "mutex after the wrong-type requests");
    checkEventState(s, event, 1, 1, "event after the wrong-type requests");
  },
);

/**
 * docs/semantics.md#errors-call-by-call, the README's "The ioctl surface": `null`
 * or a short view is EFAULT at the kernel's
 * copy point. EVENT_* change the state and then fault; the rest fault before
 * anything changes, and SEM_RELEASE reads before checking the type.
 */
export const efaultPoints: ConformanceTest = defineCheck(
  "efault_points",
  (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 1, 2), "create sem {1,2}");
    const mutex = expectFd(createMutex(s, fd, 123, 1), "create mutex {123,1}");
    const event = expectFd(
      createEvent(s, fd, 1, 0),
      "create manual event {1,0}",
    );

    // EVENT_SET/RESET/PULSE: the change happens, then the write faults.
    expectErr(
      s.ioctl(event, NTSYNC_IOC_EVENT_SET, null),
      "EFAULT",
      "EVENT_SET with NULL",
    );
    checkEventState(s, event, 1, 1, "after EVENT_SET with NULL (set anyway)");
    expectErr(
      s.ioctl(event, NTSYNC_IOC_EVENT_RESET, null),
      "EFAULT",
      "EVENT_RESET with NULL",
    );
    checkEventState(
      s,
      event,
      0,
      1,
      "after EVENT_RESET with NULL (reset anyway)",
    );
    expectErr(
      s.ioctl(event, NTSYNC_IOC_EVENT_SET, new Uint8Array(3)),
      "EFAULT",
      "EVENT_SET with a 3-byte buffer",
    );
    checkEventState(
      s,
      event,
      1,
      1,
      "after EVENT_SET with a short buffer (set anyway)",
    );
    expectErr(
      s.ioctl(event, NTSYNC_IOC_EVENT_PULSE, null),
      "EFAULT",
      "EVENT_PULSE with NULL",
    );
    checkEventState(
      s,
      event,
      0,
      1,
      "after EVENT_PULSE with NULL (pulsed anyway)",
    );
    // ...but the type check comes first.
    expectErr(
      s.ioctl(sem, NTSYNC_IOC_EVENT_SET, null),
      "EINVAL",
      "EVENT_SET with NULL on a semaphore",
    );

    // SEM_RELEASE reads its input before the type check.
    expectErr(
      s.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, null),
      "EFAULT",
      "SEM_RELEASE with NULL",
    );
    expectErr(
      s.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, new Uint8Array(3)),
      "EFAULT",
      "SEM_RELEASE with a 3-byte buffer",
    );
    expectErr(
      s.ioctl(mutex, NTSYNC_IOC_SEM_RELEASE, null),
      "EFAULT",
      "SEM_RELEASE with NULL on a mutex",
    );
    checkSemState(s, sem, 1, 2, "after the faulting SEM_RELEASEs (unchanged)");

    // MUTEX_UNLOCK / MUTEX_KILL read first too.
    expectErr(
      s.ioctl(mutex, NTSYNC_IOC_MUTEX_UNLOCK, null),
      "EFAULT",
      "MUTEX_UNLOCK with NULL",
    );
    expectErr(
      s.ioctl(mutex, NTSYNC_IOC_MUTEX_UNLOCK, new Uint8Array(7)),
      "EFAULT",
      "MUTEX_UNLOCK with a 7-byte buffer",
    );
    expectErr(
      s.ioctl(mutex, NTSYNC_IOC_MUTEX_KILL, null),
      "EFAULT",
      "MUTEX_KILL with NULL",
    );
    expectErr(
      s.ioctl(sem, NTSYNC_IOC_MUTEX_KILL, null),
      "EFAULT",
      "MUTEX_KILL with NULL on a semaphore",
    );
    checkMutexState(
      s,
      mutex,
      1,
      123,
      "after the faulting MUTEX_UNLOCK/KILLs (unchanged)",
    );

    // Reads: the type check first, then the copy out.
    for (
      const [obj, request] of [
        [sem, NTSYNC_IOC_SEM_READ],
        [mutex, NTSYNC_IOC_MUTEX_READ],
        [event, NTSYNC_IOC_EVENT_READ],
      ] as const
    ) {
      expectErr(
        s.ioctl(obj, request, null),
        "EFAULT",
        `${name(request)} with NULL`,
      );
      expectErr(
        s.ioctl(obj, request, new Uint8Array(7)),
        "EFAULT",
        `${name(request)} with 7 bytes`,
      );
    }
    expectErr(
      s.ioctl(mutex, NTSYNC_IOC_SEM_READ, null),
      "EINVAL",
      "SEM_READ with NULL on a mutex",
    );

    // Creation: nothing is created.
    for (
      const request of [
        NTSYNC_IOC_CREATE_SEM,
        NTSYNC_IOC_CREATE_MUTEX,
        NTSYNC_IOC_CREATE_EVENT,
      ]
    ) {
      const probe = expectFd(
        createSem(s, fd, 0, 1),
        `probe fd before ${name(request)}`,
      );
      s.close(probe);
      expectErr(
        s.ioctl(fd, request, null),
        "EFAULT",
        `${name(request)} with NULL`,
      );
      expectErr(
        s.ioctl(fd, request, new Uint8Array(7)),
        "EFAULT",
        `${name(request)} with 7 bytes`,
      );
      const next = expectFd(
        createSem(s, fd, 0, 1),
        `create after the faulting ${name(request)}`,
      );
      // Lowest free fd: `next` is `probe` again unless the faulting create
      // took it. But other threads of the runtime open and close fds of
      // their own at any time (Node frees a terminated Worker's a moment
      // later), so another number may have come or gone meanwhile: then
      // `probe`'s number must hold no object of the kind the create makes.
      if (next !== probe) {
        const read = READ_OF_CREATE.get(request)!;
        const r = s.ioctl(probe, read, roomy());
        expectTrue(
          r.ret === -1 && (r.errno === EBADF || r.errno === ENOTTY),
          `${name(request)}: a faulting create took no fd (fd ${probe}, ` +
            `whose number was free, answers ${name(read)} with ` +
            `${r.ret}/${r.errno}: EBADF or ENOTTY expected)`,
        );
      }
      s.close(next);
    }

    // Waits: the 40-byte struct, then the objs array.
    for (const request of [NTSYNC_IOC_WAIT_ANY, NTSYNC_IOC_WAIT_ALL]) {
      expectErr(
        s.ioctl(fd, request, null),
        "EFAULT",
        `${name(request)} with NULL`,
      );
      const { args, view } = encodeWait(s, { objs: [sem] });
      expectErr(
        s.ioctl(fd, request, new DataView(args.buffer, 0, WaitArgs.size - 1)),
        "EFAULT",
        `${name(request)} with a 39-byte struct`,
      );
      void view;
      expectErr(
        waitRaw(s, fd, request, { objsAddress: 0n, count: 1 }),
        "EFAULT",
        `${name(request)} with objs NULL and count 1`,
      );
      expectErr(
        waitRaw(s, fd, request, { objsAddress: 0x1000n, count: 1 }),
        "EFAULT",
        `${name(request)} with objs at an unmapped address`,
      );
      const short = new Int32Array([sem]);
      expectErr(
        waitRaw(s, fd, request, {
          objsAddress: s.nt.addressOf(short),
          count: 2,
        }),
        "EFAULT",
        `${name(request)} with count 2 over a 1-entry array`,
      );
    }
    checkSemState(s, sem, 1, 2, "after the faulting waits (nothing acquired)");

    // MUTEX_READ of an abandoned mutex into a bad buffer: EFAULT, not EOWNERDEAD.
    expectOk(killMutex(s, mutex, 123), "MUTEX_KILL by 123");
    expectErr(
      s.ioctl(mutex, NTSYNC_IOC_MUTEX_READ, null),
      "EFAULT",
      "MUTEX_READ with NULL when abandoned",
    );
    expectErr(
      readMutexState(s, mutex),
      "EOWNERDEAD",
      "MUTEX_READ of the abandoned mutex",
    );
  },
);

/** docs/semantics.md#errors-call-by-call: failures other than EFAULT-on-output write nothing back. */
export const noWriteOnError: ConformanceTest = defineCheck(
  "no_write_on_error",
  (s: Session) => {
    const fd = s.open();
    const sem = expectFd(createSem(s, fd, 1, 2), "create sem {1,2}");
    const mutex = expectFd(createMutex(s, fd, 123, 1), "create mutex {123,1}");

    for (const n of [5, 2, 0xffffffff]) {
      const r = releaseSem(s, sem, n);
      expectErr(r, "EOVERFLOW", `release ${n} on {1,2}`);
      expectEq(r.count, n, `release ${n} on {1,2}: the buffer keeps its input`);
    }
    checkSemState(s, sem, 1, 2, "after the overflowing releases");

    let u = unlockMutex(s, mutex, 456);
    expectErr(u, "EPERM", "unlock by non-owner 456");
    expectEq(u.count, 0xdeadbeef, "unlock by non-owner: count is not written");
    u = unlockMutex(s, mutex, 0);
    expectErr(u, "EINVAL", "unlock as owner 0");
    expectEq(u.count, 0xdeadbeef, "unlock as owner 0: count is not written");

    // A successful unlock writes count only.
    const args = MutexArgs.alloc({ owner: 123, count: 0xdeadbeef });
    expectOk(s.ioctl(mutex, NTSYNC_IOC_MUTEX_UNLOCK, args), "unlock by 123");
    expectEq(
      MutexArgs.read(args).owner,
      123,
      "unlock by 123: owner field untouched",
    );
    expectEq(MutexArgs.read(args).count, 1, "unlock by 123: previous count");

    // Waits write only `index`, and only when something was acquired.
    const objs = new Int32Array([sem]);
    const fields = {
      timeout: s.nt.now("monotonic"),
      objs: s.nt.addressOf(objs),
      count: 1,
      index: 0xdeadbeef,
      flags: 0,
      owner: 123,
      alert: 0,
      pad: 0,
    };
    const wait = WaitArgs.alloc(fields);
    expectOk(
      s.ioctl(fd, NTSYNC_IOC_WAIT_ANY, wait),
      "wait_any on the semaphore",
    );
    expectEq(WaitArgs.read(wait).index, 0, "wait_any: index");
    for (
      const key of [
        "timeout",
        "objs",
        "count",
        "flags",
        "owner",
        "alert",
        "pad",
      ] as const
    ) {
      expectEq(
        WaitArgs.read(wait)[key],
        fields[key],
        `wait_any: ${key} is not written back`,
      );
    }
    for (const request of [NTSYNC_IOC_WAIT_ANY, NTSYNC_IOC_WAIT_ALL]) {
      const timedOut = waitRaw(s, fd, request, { objs: [sem] });
      expectErr(
        timedOut,
        "ETIMEDOUT",
        `${name(request)} on the empty semaphore`,
      );
      expectEq(
        timedOut.index,
        0xdeadbeef,
        `${name(request)} timed out: index is not written`,
      );
      const invalid = waitRaw(s, fd, request, { objs: [sem], pad: 1 });
      expectErr(invalid, "EINVAL", `${name(request)} with pad 1`);
      expectEq(
        invalid.index,
        0xdeadbeef,
        `${name(request)} EINVAL: index is not written`,
      );
    }
  },
);
