/**
 * The NT system calls of Wine's ntsync path, one thread's view: each call
 * maps onto ntsync as Wine 11 maps it in `dlls/ntdll/unix/sync.c`
 * (`linux_set_event_obj()`, `linux_release_semaphore_obj()`,
 * `linux_wait_objs()`, …) and returns an NTSTATUS with Windows' value.
 * Out-parameters are boxes: a typed array whose element 0 receives the
 * value, or an information object with the C struct's field names.
 *
 * Where Windows and Wine differ, this follows Windows:
 * - one object twice in a wait-all is `STATUS_INVALID_PARAMETER_MIX`
 *   (Wine with ntsync passes the kernel's EINVAL on as
 *   `STATUS_INVALID_PARAMETER`);
 * - pseudo-handles in `NtWaitForMultipleObjects` are
 *   `STATUS_INVALID_HANDLE` (Wine without ntsync waits on them);
 * - a dying thread's mutexes are abandoned even when every handle to them
 *   was closed (Wine bug 60417).
 *
 * @module
 */

import {
  type Backend,
  Errno,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  NTSYNC_MAX_WAIT_COUNT,
  NtsyncError,
  WAIT_WORD,
  WaitMemory,
} from "../mod.ts";
import {
  ACCESS_SYSTEM_SECURITY,
  allAccess,
  EVENT_MODIFY_STATE,
  EVENT_QUERY_STATE,
  mapGenericMask,
  MUTANT_QUERY_STATE,
  type ObjectType,
  SEMAPHORE_MODIFY_STATE,
  SEMAPHORE_QUERY_STATE,
  SYNCHRONIZE,
} from "./access.ts";
import { hasApcs } from "./apc.ts";
import {
  CURRENT_PROCESS,
  CURRENT_THREAD,
  isPseudoHandle,
  type ObjectRef,
} from "./handles.ts";
import {
  EVENT_BASIC_INFORMATION,
  MUTANT_BASIC_INFORMATION,
  NotificationEvent,
  SEMAPHORE_BASIC_INFORMATION,
  SynchronizationEvent,
} from "./info.ts";
import { addName, findName, MAX_NAME_LENGTH } from "./names.ts";
import type { NtProcess } from "./process.ts";
import {
  errnoToStatus,
  type NTSTATUS,
  STATUS_ABANDONED_WAIT_0,
  STATUS_ACCESS_DENIED,
  STATUS_INFO_LENGTH_MISMATCH,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_INFO_CLASS,
  STATUS_INVALID_PARAMETER,
  STATUS_INVALID_PARAMETER_1,
  STATUS_INVALID_PARAMETER_MIX,
  STATUS_MUTANT_LIMIT_EXCEEDED,
  STATUS_MUTANT_NOT_OWNED,
  STATUS_NO_MEMORY,
  STATUS_OBJECT_NAME_COLLISION,
  STATUS_OBJECT_NAME_EXISTS,
  STATUS_OBJECT_NAME_INVALID,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_OBJECT_PATH_SYNTAX_BAD,
  STATUS_OBJECT_TYPE_MISMATCH,
  STATUS_PRIVILEGE_NOT_HELD,
  STATUS_SEMAPHORE_LIMIT_EXCEEDED,
  STATUS_SUCCESS,
  STATUS_TIMEOUT,
  STATUS_USER_APC,
  STATUS_WAIT_0,
} from "./status.ts";
import { threadAlive, type ThreadInfo } from "./threads.ts";
import { type NtTimeout, toKernelTimeout } from "./timeout.ts";

/** A box a handle is written to: element 0. */
export type HandleBox = Uint32Array | Int32Array | number[];
/** A box a LONG/ULONG is written to: element 0. */
export type LongBox = Int32Array | Uint32Array | number[];

/** `OBJECT_ATTRIBUTES`, as far as this layer reads it. */
export interface ObjectAttributes {
  /** The object's name (`ObjectName`), e.g. `"\\BaseNamedObjects\\Gate"`. */
  readonly name?: string | null;
  /** `OBJ_CASE_INSENSITIVE`, `OBJ_OPENIF`, … */
  readonly attributes?: number;
}

