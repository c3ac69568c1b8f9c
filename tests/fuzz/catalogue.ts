/**
 * The hostile-input catalogue: every ioctl with bad memory, bad fds, wrong
 * types and edge values, each with the errno the kernel gives (its function cited)
 * after a fixed setup. The test replays each entry on every backend beside
 * the model, so besides the errno every byte written and every object's
 * state afterwards must match.
 *
 * @module
 */

import type { ArgShape, FdRef, ObjRequest, Op } from "./ops.ts";

/** One catalogue entry: the op after {@linkcode SETUP} and its result. */
export interface HostileCase {
  /** What is being tried, with the kernel function that decides it. */
  readonly name: string;
  /** Extra setup steps after the standard setup, if any. */
  readonly before?: readonly Op[];
  /** The hostile operation. */
  readonly op: Op;
  /** `"0"`, `"fd"`, or the errno name. */
  readonly expect: string;
}

/** Handle numbers the standard setup creates (creation order). */
export const H = {
  devA: 0,
  devB: 1,
  sem: 2, // {count 1, max 2} on A
  mutex: 3, // {owner 5, count 2} on A
  autoEv: 4, // auto-reset, signaled, on A
  manEv: 5, // manual-reset, unsignaled, on A
  foreign: 6, // sem {1, 1} on B
  closed: 7, // a sem on A, closed
  free: 8, // unowned mutex on A
  dead: 9, // mutex on A abandoned by owner 7
} as const;

/** The standard setup; every case starts from it. */
export const SETUP: readonly Op[] = [
  { t: "open" },
  { t: "open" },
  { t: "create", dev: H.devA, kind: "sem", a: 1, b: 2, arg: "exact" },
  { t: "create", dev: H.devA, kind: "mutex", a: 5, b: 2, arg: "exact" },
  { t: "create", dev: H.devA, kind: "event", a: 0, b: 1, arg: "exact" },
  { t: "create", dev: H.devA, kind: "event", a: 1, b: 0, arg: "exact" },
  { t: "create", dev: H.devB, kind: "sem", a: 1, b: 1, arg: "exact" },
  { t: "create", dev: H.devA, kind: "sem", a: 0, b: 0, arg: "exact" },
  { t: "create", dev: H.devA, kind: "mutex", a: 0, b: 0, arg: "exact" },
  { t: "create", dev: H.devA, kind: "mutex", a: 7, b: 1, arg: "exact" },
  { t: "obj", fd: H.dead, req: "MUTEX_KILL", a: 7, b: 0, arg: "exact" },
  // Last, so that its number is still free when a case uses it.
  { t: "close", fd: H.closed },
];

/** What each setup step returns. */
export const SETUP_RESULTS: readonly string[] = [
  ...new Array(10).fill("fd"),
  "0",
  "0",
];

/** The handle a case's first `before` create gets. */
const NEXT = 10;

const BAD_MEMORY: readonly ArgShape[] = ["null", "empty", "short", "detached"];
const ODD_MEMORY: readonly ArgShape[] = [
  "long",
  "off1",
  "off3",
  "shared",
  "dataview",
  "u32",
];

/** A wait op with defaults: WAIT_ANY on A, [sem], owner 1, timeout now. */
export function wait(fields: Partial<Op & { t: "wait" }> = {}): Op {
  return {
    t: "wait",
    dev: H.devA,
    all: false,
    objs: [H.sem],
    owner: 1,
    alert: null,
    flags: 0,
    pad: 0,
    timeout: "now",
    index: 0xdead_beef,
    addr: "ok",
    arg: "exact",
    ...fields,
  };
}

function obj(
  fd: FdRef,
  req: ObjRequest,
  a = 0,
  b = 0,
  arg: ArgShape = "exact",
): Op {
  return { t: "obj", fd, req, a, b, arg };
}

/** Each object request with a valid use on its own type, and the result. */
const VALID_USES: readonly [ObjRequest, number, number, number, string][] = [
  ["SEM_RELEASE", H.sem, 1, 0, "0"], // ntsync_sem_release()
  ["SEM_READ", H.sem, 0, 0, "0"], // ntsync_*_read()
  ["MUTEX_UNLOCK", H.mutex, 5, 0, "0"], // ntsync_mutex_unlock()
  ["MUTEX_KILL", H.mutex, 5, 0, "0"], // ntsync_mutex_kill()
  ["MUTEX_READ", H.mutex, 0, 0, "0"], // ntsync_*_read()
  ["EVENT_SET", H.manEv, 0, 0, "0"], // ntsync_event_set()
  ["EVENT_RESET", H.autoEv, 0, 0, "0"], // ntsync_event_reset()
  ["EVENT_PULSE", H.autoEv, 0, 0, "0"], // ntsync_event_set()
  ["EVENT_READ", H.autoEv, 0, 0, "0"], // ntsync_*_read()
];

