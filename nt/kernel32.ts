/**
 * The Win32 sync API of one thread of an NT process, with Windows' names,
 * argument order and results (`0`/`false` and `GetLastError()` on failure),
 * built on {@linkcode Ntdll} as `dlls/kernelbase/sync.c` builds it on ntdll.
 * Threads are Workers attached to the same process.
 *
 * @module
 */

import {
  type Backend,
  type BackendChoice,
  NTSYNC_IOC_WAIT_ANY,
  NtsyncError,
} from "../mod.ts";
import {
  EVENT_ALL_ACCESS,
  MUTANT_ALL_ACCESS,
  SEMAPHORE_ALL_ACCESS,
  THREAD_ALL_ACCESS,
  THREAD_QUERY_LIMITED_INFORMATION,
  THREAD_SET_CONTEXT,
  THREAD_SUSPEND_RESUME,
  THREAD_TERMINATE,
} from "./access.ts";
import { drainApcs, queueApc } from "./apc.ts";
import { CURRENT_PROCESS, CURRENT_THREAD, isPseudoHandle } from "./handles.ts";
import { loadModule, loadModuleSync, resolveExport } from "./modules.ts";
import { NotificationEvent, SynchronizationEvent } from "./info.ts";
import { win32ObjectPath } from "./names.ts";
import {
  type HandleBox,
  InitializeObjectAttributes,
  type LongBox,
  Ntdll,
  OBJ_OPENIF,
  ThreadTerminated,
  WaitAll,
  WaitAny,
} from "./ntdll.ts";
import { NtProcess, type ProcessToken } from "./process.ts";
import { spawnThread, type Thread } from "../host/threads.ts";
import {
  ERROR_ALREADY_EXISTS,
  ERROR_GEN_FAILURE,
  ERROR_INVALID_PARAMETER,
  ERROR_NOT_ENOUGH_MEMORY,
  ERROR_SUCCESS,
  type NTSTATUS,
  RtlNtStatusToDosError,
  STATUS_ACCESS_DENIED,
  STATUS_INVALID_HANDLE,
  STATUS_OBJECT_NAME_EXISTS,
  STATUS_OBJECT_TYPE_MISMATCH,
  STATUS_SUCCESS,
  STATUS_USER_APC,
} from "./status.ts";
import {
  claimEnd,
  closeThreadEvents,
  createThreadRow,
  endThread,
  finishEnd,
  hasEntered,
  markEntered,
  resumeThread,
  rowOfObject,
  STILL_ACTIVE,
  threadExitCode,
  type ThreadInfo,
  threadInfo,
  ThreadState,
  threadState,
} from "./threads.ts";
import { msToNtTimeout } from "./timeout.ts";

/** `WaitFor*` result: object 0 (add the index). */
export const WAIT_OBJECT_0 = 0;
/** `WaitFor*` result: abandoned mutex 0 (add the index). */
export const WAIT_ABANDONED_0 = 0x80;
/** Same as {@linkcode WAIT_ABANDONED_0}. */
export const WAIT_ABANDONED = 0x80;
/** `WaitFor*` result: an alertable wait ran APCs. */
export const WAIT_IO_COMPLETION = 0xC0;
/** `WaitFor*` result: the timeout passed. */
export const WAIT_TIMEOUT = 0x102;
/** `WaitFor*` result: failure (see `GetLastError`). */
export const WAIT_FAILED = 0xFFFF_FFFF;
/** Most handles one `WaitForMultipleObjects` takes. */
export const MAXIMUM_WAIT_OBJECTS = 64;
/** `CreateThread` flag: do not run until `ResumeThread`. */
export const CREATE_SUSPENDED = 0x4;

/** Thrown by `ExitThread` to unwind the thread function. */
export class ThreadExit extends Error {
  /** The exit code. */
  readonly code: number;
  /** Exit with `code`. */
  constructor(code: number) {
    super(`ExitThread(${code})`);
    this.name = "ThreadExit";
    this.code = code >>> 0;
  }
}

/** What a Worker is sent to become a thread of the process. */
export interface ThreadStart {
  readonly process: ProcessToken;
  readonly row: number;
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly param: unknown;
}

/** A thread this JS thread started, and how it ended. */
interface Started {
  readonly worker: Thread;
  /** The backend token its attachment was made with (what `reap` revokes). */
  readonly token: ProcessToken;
  readonly row: number;
  readonly exited: Promise<void>;
  /** Revoke its attachment, stop its Worker, settle `exited` (idempotent). */
  readonly finish: () => void;
}