/** Name lookups ignore case. */
export const OBJ_CASE_INSENSITIVE = 0x40;
/** Create opens an existing object of that name (`STATUS_OBJECT_NAME_EXISTS`). */
export const OBJ_OPENIF = 0x80;

/** `WAIT_TYPE`: all objects at once. */
export const WaitAll = 0;
/** `WAIT_TYPE`: any one object. */
export const WaitAny = 1;

/** `NtDuplicateObject` option: close the source handle. */
export const DUPLICATE_CLOSE_SOURCE = 1;
/** `NtDuplicateObject` option: same access as the source. */
export const DUPLICATE_SAME_ACCESS = 2;

/**
 * `InitializeObjectAttributes(&attr, name, attributes, 0, NULL)`.
 *
 * @example
 * ```ts
 * import { InitializeObjectAttributes } from "./ntdll.ts";
 * const attr = InitializeObjectAttributes("\\BaseNamedObjects\\testEvent");
 * attr.name; // "\\BaseNamedObjects\\testEvent"
 * ```
 */
export function InitializeObjectAttributes(
  name: string | null,
  attributes = 0,
): ObjectAttributes {
  return { name, attributes };
}

/** Thrown inside a thread that was terminated, to unwind it. */
export class ThreadTerminated extends Error {
  /** A marker for the thread's entry point. */
  constructor() {
    super("the thread was terminated");
    this.name = "ThreadTerminated";
  }
}

/** What the thread's Win32 view lends ntdll. */
export interface ThreadHooks {
  /** Run every APC queued to this thread (before returning `STATUS_USER_APC`). */
  runApcs(): void;
}

/** ESRCH: this thread's attachment was reaped (it is being terminated). */
const ESRCH = 3;

function errnoOf(err: unknown): number {
  if (!(err instanceof NtsyncError)) throw err;
  // A revoked attachment: the thread was terminated; unwind it.
  if (err.errno === ESRCH) throw new ThreadTerminated();
  return err.errno;
}

function put(box: HandleBox | LongBox | null | undefined, value: number) {
  if (box) box[0] = value;
}

/**
 * ntdll's sync calls for one thread of an NT process (`k32.ntdll`).
 *
 * @example
 * ```ts
 * import { Kernel32 } from "./kernel32.ts";
 * import { STATUS_SUCCESS, STATUS_TIMEOUT } from "./status.ts";
 * using k32 = Kernel32.open("emulated");
 * const nt = k32.ntdll;
 * const h = new Uint32Array(1);
 * nt.NtCreateEvent(h, 0x1F0003, null, 0, false) === STATUS_SUCCESS; // true
 * nt.NtWaitForSingleObject(h[0], false, 0n) === STATUS_TIMEOUT; // true
 * nt.NtClose(h[0]);
 * ```
 */
export class Ntdll {
  readonly #process: NtProcess;
  readonly #backend: Backend;
  readonly #thread: ThreadInfo;
  readonly #hooks: ThreadHooks;
  readonly #scratch = new Uint32Array(2);
  /** This thread's wait args and fd array (found however many addresses are taken). */
  readonly #waitMemory: WaitMemory;

  /** One thread's ntdll (made by its `Kernel32` view). */
  constructor(process: NtProcess, thread: ThreadInfo, hooks: ThreadHooks) {
    this.#process = process;
    this.#backend = process.backend;
    this.#thread = thread;
    this.#hooks = hooks;
    this.#waitMemory = new WaitMemory(this.#backend);
  }

  /** This thread's id: the owner of its waits and mutex releases. */
  get threadId(): number {
    return this.#thread.tid;
  }

  #checkAlive(): void {
    if (!threadAlive(this.#process, this.#thread.row, this.#thread.tid)) {
      throw new ThreadTerminated();
    }
  }

  // ---- handles ------------------------------------------------------------