const TYPE_OF: Record<number, "sem" | "mutex" | "event"> = {
  [H.sem]: "sem",
  [H.mutex]: "mutex",
  [H.autoEv]: "event",
  [H.manEv]: "event",
};

function memoryCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  const creates = [
    ["sem", 1, 2],
    ["mutex", 0, 0],
    ["event", 1, 1],
  ] as const;
  for (const [kind, a, b] of creates) {
    for (const arg of BAD_MEMORY) {
      cases.push({
        name: `CREATE ${kind} with ${arg} memory: EFAULT (ntsync_create_*())`,
        op: { t: "create", dev: H.devA, kind, a, b, arg },
        expect: "EFAULT",
      });
    }
    for (const arg of ODD_MEMORY) {
      cases.push({
        name:
          `CREATE ${kind} with ${arg} memory works, writes nothing (ntsync_create_*())`,
        op: { t: "create", dev: H.devA, kind, a, b, arg },
        expect: "fd",
      });
    }
  }
  for (const [req, fd, a, b, ok] of VALID_USES) {
    for (const arg of BAD_MEMORY) {
      cases.push({
        name:
          `${req} with ${arg} memory: EFAULT, state as the kernel leaves it (docs/semantics.md#errors-call-by-call)`,
        op: obj(fd, req, a, b, arg),
        expect: "EFAULT",
      });
    }
    for (const arg of ODD_MEMORY) {
      cases.push({
        name: `${req} with ${arg} memory works on the struct's bytes only`,
        op: obj(fd, req, a, b, arg),
        expect: ok,
      });
    }
  }
  for (const all of [false, true]) {
    const name = all ? "WAIT_ALL" : "WAIT_ANY";
    const objs = all ? [H.sem, H.autoEv] : [H.sem];
    for (const arg of BAD_MEMORY) {
      cases.push({
        name:
          `${name} with ${arg} args: EFAULT, nothing acquired (ntsync_wait_any())`,
        op: wait({ all, objs, arg }),
        expect: "EFAULT",
      });
    }
    for (const arg of ODD_MEMORY) {
      cases.push({
        name: `${name} with ${arg} args acquires, writes index only`,
        op: wait({ all, objs, arg }),
        expect: "0",
      });
    }
  }
  return cases;
}

function fdCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  for (const [req, fd, a, b] of VALID_USES) {
    for (const target of [H.sem, H.mutex, H.autoEv]) {
      if (TYPE_OF[target] === TYPE_OF[fd]) continue;
      cases.push({
        name: `${req} on a ${
          TYPE_OF[target]
        }: EINVAL, nothing changes (docs/semantics.md#errors-call-by-call)`,
        op: obj(target, req, a, b),
        expect: "EINVAL",
      });
    }
    cases.push(
      {
        name:
          `${req} on the device fd: ENOTTY (ntsync_char_ioctl(), ntsync_obj_ioctl())`,
        op: obj(H.devA, req, a, b),
        expect: "ENOTTY",
      },
      {
        name: `${req} on a closed fd: EBADF`,
        op: obj(H.closed, req, a, b),
        expect: "EBADF",
      },
      {
        name: `${req} on fd -1: EBADF`,
        op: obj("neg", req, a, b),
        expect: "EBADF",
      },
      {
        name: `${req} on a never-opened fd: EBADF`,
        op: obj("dead", req, a, b),
        expect: "EBADF",
      },
    );
  }
  cases.push(
    {
      name:
        "SEM_READ on another instance's semaphore works (docs/semantics.md#errors-call-by-call: no instance check)",
      op: obj(H.foreign, "SEM_READ"),
      expect: "0",
    },
    {
      name: "SEM_RELEASE on another instance's semaphore works",
      op: obj(H.foreign, "SEM_RELEASE", 0),
      expect: "0",
    },
    {
      name:
        "CREATE_SEM on an object fd: ENOTTY (ntsync_char_ioctl(), ntsync_obj_ioctl())",
      op: { t: "create", dev: H.sem, kind: "sem", a: 0, b: 1, arg: "exact" },
      expect: "ENOTTY",
    },
    {
      name: "CREATE_EVENT on a closed fd: EBADF",
      op: {
        t: "create",
        dev: H.closed,
        kind: "event",
        a: 0,
        b: 0,
        arg: "exact",
      },
      expect: "EBADF",
    },
    {
      name:
        "WAIT_ANY issued on an object fd: ENOTTY (ntsync_char_ioctl(), ntsync_obj_ioctl())",
      op: wait({ dev: H.sem }),
      expect: "ENOTTY",
    },
    {
      name: "WAIT_ALL issued on fd -1: EBADF",
      op: wait({ dev: "neg", all: true }),
      expect: "EBADF",
    },
    {
      name:
        "SEM_RELEASE on the mutex with a NULL arg: EFAULT before the type (ntsync_sem_release())",
      op: obj(H.mutex, "SEM_RELEASE", 1, 0, "null"),
      expect: "EFAULT",
    },
    {
      name:
        "MUTEX_UNLOCK owner 0 on a semaphore: EINVAL (ntsync_mutex_unlock())",
      op: obj(H.sem, "MUTEX_UNLOCK", 0),
      expect: "EINVAL",
    },
    {
      name:
        "SEM_READ on an event with NULL: EINVAL, the type is checked first (ntsync_*_read())",
      op: obj(H.autoEv, "SEM_READ", 0, 0, "null"),
      expect: "EINVAL",
    },
    {
      name:
        "EVENT_SET on a semaphore with NULL: EINVAL first (ntsync_event_set())",
      op: obj(H.sem, "EVENT_SET", 0, 0, "null"),
      expect: "EINVAL",
    },
  );
  for (const code of [0, 0xffff_ffff, 0xc00c_4e80, 0x800c_4e8c, 0x4008_4e88]) {
    for (const fd of [H.devA, H.sem, H.autoEv]) {
      cases.push({
        name: `unknown request 0x${
          code.toString(16)
        } on handle ${fd}: ENOTTY (ntsync_char_ioctl(), ntsync_obj_ioctl())`,
        op: { t: "raw", fd, code, arg: "exact" },
        expect: "ENOTTY",
      });
    }
  }
  return cases;
}