function u32(n: number): number {
  return n >>> 0;
}

/**
 * One thread's view of an NT process: Win32 calls on it, `ntdll` for the NT
 * calls. `Kernel32.open()` makes a new process whose first thread is the
 * caller; `CreateThread` runs more on Workers.
 *
 * @example
 * ```ts
 * import { Kernel32, WAIT_OBJECT_0, WAIT_TIMEOUT } from "./kernel32.ts";
 * using k32 = Kernel32.open("emulated");
 * const ev = k32.CreateEventW(null, false, true, null); // auto-reset, signaled
 * k32.WaitForSingleObject(ev, 0) === WAIT_OBJECT_0; // true
 * k32.WaitForSingleObject(ev, 0) === WAIT_TIMEOUT; // true
 * k32.CloseHandle(ev); // true
 * ```
 */
export class Kernel32 implements Disposable {
  /** The NT calls, on the same handle table. */
  readonly ntdll: Ntdll;
  readonly #process: NtProcess;
  readonly #thread: ThreadInfo;
  #lastError = 0;
  readonly #started = new Map<number, Started>();
  readonly #errors: unknown[] = [];
  #closed = false;

  private constructor(process: NtProcess, thread: ThreadInfo) {
    this.#process = process;
    this.#thread = thread;
    this.ntdll = new Ntdll(process, thread, { runApcs: () => this.#runApcs() });
  }

  /**
   * A new process on a new ntsync device (`"auto"`: the real driver when
   * `/dev/ntsync` works, else the emulation); the caller is its first
   * thread.
   */
  static open(
    kind: "auto" | "native" | "emulated" | Backend = "auto",
  ): Kernel32 {
    if (
      typeof kind === "string" && kind !== "auto" && kind !== "native" &&
      kind !== "emulated"
    ) {
      throw new TypeError(
        `Kernel32.open: kind must be "auto", "native" or "emulated", got ${
          String(kind)
        }`,
      );
    }
    const process = NtProcess.create(kind as BackendChoice | Backend);
    const main = createThreadRow(process, false, process.backend.threadId);
    if (!main) throw new Error("Kernel32.open: no thread slot");
    return new Kernel32(process, main);
  }

  /** The backend kind the process runs on. */
  get kind(): "native" | "emulated" {
    return this.#process.backend.kind;
  }

  // ---- errors -------------------------------------------------------------

  /** The calling thread's last error. */
  GetLastError(): number {
    return this.#lastError;
  }

  /** Set the calling thread's last error. */
  SetLastError(code: number): void {
    this.#lastError = u32(code);
  }

  #fail(status: NTSTATUS): void {
    this.#lastError = RtlNtStatusToDosError(status);
  }

  #bool(status: NTSTATUS): boolean {
    if (status === STATUS_SUCCESS) return true;
    this.#fail(status);
    return false;
  }