  /** Resolve a handle (pseudo-handles included) with a reference held. */
  #ref(handle: number): ObjectRef | null {
    if (isPseudoHandle(handle)) {
      const h = handle | 0;
      if (h === CURRENT_PROCESS) {
        return this.#process.table.reference(
          this.#process.processObject,
          allAccess("process"),
        );
      }
      if (h === CURRENT_THREAD) {
        return this.#process.table.reference(
          this.#thread.object,
          allAccess("thread"),
        );
      }
      return null;
    }
    return this.#process.table.lookup(handle);
  }

  /**
   * Run `fn` on `handle`'s object if it is of `type` and the handle grants
   * `access` (type first, then access, as `ObReferenceObjectByHandle`).
   */
  #with(
    handle: number,
    type: ObjectType,
    access: number,
    fn: (ref: ObjectRef) => NTSTATUS,
  ): NTSTATUS {
    this.#checkAlive();
    const ref = this.#ref(handle);
    if (!ref) return STATUS_INVALID_HANDLE;
    try {
      if (ref.type !== type) return STATUS_OBJECT_TYPE_MISMATCH;
      if ((ref.access & access) !== access) return STATUS_ACCESS_DENIED;
      return fn(ref);
    } finally {
      this.#process.table.release(ref);
    }
  }

  #ioctl(fd: number, request: number, arg: ArrayBufferView): number {
    try {
      this.#backend.ioctl(fd, request, arg);
      return 0;
    } catch (err) {
      return errnoOf(err);
    }
  }

  // ---- creation and names -------------------------------------------------

  /**
   * Create (or, with `OBJ_OPENIF`, open) an object of `type` named as
   * `attr` says, made by `make` (which returns an fd or throws).
   */
  #create(
    out: HandleBox,
    type: ObjectType,
    access: number,
    attr: ObjectAttributes | null | undefined,
    make: () => number,
  ): NTSTATUS {
    this.#checkAlive();
    const granted = mapGenericMask(type, access) & allAccess(type);
    const name = attr?.name ?? null;
    const flags = attr?.attributes ?? 0;
    const table = this.#process.table;
    const mem = this.#process.mem;
    if (
      name !== null &&
      (typeof name !== "string" || name.length > MAX_NAME_LENGTH)
    ) {
      return STATUS_OBJECT_NAME_INVALID;
    }
    return mem.locked(() => {
      let object = name === null
        ? -1
        : findName(mem, name, (flags & OBJ_CASE_INSENSITIVE) !== 0);
      let status = STATUS_SUCCESS;
      if (object >= 0) {
        if ((flags & OBJ_OPENIF) === 0) return STATUS_OBJECT_NAME_COLLISION;
        if (table.typeOf(object) !== type) return STATUS_OBJECT_TYPE_MISMATCH;
        status = STATUS_OBJECT_NAME_EXISTS;
      } else {
        let fd: number;
        try {
          fd = make();
        } catch (err) {
          return errnoToStatus(errnoOf(err));
        }
        object = table.addObject(type, fd);
        if (object < 0) {
          this.#backend.close(fd);
          return STATUS_NO_MEMORY;
        }
        if (name !== null) {
          const slot = addName(mem, name, object);
          if (slot < 0) {
            table.reference(object, 0);
            table.release(object);
            return STATUS_NO_MEMORY;
          }
          table.setName(object, slot);
        }
      }
      const handle = table.addHandle(object, granted);
      if (handle === 0) {
        table.reference(object, 0);
        table.release(object);
        return STATUS_NO_MEMORY;
      }
      put(out, handle);
      return status;
    });
  }

  #open(
    out: HandleBox,
    type: ObjectType,
    access: number,
    attr: ObjectAttributes | null | undefined,
  ): NTSTATUS {
    this.#checkAlive();
    const name = attr?.name ?? null;
    if (name === null) return STATUS_OBJECT_PATH_SYNTAX_BAD;
    if (typeof name !== "string" || name.length > MAX_NAME_LENGTH) {
      return STATUS_OBJECT_NAME_INVALID;
    }
    const flags = attr?.attributes ?? 0;
    const mem = this.#process.mem;
    const table = this.#process.table;
    return mem.locked(() => {
      const object = findName(mem, name, (flags & OBJ_CASE_INSENSITIVE) !== 0);
      if (object < 0) return STATUS_OBJECT_NAME_NOT_FOUND;
      if (table.typeOf(object) !== type) return STATUS_OBJECT_TYPE_MISMATCH;
      const status = checkOpenAccess(type, access);
      if (status !== STATUS_SUCCESS) return status;
      const handle = table.addHandle(object, mapGenericMask(type, access));
      if (handle === 0) return STATUS_NO_MEMORY;
      put(out, handle);
      return STATUS_SUCCESS;
    });
  }

  /**
   * `NtCreateEvent(&handle, access, attr, type, initial)`: `type` is
   * `NotificationEvent` (manual) or `SynchronizationEvent` (auto).
   */
  NtCreateEvent(
    handle: HandleBox,
    access: number,
    attr: ObjectAttributes | null,
    type: number,
    initialState: boolean | number,
  ): NTSTATUS {
    if (type !== NotificationEvent && type !== SynchronizationEvent) {
      return STATUS_INVALID_PARAMETER;
    }
    return this.#create(
      handle,
      "event",
      access,
      attr,
      () =>
        this.#process.createEvent(
          type === NotificationEvent ? 1 : 0,
          initialState ? 1 : 0,
        ),
    );
  }

  /** `NtOpenEvent(&handle, access, attr)`. */
  NtOpenEvent(
    handle: HandleBox,
    access: number,
    attr: ObjectAttributes | null,
  ): NTSTATUS {
    return this.#open(handle, "event", access, attr);
  }

  /** `NtCreateMutant(&handle, access, attr, owned)`: owned by this thread, count 1. */
  NtCreateMutant(
    handle: HandleBox,
    access: number,
    attr: ObjectAttributes | null,
    initialOwner: boolean | number,
  ): NTSTATUS {
    return this.#create(
      handle,
      "mutant",
      access,
      attr,
      () =>
        initialOwner
          ? this.#process.createMutex(this.#thread.tid, 1)
          : this.#process.createMutex(0, 0),
    );
  }

  /** `NtOpenMutant(&handle, access, attr)`. */
  NtOpenMutant(
    handle: HandleBox,
    access: number,
    attr: ObjectAttributes | null,
  ): NTSTATUS {
    return this.#open(handle, "mutant", access, attr);
  }

  /**
   * `NtCreateSemaphore(&handle, access, attr, initial, max)`:
   * `STATUS_INVALID_PARAMETER` unless `0 <= initial <= max` and `max > 0`.
   */
  NtCreateSemaphore(
    handle: HandleBox,
    access: number,
    attr: ObjectAttributes | null,
    initial: number,
    maximum: number,
  ): NTSTATUS {
    initial |= 0;
    maximum |= 0;
    if (maximum <= 0 || initial < 0 || initial > maximum) {
      return STATUS_INVALID_PARAMETER;
    }
    return this.#create(
      handle,
      "semaphore",
      access,
      attr,
      () => this.#process.createSemaphore(initial, maximum),
    );
  }

  /** `NtOpenSemaphore(&handle, access, attr)`. */
  NtOpenSemaphore(
    handle: HandleBox,
    access: number,
    attr: ObjectAttributes | null,
  ): NTSTATUS {
    return this.#open(handle, "semaphore", access, attr);
  }

  // ---- events -------------------------------------------------------------

  #eventOp(
    handle: number,
    request: number,
    prev: LongBox | null | undefined,
  ): NTSTATUS {
    return this.#with(handle, "event", EVENT_MODIFY_STATE, (ref) => {
      const s = this.#scratch;
      const errno = this.#ioctl(ref.fd, request, s.subarray(0, 1));
      if (errno) return errnoToStatus(errno);
      put(prev, s[0]);
      return STATUS_SUCCESS;
    });
  }

  /** `NtSetEvent(handle, &prev)`: `NTSYNC_IOC_EVENT_SET`. */
  NtSetEvent(handle: number, prev: LongBox | null = null): NTSTATUS {
    return this.#eventOp(handle, NTSYNC_IOC_EVENT_SET, prev);
  }

  /** `NtResetEvent(handle, &prev)`: `NTSYNC_IOC_EVENT_RESET`. */
  NtResetEvent(handle: number, prev: LongBox | null = null): NTSTATUS {
    return this.#eventOp(handle, NTSYNC_IOC_EVENT_RESET, prev);
  }

  /** `NtClearEvent(handle)`: `NtResetEvent(handle, NULL)`. */
  NtClearEvent(handle: number): NTSTATUS {
    return this.#eventOp(handle, NTSYNC_IOC_EVENT_RESET, null);
  }

  /** `NtPulseEvent(handle, &prev)`: `NTSYNC_IOC_EVENT_PULSE`. */
  NtPulseEvent(handle: number, prev: LongBox | null = null): NTSTATUS {
    return this.#eventOp(handle, NTSYNC_IOC_EVENT_PULSE, prev);
  }

  /** `NtSetEventBoostPriority(handle)`: `NtSetEvent(handle, NULL)`, as Wine. */
  NtSetEventBoostPriority(handle: number): NTSTATUS {
    return this.#eventOp(handle, NTSYNC_IOC_EVENT_SET, null);
  }

  /**
   * `NtQueryEvent(handle, EventBasicInformation, &info, sizeof(info), &len)`:
   * the class and length are checked before the handle, as Wine does.
   */
  NtQueryEvent(
    handle: number,
    infoClass: number,
    info: EVENT_BASIC_INFORMATION,
    length: number,
    returnLength: LongBox | null = null,
  ): NTSTATUS {
    if (infoClass !== 0) return STATUS_INVALID_INFO_CLASS;
    if (length !== EVENT_BASIC_INFORMATION.size) {
      return STATUS_INFO_LENGTH_MISMATCH;
    }
    return this.#with(handle, "event", EVENT_QUERY_STATE, (ref) => {
      const s = this.#scratch;
      const errno = this.#ioctl(ref.fd, NTSYNC_IOC_EVENT_READ, s);
      if (errno) return errnoToStatus(errno);
      info.EventType = s[0] ? NotificationEvent : SynchronizationEvent;
      info.EventState = s[1];
      put(returnLength, EVENT_BASIC_INFORMATION.size);
      return STATUS_SUCCESS;
    });
  }

  // ---- semaphores ---------------------------------------------------------

  /**
   * `NtReleaseSemaphore(handle, count, &prev)`: over the maximum is
   * `STATUS_SEMAPHORE_LIMIT_EXCEEDED` and leaves `prev` untouched.
   */
  NtReleaseSemaphore(
    handle: number,
    count: number,
    prev: LongBox | null = null,
  ): NTSTATUS {
    return this.#with(handle, "semaphore", SEMAPHORE_MODIFY_STATE, (ref) => {
      const s = this.#scratch;
      s[0] = count;
      const errno = this.#ioctl(
        ref.fd,
        NTSYNC_IOC_SEM_RELEASE,
        s.subarray(0, 1),
      );
      if (errno === Errno.EOVERFLOW) return STATUS_SEMAPHORE_LIMIT_EXCEEDED;
      if (errno) return errnoToStatus(errno);
      put(prev, s[0]);
      return STATUS_SUCCESS;
    });
  }

  /** `NtQuerySemaphore(handle, SemaphoreBasicInformation, &info, sizeof(info), &len)`. */
  NtQuerySemaphore(
    handle: number,
    infoClass: number,
    info: SEMAPHORE_BASIC_INFORMATION,
    length: number,
    returnLength: LongBox | null = null,
  ): NTSTATUS {
    if (infoClass !== 0) return STATUS_INVALID_INFO_CLASS;
    if (length !== SEMAPHORE_BASIC_INFORMATION.size) {
      return STATUS_INFO_LENGTH_MISMATCH;
    }
    return this.#with(handle, "semaphore", SEMAPHORE_QUERY_STATE, (ref) => {
      const s = this.#scratch;
      const errno = this.#ioctl(ref.fd, NTSYNC_IOC_SEM_READ, s);
      if (errno) return errnoToStatus(errno);
      info.CurrentCount = s[0];
      info.MaximumCount = s[1];
      put(returnLength, SEMAPHORE_BASIC_INFORMATION.size);
      return STATUS_SUCCESS;
    });
  }

  // ---- mutants ------------------------------------------------------------

  /**
   * `NtReleaseMutant(handle, &prev)`: `NTSYNC_IOC_MUTEX_UNLOCK` as this
   * thread; `prev` gets `1 - previous recursion count` (so -1, 0, …).
   */
  NtReleaseMutant(handle: number, prev: LongBox | null = null): NTSTATUS {
    return this.#with(handle, "mutant", 0, (ref) => {
      const s = this.#scratch;
      s[0] = this.#thread.tid;
      s[1] = 0;
      const errno = this.#ioctl(ref.fd, NTSYNC_IOC_MUTEX_UNLOCK, s);
      if (errno === Errno.EPERM) return STATUS_MUTANT_NOT_OWNED;
      if (errno === Errno.EOVERFLOW) return STATUS_MUTANT_LIMIT_EXCEEDED;
      if (errno) return errnoToStatus(errno);
      put(prev, 1 - s[1]);
      return STATUS_SUCCESS;
    });
  }

  /**
   * `NtQueryMutant(handle, MutantBasicInformation, &info, sizeof(info), &len)`:
   * an abandoned mutant reads as count 1, not owned, abandoned.
   */
  NtQueryMutant(
    handle: number,
    infoClass: number,
    info: MUTANT_BASIC_INFORMATION,
    length: number,
    returnLength: LongBox | null = null,
  ): NTSTATUS {
    if (infoClass !== 0) return STATUS_INVALID_INFO_CLASS;
    if (length !== MUTANT_BASIC_INFORMATION.size) {
      return STATUS_INFO_LENGTH_MISMATCH;
    }
    return this.#with(handle, "mutant", MUTANT_QUERY_STATE, (ref) => {
      const s = this.#scratch;
      const errno = this.#ioctl(ref.fd, NTSYNC_IOC_MUTEX_READ, s);
      if (errno === Errno.EOWNERDEAD) {
        info.AbandonedState = true;
        info.OwnedByCaller = false;
        info.CurrentCount = 1;
      } else if (errno) {
        return errnoToStatus(errno);
      } else {
        info.AbandonedState = false;
        info.OwnedByCaller = s[0] === this.#thread.tid;
        info.CurrentCount = 1 - s[1];
      }
      put(returnLength, MUTANT_BASIC_INFORMATION.size);
      return STATUS_SUCCESS;
    });
  }

  // ---- waits --------------------------------------------------------------

  /** Run queued APCs now if an alertable call finds any (Windows delivers them first). */
  #deliverPending(): boolean {
    if (!hasApcs(this.#process.mem, this.#thread.tid)) return false;
    this.#hooks.runApcs();
    return true;
  }

  /**
   * The wait itself, as `linux_wait_objs()`: the alert slot carries the
   * APC alert event when alertable, else the thread's kill event (so that
   * `TerminateThread` can wake it); a kill wakes it to unwind.
   */
  #wait(
    fds: readonly number[],
    all: boolean,
    alertable: boolean,
    timeout: NtTimeout,
  ): NTSTATUS {
    if (alertable && this.#deliverPending()) return STATUS_USER_APC;
    const backend = this.#backend;
    const { timeout: deadline, flags } = toKernelTimeout(
      timeout,
      (clock) => backend.now(clock),
    );
    const count = fds.length;
    const memory = this.#waitMemory, w = memory.words;
    for (let i = 0; i < count; i++) memory.objs[i] = fds[i];
    w[WAIT_WORD.timeout] = Number(deadline & 0xFFFF_FFFFn);
    w[WAIT_WORD.timeout + 1] = Number(deadline >> 32n);
    w[WAIT_WORD.count] = count;
    w[WAIT_WORD.index] = 0;
    w[WAIT_WORD.pad] = 0;
    w[WAIT_WORD.flags] = flags;
    w[WAIT_WORD.owner] = this.#thread.tid;
    w[WAIT_WORD.alert] = alertable ? this.#thread.alertFd : this.#thread.killFd;
    const request = all && count > 1
      ? NTSYNC_IOC_WAIT_ALL
      : NTSYNC_IOC_WAIT_ANY;
    for (;;) {
      this.#checkAlive();
      const r = backend.tryWait(this.#process.deviceFd, request, memory);
      // A revoked attachment: the thread was terminated; unwind it.
      if (r === -ESRCH) throw new ThreadTerminated();
      const errno = r < 0 ? -r : 0;
      const index = w[WAIT_WORD.index];
      if (errno === 0) {
        if (index === count) {
          this.#checkAlive();
          if (!alertable) continue; // a stale kill of nobody: wait again
          this.#hooks.runApcs();
          return STATUS_USER_APC;
        }
        return all ? STATUS_WAIT_0 : STATUS_WAIT_0 + index;
      }
      if (errno === Errno.EOWNERDEAD) {
        return all ? STATUS_ABANDONED_WAIT_0 : STATUS_ABANDONED_WAIT_0 + index;
      }
      if (errno === Errno.ETIMEDOUT) return STATUS_TIMEOUT;
      if (errno === Errno.EINTR) continue; // same absolute deadline
      this.#checkAlive();
      return errnoToStatus(errno);
    }
  }

  /** References for a wait: every handle must grant `SYNCHRONIZE`. */
  #waitRefs(
    handles: ArrayLike<number>,
    count: number,
    allowPseudo: boolean,
  ): ObjectRef[] | NTSTATUS {
    const refs: ObjectRef[] = [];
    const fail = (status: NTSTATUS) => {
      for (const r of refs) this.#process.table.release(r);
      return status;
    };
    for (let i = 0; i < count; i++) {
      const h = handles[i];
      if (!allowPseudo && isPseudoHandle(h)) return fail(STATUS_INVALID_HANDLE);
      const ref = this.#ref(h);
      if (!ref) return fail(STATUS_INVALID_HANDLE);
      refs.push(ref);
      if ((ref.access & SYNCHRONIZE) === 0) return fail(STATUS_ACCESS_DENIED);
    }
    return refs;
  }

  /** `NtWaitForSingleObject(handle, alertable, timeout)`; pseudo-handles allowed. */
  NtWaitForSingleObject(
    handle: number,
    alertable: boolean | number,
    timeout: NtTimeout,
  ): NTSTATUS {
    this.#checkAlive();
    const refs = this.#waitRefs([handle], 1, true);
    if (typeof refs === "number") return refs;
    try {
      return this.#wait([refs[0].fd], false, !!alertable, timeout);
    } finally {
      this.#process.table.release(refs[0]);
    }
  }

  /**
   * `NtWaitForMultipleObjects(count, handles, WaitAll | WaitAny, alertable,
   * timeout)`: a count of 0 or over 64 is `STATUS_INVALID_PARAMETER_1`,
   * pseudo-handles `STATUS_INVALID_HANDLE`, one object twice in a wait-all
   * `STATUS_INVALID_PARAMETER_MIX` (as Windows).
   */
  NtWaitForMultipleObjects(
    count: number,
    handles: ArrayLike<number>,
    waitType: number,
    alertable: boolean | number,
    timeout: NtTimeout,
  ): NTSTATUS {
    this.#checkAlive();
    if (
      count === 0 || count > NTSYNC_MAX_WAIT_COUNT || count > handles.length
    ) {
      return STATUS_INVALID_PARAMETER_1;
    }
    const refs = this.#waitRefs(handles, count, false);
    if (typeof refs === "number") return refs;
    try {
      const all = waitType === WaitAll;
      if (all && new Set(refs.map((r) => r.index)).size !== count) {
        return STATUS_INVALID_PARAMETER_MIX;
      }
      return this.#wait(refs.map((r) => r.fd), all, !!alertable, timeout);
    } finally {
      for (const r of refs) this.#process.table.release(r);
    }
  }

  /**
   * `NtSignalAndWaitForSingleObject(signal, wait, alertable, timeout)`:
   * both handles are checked first; the signal (event set, mutex release,
   * semaphore release by 1) then the wait, not atomically (as Wine).
   */
  NtSignalAndWaitForSingleObject(
    signal: number,
    wait: number,
    alertable: boolean | number,
    timeout: NtTimeout,
  ): NTSTATUS {
    this.#checkAlive();
    if (!signal) return STATUS_INVALID_HANDLE;
    const table = this.#process.table;
    const sig = this.#ref(signal);
    if (!sig) return STATUS_INVALID_HANDLE;
    try {
      const waits = this.#waitRefs([wait], 1, true);
      if (typeof waits === "number") return waits;
      try {
        let status: NTSTATUS;
        if (sig.type === "event") {
          status = this.NtSetEvent(signal);
        } else if (sig.type === "mutant") {
          status = (sig.access & SYNCHRONIZE) === 0
            ? STATUS_ACCESS_DENIED
            : this.NtReleaseMutant(signal);
        } else if (sig.type === "semaphore") {
          status = this.NtReleaseSemaphore(signal, 1);
        } else {
          status = STATUS_OBJECT_TYPE_MISMATCH;
        }
        if (status !== STATUS_SUCCESS) return status;
        return this.#wait([waits[0].fd], false, !!alertable, timeout);
      } finally {
        table.release(waits[0]);
      }
    } finally {
      table.release(sig);
    }
  }

  /**
   * `NtDelayExecution(alertable, timeout)`: a wait on nothing; the timeout
   * is success, an APC `STATUS_USER_APC`.
   */
  NtDelayExecution(alertable: boolean | number, timeout: NtTimeout): NTSTATUS {
    this.#checkAlive();
    const status = this.#wait([], false, !!alertable, timeout);
    return status === STATUS_TIMEOUT ? STATUS_SUCCESS : status;
  }

  /** `NtTestAlert()`: run this thread's queued APCs now. */
  NtTestAlert(): NTSTATUS {
    this.#checkAlive();
    this.#deliverPending();
    return STATUS_SUCCESS;
  }

  // ---- handles ------------------------------------------------------------

  /** `NtClose(handle)`: `STATUS_INVALID_HANDLE` if it is not open. */
  NtClose(handle: number): NTSTATUS {
    this.#checkAlive();
    if (isPseudoHandle(handle)) return STATUS_SUCCESS;
    return this.#process.table.close(handle)
      ? STATUS_SUCCESS
      : STATUS_INVALID_HANDLE;
  }

  /**
   * `NtDuplicateObject(srcProcess, src, dstProcess, &dst, access,
   * attributes, options)` within this process (`DUPLICATE_SAME_ACCESS`,
   * `DUPLICATE_CLOSE_SOURCE`); a pseudo-handle duplicates to a real handle.
   */
  NtDuplicateObject(
    sourceProcess: number,
    source: number,
    targetProcess: number,
    target: HandleBox | null,
    access: number,
    _attributes: number,
    options: number,
  ): NTSTATUS {
    this.#checkAlive();
    for (const p of [sourceProcess, targetProcess]) {
      const ref = this.#ref(p);
      if (!ref) return STATUS_INVALID_HANDLE;
      this.#process.table.release(ref);
      if (ref.type !== "process") return STATUS_OBJECT_TYPE_MISMATCH;
    }
    const ref = this.#ref(source);
    if (!ref) return STATUS_INVALID_HANDLE;
    try {
      const granted = options & DUPLICATE_SAME_ACCESS
        ? ref.access
        : mapGenericMask(ref.type, access) & allAccess(ref.type);
      if (target) {
        const handle = this.#process.table.addHandle(ref.index, granted);
        if (handle === 0) return STATUS_NO_MEMORY;
        put(target, handle);
      }
      if (options & DUPLICATE_CLOSE_SOURCE && !isPseudoHandle(source)) {
        this.#process.table.close(source);
      }
      return STATUS_SUCCESS;
    } finally {
      this.#process.table.release(ref);
    }
  }
}

/** The access check of an open: what the handle may be granted. */
function checkOpenAccess(type: ObjectType, access: number): NTSTATUS {
  if (access & ACCESS_SYSTEM_SECURITY) return STATUS_PRIVILEGE_NOT_HELD;
  const mapped = mapGenericMask(type, access);
  if (mapped === 0 || (mapped & ~allAccess(type)) !== 0) {
    return STATUS_ACCESS_DENIED;
  }
  return STATUS_SUCCESS;
}