function valueCases(): HostileCase[] {
  const U32 = 0xffff_ffff;
  const c = (name: string, op: Op, expect: string, before?: Op[]) => ({
    name,
    op,
    expect,
    before,
  });
  return [
    c("CREATE_SEM {2^32-1, 2^32-1} (ntsync_create_sem())", {
      t: "create",
      dev: H.devA,
      kind: "sem",
      a: U32,
      b: U32,
      arg: "exact",
    }, "fd"),
    c("CREATE_SEM {2^31, 2^31-1}: EINVAL (ntsync_create_sem())", {
      t: "create",
      dev: H.devA,
      kind: "sem",
      a: 0x8000_0000,
      b: 0x7fff_ffff,
      arg: "exact",
    }, "EINVAL"),
    c("CREATE_MUTEX {2^32-1, 2^32-1} (ntsync_create_mutex())", {
      t: "create",
      dev: H.devA,
      kind: "mutex",
      a: U32,
      b: U32,
      arg: "exact",
    }, "fd"),
    c("CREATE_MUTEX {0, 2^32-1}: EINVAL (ntsync_create_mutex())", {
      t: "create",
      dev: H.devA,
      kind: "mutex",
      a: 0,
      b: U32,
      arg: "exact",
    }, "EINVAL"),
    c("CREATE_MUTEX {2^32-1, 0}: EINVAL (ntsync_create_mutex())", {
      t: "create",
      dev: H.devA,
      kind: "mutex",
      a: U32,
      b: 0,
      arg: "exact",
    }, "EINVAL"),
    c("CREATE_EVENT {2^32-1, 2^31} stores booleans (ntsync_create_event())", {
      t: "create",
      dev: H.devA,
      kind: "event",
      a: U32,
      b: 0x8000_0000,
      arg: "exact",
    }, "fd"),
    c(
      "SEM_RELEASE 2^32-1: EOVERFLOW, nothing written (ntsync_sem_release())",
      obj(H.sem, "SEM_RELEASE", U32),
      "EOVERFLOW",
    ),
    c(
      "SEM_RELEASE 2: EOVERFLOW past max (ntsync_sem_release())",
      obj(H.sem, "SEM_RELEASE", 2),
      "EOVERFLOW",
    ),
    c(
      "MUTEX_UNLOCK owner 0: EINVAL (ntsync_mutex_unlock())",
      obj(H.mutex, "MUTEX_UNLOCK", 0),
      "EINVAL",
    ),
    c(
      "MUTEX_UNLOCK owner 2^32-1 (not the owner): EPERM (ntsync_mutex_unlock())",
      obj(H.mutex, "MUTEX_UNLOCK", U32),
      "EPERM",
    ),
    c(
      "MUTEX_UNLOCK of an abandoned mutex: EPERM (ntsync_mutex_unlock())",
      obj(H.dead, "MUTEX_UNLOCK", 7),
      "EPERM",
    ),
    c(
      "MUTEX_KILL owner 0: EINVAL (ntsync_mutex_kill())",
      obj(H.mutex, "MUTEX_KILL", 0),
      "EINVAL",
    ),
    c(
      "MUTEX_KILL of an unowned mutex: EPERM (ntsync_mutex_kill())",
      obj(H.free, "MUTEX_KILL", 5),
      "EPERM",
    ),
    c(
      "MUTEX_KILL again by the dead owner: EPERM (ntsync_mutex_kill())",
      obj(H.dead, "MUTEX_KILL", 7),
      "EPERM",
    ),
    c(
      "MUTEX_READ of an abandoned mutex writes {0,0}, EOWNERDEAD (ntsync_*_read())",
      obj(H.dead, "MUTEX_READ", U32, U32),
      "EOWNERDEAD",
    ),
    c(
      "MUTEX_UNLOCK by owner 2^32-1 of its own mutex",
      obj(NEXT, "MUTEX_UNLOCK", U32, U32),
      "0",
      [{ t: "create", dev: H.devA, kind: "mutex", a: U32, b: 3, arg: "exact" }],
    ),
    c(
      "a wait by the owner at count 2^32-1 times out (is_signaled())",
      wait({ objs: [NEXT], owner: U32 }),
      "ETIMEDOUT",
      [{
        t: "create",
        dev: H.devA,
        kind: "mutex",
        a: U32,
        b: U32,
        arg: "exact",
      }],
    ),
    c("WAIT_ANY owner 2^32-1 acquires", wait({ owner: U32 }), "0"),
    c("WAIT_ANY owner 0: EINVAL (setup_wait())", wait({ owner: 0 }), "EINVAL"),
    c(
      "WAIT_ALL owner 0: EINVAL (setup_wait())",
      wait({ all: true, owner: 0 }),
      "EINVAL",
    ),
    c("WAIT_ANY pad 1: EINVAL (setup_wait())", wait({ pad: 1 }), "EINVAL"),
    c(
      "WAIT_ALL pad 2^32-1: EINVAL (setup_wait())",
      wait({ all: true, pad: U32 }),
      "EINVAL",
    ),
    c("WAIT_ANY flags 2: EINVAL (setup_wait())", wait({ flags: 2 }), "EINVAL"),
    c(
      "WAIT_ANY flags 2^31: EINVAL (setup_wait())",
      wait({ flags: 0x8000_0000 }),
      "EINVAL",
    ),
    c("WAIT_ANY flags 3: EINVAL (setup_wait())", wait({ flags: 3 }), "EINVAL"),
    c(
      "WAIT_ANY REALTIME now acquires (ntsync_schedule())",
      wait({ flags: 1 }),
      "0",
    ),
    c(
      "WAIT_ANY pad 1 and owner 0 and count 65: EINVAL (setup_wait())",
      wait({ pad: 1, owner: 0, count: 65 }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY count 65: EINVAL (setup_wait())",
      wait({ count: 65 }),
      "EINVAL",
    ),
    c(
      "WAIT_ALL count 2^32-1: EINVAL (setup_wait())",
      wait({ all: true, count: U32 }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY count 65 with a NULL objs: EINVAL before objs is read (setup_wait())",
      wait({ count: 65, addr: "null" }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY of 65 entries: EINVAL (setup_wait())",
      wait({ objs: new Array(65).fill(H.sem) }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY of 64 entries acquires once (ntsync_wait_any())",
      wait({ objs: new Array(64).fill(H.sem) }),
      "0",
    ),
    c(
      "WAIT_ANY objs NULL, count 1: EFAULT (setup_wait())",
      wait({ addr: "null" }),
      "EFAULT",
    ),
    c(
      "WAIT_ALL objs not from addressOf: EFAULT (setup_wait())",
      wait({ all: true, addr: "bogus" }),
      "EFAULT",
    ),
    c(
      "WAIT_ANY objs detached after addressOf: EFAULT (setup_wait())",
      wait({ addr: "detached" }),
      "EFAULT",
    ),
    c(
      "WAIT_ANY objs view shorter than count: EFAULT (setup_wait())",
      wait({ count: 2 }),
      "EFAULT",
    ),
    c(
      "WAIT_ANY count 0 with objs NULL: times out (docs/semantics.md#alerts)",
      wait({ objs: [], addr: "null" }),
      "ETIMEDOUT",
    ),
    c(
      "WAIT_ALL count 0 with objs bogus: succeeds, index 0 (docs/semantics.md#alerts)",
      wait({ all: true, objs: [], addr: "bogus" }),
      "0",
    ),
    c(
      "WAIT_ALL count 0 with a signaled alert: index 0, alert untouched (docs/semantics.md#alerts)",
      wait({ all: true, objs: [], alert: H.autoEv }),
      "0",
    ),
    c(
      "WAIT_ANY on a closed fd entry: EINVAL (setup_wait())",
      wait({ objs: [H.sem, H.closed] }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY on the device fd as an entry: EINVAL (setup_wait())",
      wait({ objs: [H.devA] }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY on another instance's object: EINVAL (setup_wait())",
      wait({ objs: [H.sem, H.foreign] }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY on fd -1: EINVAL (setup_wait())",
      wait({ objs: ["neg"] }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY on fd -2^31: EINVAL (setup_wait())",
      wait({ objs: ["min"] }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY on a never-opened fd: EINVAL (setup_wait())",
      wait({ objs: ["dead"] }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY through instance B on A's objects: EINVAL (get_obj())",
      wait({ dev: H.devB }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY alert closed: EINVAL (setup_wait())",
      wait({ alert: H.closed }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY alert the device: EINVAL (setup_wait())",
      wait({ alert: H.devA }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY alert foreign: EINVAL (setup_wait())",
      wait({ alert: H.foreign }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY alert 2^32-1 (fd -1): EINVAL (setup_wait())",
      wait({ alert: "neg" }),
      "EINVAL",
    ),
    c(
      "WAIT_ALL duplicate entries: EINVAL (setup_wait())",
      wait({ all: true, objs: [H.sem, H.sem] }),
      "EINVAL",
    ),
    c(
      "WAIT_ALL alert also in objs: EINVAL (setup_wait())",
      wait({ all: true, objs: [H.sem], alert: H.sem }),
      "EINVAL",
    ),
    c(
      "WAIT_ANY duplicate entries acquire once (ntsync_wait_any())",
      wait({ objs: [H.sem, H.sem] }),
      "0",
    ),
    c(
      "WAIT_ANY abandoned mutex: EOWNERDEAD with index (try_wake_any_mutex())",
      wait({ objs: [H.manEv, H.dead] }),
      "EOWNERDEAD",
    ),
    c(
      "WAIT_ALL with an abandoned mutex: EOWNERDEAD, all acquired (try_wake_all())",
      wait({ all: true, objs: [H.sem, H.dead, H.free] }),
      "EOWNERDEAD",
    ),
    c(
      "WAIT_ALL with an abandoned mutex as the alert: EOWNERDEAD, index = count (docs/semantics.md#alerts)",
      wait({ all: true, objs: [H.manEv], alert: H.dead }),
      "EOWNERDEAD",
    ),
    c(
      "WAIT_ANY timeout 0 acquires (ntsync_schedule())",
      wait({ timeout: "zero" }),
      "0",
    ),
    c(
      "WAIT_ANY timeout 0 on nothing: ETIMEDOUT (ntsync_schedule())",
      wait({ objs: [H.manEv], timeout: "zero" }),
      "ETIMEDOUT",
    ),
    c(
      "WAIT_ANY timeout 1 ns on nothing: ETIMEDOUT",
      wait({ objs: [H.manEv], timeout: { ns: "1" } }),
      "ETIMEDOUT",
    ),
    c(
      "WAIT_ANY timeout now+5 ms on nothing: ETIMEDOUT",
      wait({ objs: [H.manEv], timeout: { plusMs: 5 } }),
      "ETIMEDOUT",
    ),
    c(
      "WAIT_ANY REALTIME timeout 0 on nothing: ETIMEDOUT",
      wait({ objs: [H.manEv], timeout: "zero", flags: 1 }),
      "ETIMEDOUT",
    ),
    ...[
      "9223372036854775807",
      "9223372036854775808",
      "9223372036854775809",
      "18446744073709551615",
    ].map((ns) =>
      c(
        `WAIT_ALL timeout ${ns} acquires what is there at once (ntsync_schedule())`,
        wait({ all: true, objs: [H.sem, H.free], timeout: { ns } }),
        "0",
      )
    ),
    ...["9223372036854775808", "18446744073709551614"].map((ns) =>
      c(
        `WAIT_ANY REALTIME timeout ${ns} still acquires what is there (ntsync_schedule())`,
        wait({ objs: [H.manEv, H.sem], flags: 1, timeout: { ns } }),
        "0",
      )
    ),
  ];
}

/** The whole catalogue. */
export function catalogue(): HostileCase[] {
  return [...memoryCases(), ...fdCases(), ...valueCases()];
}