  /** A create's result: the handle, with last error 0 or `ERROR_ALREADY_EXISTS`. */
  #created(status: NTSTATUS, box: Uint32Array): number {
    if (status === STATUS_OBJECT_NAME_EXISTS) {
      this.#lastError = ERROR_ALREADY_EXISTS;
      return box[0];
    }
    if (status !== STATUS_SUCCESS) {
      this.#fail(status);
      return 0;
    }
    this.#lastError = ERROR_SUCCESS;
    return box[0];
  }

  #opened(status: NTSTATUS, box: Uint32Array): number {
    if (status !== STATUS_SUCCESS) {
      this.#fail(status);
      return 0;
    }
    return box[0];
  }

  #attr(name: string | null | undefined, flags: number) {
    return name == null
      ? null
      : InitializeObjectAttributes(win32ObjectPath(name), flags);
  }

  // ---- events -------------------------------------------------------------

  /** `CreateEventW(sa, manualReset, initialState, name)`: a handle, or 0. */
  CreateEventW(
    _sa: unknown,
    manualReset: boolean | number,
    initialState: boolean | number,
    name: string | null,
  ): number {
    const box = new Uint32Array(1);
    const status = this.ntdll.NtCreateEvent(
      box,
      EVENT_ALL_ACCESS,
      this.#attr(name, OBJ_OPENIF),
      manualReset ? NotificationEvent : SynchronizationEvent,
      !!initialState,
    );
    return this.#created(status, box);
  }

  /** `OpenEventW(access, inherit, name)`: a handle, or 0. */
  OpenEventW(access: number, _inherit: boolean, name: string | null): number {
    if (name == null) {
      this.#lastError = ERROR_INVALID_PARAMETER;
      return 0;
    }
    const box = new Uint32Array(1);
    return this.#opened(
      this.ntdll.NtOpenEvent(box, access, this.#attr(name, 0)),
      box,
    );
  }

  /** `SetEvent(h)`. */
  SetEvent(handle: number): boolean {
    return this.#bool(this.ntdll.NtSetEvent(handle));
  }

  /** `ResetEvent(h)`. */
  ResetEvent(handle: number): boolean {
    return this.#bool(this.ntdll.NtResetEvent(handle));
  }

  /** `PulseEvent(h)`. */
  PulseEvent(handle: number): boolean {
    return this.#bool(this.ntdll.NtPulseEvent(handle));
  }

  // ---- semaphores ---------------------------------------------------------

  /** `CreateSemaphoreW(sa, initial, max, name)`: a handle, or 0. */
  CreateSemaphoreW(
    _sa: unknown,
    initial: number,
    maximum: number,
    name: string | null,
  ): number {
    const box = new Uint32Array(1);
    const status = this.ntdll.NtCreateSemaphore(
      box,
      SEMAPHORE_ALL_ACCESS,
      this.#attr(name, OBJ_OPENIF),
      initial,
      maximum,
    );
    return this.#created(status, box);
  }

  /** `OpenSemaphoreW(access, inherit, name)`: a handle, or 0. */
  OpenSemaphoreW(
    access: number,
    _inherit: boolean,
    name: string | null,
  ): number {
    if (name == null) {
      this.#lastError = ERROR_INVALID_PARAMETER;
      return 0;
    }
    const box = new Uint32Array(1);
    return this.#opened(
      this.ntdll.NtOpenSemaphore(box, access, this.#attr(name, 0)),
      box,
    );
  }

  /**
   * `ReleaseSemaphore(h, count, &previous)`: false with `ERROR_TOO_MANY_POSTS`
   * over the maximum.
   */
  ReleaseSemaphore(
    handle: number,
    count: number,
    previous: LongBox | null,
  ): boolean {
    return this.#bool(
      this.ntdll.NtReleaseSemaphore(handle, count, previous),
    );
  }

  // ---- mutexes ------------------------------------------------------------

  /** `CreateMutexW(sa, initialOwner, name)`: a handle, or 0. */
  CreateMutexW(
    _sa: unknown,
    initialOwner: boolean | number,
    name: string | null,
  ): number {
    const box = new Uint32Array(1);
    const status = this.ntdll.NtCreateMutant(
      box,
      MUTANT_ALL_ACCESS,
      this.#attr(name, OBJ_OPENIF),
      !!initialOwner,
    );
    return this.#created(status, box);
  }

  /** `OpenMutexW(access, inherit, name)`: a handle, or 0. */
  OpenMutexW(access: number, _inherit: boolean, name: string | null): number {
    if (name == null) {
      this.#lastError = ERROR_INVALID_PARAMETER;
      return 0;
    }
    const box = new Uint32Array(1);
    return this.#opened(
      this.ntdll.NtOpenMutant(box, access, this.#attr(name, 0)),
      box,
    );
  }

  /** `ReleaseMutex(h)`: false with `ERROR_NOT_OWNER` for a non-owner. */
  ReleaseMutex(handle: number): boolean {
    return this.#bool(this.ntdll.NtReleaseMutant(handle));
  }

  // ---- waits --------------------------------------------------------------

  #waitResult(status: NTSTATUS): number {
    if ((status >>> 16) !== 0) {
      this.#fail(status);
      return WAIT_FAILED;
    }
    return status;
  }

  /** `WaitForSingleObject(h, ms)`. */
  WaitForSingleObject(handle: number, milliseconds: number): number {
    return this.WaitForSingleObjectEx(handle, milliseconds, false);
  }

  /** `WaitForSingleObjectEx(h, ms, alertable)`: `WAIT_IO_COMPLETION` after APCs. */
  WaitForSingleObjectEx(
    handle: number,
    milliseconds: number,
    alertable: boolean | number,
  ): number {
    return this.#waitResult(
      this.ntdll.NtWaitForSingleObject(
        handle,
        !!alertable,
        msToNtTimeout(milliseconds),
      ),
    );
  }

  /** `WaitForMultipleObjects(count, handles, waitAll, ms)`. */
  WaitForMultipleObjects(
    count: number,
    handles: ArrayLike<number>,
    waitAll: boolean | number,
    milliseconds: number,
  ): number {
    return this.WaitForMultipleObjectsEx(
      count,
      handles,
      waitAll,
      milliseconds,
      false,
    );
  }

  /** `WaitForMultipleObjectsEx(count, handles, waitAll, ms, alertable)`. */
  WaitForMultipleObjectsEx(
    count: number,
    handles: ArrayLike<number>,
    waitAll: boolean | number,
    milliseconds: number,
    alertable: boolean | number,
  ): number {
    if (count > MAXIMUM_WAIT_OBJECTS) {
      this.#lastError = ERROR_INVALID_PARAMETER;
      return WAIT_FAILED;
    }
    return this.#waitResult(
      this.ntdll.NtWaitForMultipleObjects(
        count,
        handles,
        waitAll ? WaitAll : WaitAny,
        !!alertable,
        msToNtTimeout(milliseconds),
      ),
    );
  }

  /** `SignalObjectAndWait(signal, wait, ms, alertable)` (not atomic, as Wine). */
  SignalObjectAndWait(
    signal: number,
    wait: number,
    milliseconds: number,
    alertable: boolean | number,
  ): number {
    return this.#waitResult(
      this.ntdll.NtSignalAndWaitForSingleObject(
        signal,
        wait,
        !!alertable,
        msToNtTimeout(milliseconds),
      ),
    );
  }

  /** `SleepEx(ms, alertable)`: 0, or `WAIT_IO_COMPLETION` after APCs. */
  SleepEx(milliseconds: number, alertable: boolean | number): number {
    const status = this.ntdll.NtDelayExecution(
      !!alertable,
      msToNtTimeout(milliseconds),
    );
    return status === STATUS_USER_APC ? WAIT_IO_COMPLETION : 0;
  }

  /** `Sleep(ms)`. */
  Sleep(milliseconds: number): void {
    this.SleepEx(milliseconds, false);
  }

  // ---- handles ------------------------------------------------------------

  /** `CloseHandle(h)`: false with `ERROR_INVALID_HANDLE` if not open. */
  CloseHandle(handle: number): boolean {
    return this.#bool(this.ntdll.NtClose(handle));
  }

  /**
   * `DuplicateHandle(srcProcess, src, dstProcess, &dst, access, inherit,
   * options)` within this process.
   */
  DuplicateHandle(
    sourceProcess: number,
    source: number,
    targetProcess: number,
    target: HandleBox | null,
    access: number,
    _inherit: boolean,
    options: number,
  ): boolean {
    return this.#bool(
      this.ntdll.NtDuplicateObject(
        sourceProcess,
        source,
        targetProcess,
        target,
        access,
        0,
        options,
      ),
    );
  }

  /** `GetCurrentProcess()`: the pseudo-handle -1. */
  GetCurrentProcess(): number {
    return CURRENT_PROCESS;
  }

  /** `GetCurrentThread()`: the pseudo-handle -2. */
  GetCurrentThread(): number {
    return CURRENT_THREAD;
  }

  /** `GetCurrentProcessId()`. */
  GetCurrentProcessId(): number {
    return this.#process.pid;
  }

  /**
   * `GetCurrentThreadId()`: this thread's backend attachment id
   * (`backend.threadId`), the owner id of its waits and mutex releases.
   */
  GetCurrentThreadId(): number {
    return this.#thread.tid;
  }

  // ---- threads ------------------------------------------------------------

  /**
   * The thread row behind a thread handle that grants `access`; on failure
   * sets the last error and returns undefined.
   */
  #row(handle: number, access: number): number | undefined {
    if ((handle | 0) === CURRENT_THREAD) return this.#thread.row;
    let status: NTSTATUS = STATUS_INVALID_HANDLE;
    if (isPseudoHandle(handle)) {
      status = STATUS_OBJECT_TYPE_MISMATCH;
    } else {
      const ref = this.#process.table.lookup(handle);
      if (ref) {
        this.#process.table.release(ref);
        if (ref.type !== "thread") status = STATUS_OBJECT_TYPE_MISMATCH;
        else if ((ref.access & access) !== access) {
          status = STATUS_ACCESS_DENIED;
        } else return rowOfObject(this.#process, ref.index);
      }
    }
    this.#fail(status);
    return undefined;
  }

  /**
   * `CreateThread(moduleUrl, exportName, param, flags, &tid)`: runs
   * `module[exportName](k32, param)` on a new Worker attached to this
   * process (`k32` is that thread's view; `param` is structured-cloned); the
   * returned handle is signaled when the function returns, throws, calls
   * `ExitThread` or the thread is terminated. Its result (a number) is the
   * exit code.
   */
  CreateThread(
    moduleUrl: string | URL,
    exportName: string,
    param: unknown = null,
    flags = 0,
    threadId: LongBox | null = null,
  ): number {
    // Each thread is its own attachment: the token mints its thread id.
    const token = this.#process.share();
    const tid = token.backend.thread as number;
    const info = createThreadRow(
      this.#process,
      (flags & CREATE_SUSPENDED) !== 0,
      tid,
    );
    if (!info) {
      this.#lastError = ERROR_NOT_ENOUGH_MEMORY;
      return 0;
    }
    const handle = this.#process.table.addHandle(
      info.object,
      THREAD_ALL_ACCESS,
    );
    const worker = spawnThread(new URL("./_thread_entry.js", import.meta.url));
    // (Not Promise.withResolvers: Node 20, which the package supports, lacks it.)
    let exited!: () => void;
    const done = new Promise<void>((resolve) => exited = resolve);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.#reap(token);
      worker.terminate();
      exited();
    };
    worker.onMessage((message) => {
      const data = message as { error?: string };
      if (data.error !== undefined) this.#errors.push(new Error(data.error));
      finish();
    });
    worker.onError((message) => {
      this.#errors.push(new Error(message));
      endThread(this.#process, info.row, 1);
      finish();
    });
    this.#started.set(info.row, {
      worker,
      token,
      row: info.row,
      exited: done,
      finish,
    });
    const start: ThreadStart = {
      process: token,
      row: info.row,
      moduleUrl: String(moduleUrl),
      exportName,
      param,
    };
    worker.postMessage(start);
    if (threadId) threadId[0] = info.tid;
    return handle;
  }

  /** `GetThreadId(h)`: 0 on failure. */
  GetThreadId(handle: number): number {
    const row = this.#row(handle, THREAD_QUERY_LIMITED_INFORMATION);
    return row === undefined ? 0 : threadInfo(this.#process, row).tid;
  }

  /** `GetExitCodeThread(h, &code)`: `STILL_ACTIVE` while it runs. */
  GetExitCodeThread(handle: number, exitCode: LongBox): boolean {
    const row = this.#row(handle, THREAD_QUERY_LIMITED_INFORMATION);
    if (row === undefined) return false;
    exitCode[0] = threadState(this.#process, row) === ThreadState.running
      ? STILL_ACTIVE
      : threadExitCode(this.#process, row);
    return true;
  }

  /** `ResumeThread(h)`: the previous suspend count (0 or 1), or -1 as u32. */
  ResumeThread(handle: number): number {
    const row = this.#row(handle, THREAD_SUSPEND_RESUME);
    if (row === undefined) return 0xFFFF_FFFF;
    return resumeThread(this.#process, row);
  }

  /**
   * `ExitThread(code)`: ends the calling thread (throws {@linkcode ThreadExit}
   * to unwind the thread function; do not catch it).
   */
  ExitThread(exitCode: number): never {
    endThread(this.#process, this.#thread.row, u32(exitCode));
    throw new ThreadExit(exitCode);
  }

  /**
   * `TerminateThread(h, code)`: the thread is woken from any wait and
   * unwinds at its next call into this layer; its mutexes are abandoned
   * (also those whose handles were closed), then its handle is signaled.
   */
  TerminateThread(handle: number, exitCode: number): boolean {
    const row = this.#row(handle, THREAD_TERMINATE);
    if (row === undefined) return false;
    if (row === this.#thread.row) {
      endThread(this.#process, row, u32(exitCode));
      throw new ThreadTerminated();
    }
    // Revoke first (its waits dropped, its calls ESRCH from now on, its
    // mutexes abandoned), then end it in the tables (woken from any wait of
    // this layer, mutexes whose handles are closed abandoned too, its handle
    // signaled), then stop its Worker. A thread this view did not start has
    // no token here: the tables' part alone ends it at its next call.
    // Claim the end first (its own calls unwind from here on, and its exit
    // path leaves the rest to us), revoke its attachment (its waits dropped,
    // its calls ESRCH, its mutexes abandoned), then finish in the tables
    // (woken from any wait of this layer, mutexes whose handles are closed
    // abandoned too, its handle signaled), then stop its Worker. A thread
    // that is already ending finishes by itself and is reaped when it
    // reports; one this view did not start has no token here, and the
    // tables' part alone ends it at its next call.
    if (!claimEnd(this.#process, row, u32(exitCode))) return true;
    const started = this.#started.get(row);
    if (started) this.#reap(started.token);
    finishEnd(this.#process, row);
    started?.finish();
    return true;
  }

  /**
   * `QueueUserAPC(moduleUrl, exportName, thread, param)`: nonzero when
   * queued; `module[exportName](k32, param)` then runs in that thread at its
   * next alertable wait. `param` travels as JSON. A thread that has exited
   * refuses with `ERROR_GEN_FAILURE`.
   */
  QueueUserAPC(
    moduleUrl: string | URL,
    exportName: string,
    thread: number,
    param: unknown = null,
  ): number {
    const row = this.#row(thread, THREAD_SET_CONTEXT);
    if (row === undefined) return 0;
    if (threadState(this.#process, row) !== ThreadState.running) {
      this.#lastError = ERROR_GEN_FAILURE;
      return 0;
    }
    const target = threadInfo(this.#process, row);
    const ok = queueApc(
      this.#process.mem,
      this.#process.backend,
      target.tid,
      target.alertFd,
      { moduleUrl: String(moduleUrl), exportName, param },
    );
    if (!ok) {
      this.#lastError = ERROR_NOT_ENOUGH_MEMORY;
      return 0;
    }
    return 1;
  }

  /**
   * Load `moduleUrl` in this thread, so that APCs from it can run here
   * (`require` of ES modules does it on demand where the runtime has it).
   */
  async LoadLibrary(moduleUrl: string | URL): Promise<boolean> {
    await loadModule(String(moduleUrl));
    return true;
  }

  /** `backend.reap` of a thread's attachment (idempotent). */
  #reap(token: ProcessToken): void {
    try {
      this.#process.backend.reap(token.backend);
    } catch (err) {
      // The device is gone already (process closed): nothing to revoke.
      if (!this.#closed) throw err;
    }
  }

  #runApcs(): void {
    const { tid, alertFd } = this.#thread;
    for (;;) {
      const apcs = drainApcs(
        this.#process.mem,
        this.#process.backend,
        tid,
        alertFd,
      );
      if (apcs.length === 0) return;
      for (const apc of apcs) {
        const mod = loadModuleSync(apc.moduleUrl);
        resolveExport(mod, apc.moduleUrl, apc.exportName)(this, apc.param);
      }
    }
  }

  // ---- ANSI names -----------------------------------------------------------
  // JavaScript strings are Unicode either way: the A entry points are the W
  // ones, so that tests written against either read the same.

  /** `CreateEventA`: {@linkcode Kernel32.CreateEventW}. */
  CreateEventA(
    sa: unknown,
    manualReset: boolean | number,
    initialState: boolean | number,
    name: string | null,
  ): number {
    return this.CreateEventW(sa, manualReset, initialState, name);
  }

  /** `OpenEventA`: {@linkcode Kernel32.OpenEventW}. */
  OpenEventA(access: number, inherit: boolean, name: string | null): number {
    return this.OpenEventW(access, inherit, name);
  }

  /** `CreateSemaphoreA`: {@linkcode Kernel32.CreateSemaphoreW}. */
  CreateSemaphoreA(
    sa: unknown,
    initial: number,
    maximum: number,
    name: string | null,
  ): number {
    return this.CreateSemaphoreW(sa, initial, maximum, name);
  }

  /** `OpenSemaphoreA`: {@linkcode Kernel32.OpenSemaphoreW}. */
  OpenSemaphoreA(
    access: number,
    inherit: boolean,
    name: string | null,
  ): number {
    return this.OpenSemaphoreW(access, inherit, name);
  }

  /** `CreateMutexA`: {@linkcode Kernel32.CreateMutexW}. */
  CreateMutexA(
    sa: unknown,
    initialOwner: boolean | number,
    name: string | null,
  ): number {
    return this.CreateMutexW(sa, initialOwner, name);
  }

  /** `OpenMutexA`: {@linkcode Kernel32.OpenMutexW}. */
  OpenMutexA(access: number, inherit: boolean, name: string | null): number {
    return this.OpenMutexW(access, inherit, name);
  }

  // ---- lifetime -----------------------------------------------------------

  /**
   * Resolves once thread `handle`'s function has started running (or the
   * thread has ended). Not a Win32 call: a Worker's start-up takes from
   * milliseconds to seconds, and code that must not race it (a test that
   * gives a new thread 100 ms to block, as Wine's do) awaits this first. It
   * yields to the event loop, which a Worker's start can need.
   */
  async threadStarted(handle: number): Promise<void> {
    const row = this.#row(handle, THREAD_QUERY_LIMITED_INFORMATION);
    if (row === undefined) {
      throw new TypeError(`threadStarted: ${handle} is not a thread handle`);
    }
    while (!hasEntered(this.#process, row)) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Every thread this view started has ended and its Worker is gone. */
  async joinThreads(): Promise<void> {
    await Promise.all([...this.#started.values()].map((s) => s.exited));
  }

  /**
   * End the process (from the thread that opened it): terminate threads
   * still running, close every object and the device. Throws the first
   * uncaught error of a thread, if any.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#started.values()) {
      if (claimEnd(this.#process, s.row, 0)) {
        this.#reap(s.token);
        finishEnd(this.#process, s.row);
      }
      s.finish();
    }
    if (this.#process.owner) {
      endThread(this.#process, this.#thread.row, 0);
      for (const s of this.#started.values()) {
        closeThreadEvents(this.#process, s.row);
      }
      closeThreadEvents(this.#process, this.#thread.row);
      this.#process.table.closeAll();
      this.#process.close();
    }
    if (this.#errors.length > 0) {
      throw new AggregateError(this.#errors, "a thread threw");
    }
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  // ---- thread entry (internal) --------------------------------------------

  /** @internal A Worker's view of thread `row` of the shared process. */
  static attachThread(process: ProcessToken, row: number): Kernel32 {
    const p = NtProcess.attach(process);
    const thread = threadInfo(p, row);
    if (thread.tid !== p.backend.threadId) {
      throw new Error(
        `thread ${row}: attachment id ${p.backend.threadId} is not its tid ${thread.tid}`,
      );
    }
    return new Kernel32(p, thread);
  }

  #waitFd(fd: number): void {
    // The start gate is private: wait on it as the thread, killable.
    const backend = this.#process.backend;
    const fds = new Int32Array([fd]);
    const args = new Uint32Array(10);
    args[0] = 0xFFFF_FFFF;
    args[1] = 0xFFFF_FFFF;
    const address = backend.addressOf(fds);
    args[2] = Number(address & 0xFFFF_FFFFn);
    args[3] = Number(address >> 32n);
    args[4] = 1;
    args[7] = this.#thread.tid;
    args[8] = this.#thread.killFd;
    backend.ioctl(this.#process.deviceFd, NTSYNC_IOC_WAIT_ANY, args);
    if (threadState(this.#process, this.#thread.row) !== ThreadState.running) {
      throw new ThreadTerminated();
    }
  }

  /** @internal The thread function returned (or threw) with `code`. */
  exitCurrentThread(code: number): void {
    endThread(this.#process, this.#thread.row, u32(code));
  }

  /** @internal Load, gate, run: the body of a thread's Worker. */
  static async runThread(start: ThreadStart): Promise<number> {
    const k32 = Kernel32.attachThread(start.process, start.row);
    let code = 0;
    try {
      const mod = await loadModule(start.moduleUrl);
      const fn = resolveExport(mod, start.moduleUrl, start.exportName);
      k32.#waitFd(k32.#thread.startFd);
      markEntered(k32.#process, k32.#thread.row);
      const result = await fn(k32, start.param);
      code = typeof result === "number" ? u32(result) : 0;
    } catch (err) {
      if (err instanceof ThreadExit) code = err.code;
      else if (
        !(err instanceof ThreadTerminated) &&
        !(err instanceof NtsyncError && err.errno === 3) && // ESRCH: reaped
        threadState(k32.#process, k32.#thread.row) === ThreadState.running
      ) {
        k32.exitCurrentThread(1);
        throw err;
      }
    }
    k32.exitCurrentThread(code);
    return code;
  }
}
