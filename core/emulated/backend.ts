/**
 * The emulated backend: the ioctl surface over the shared-memory engine.
 *
 * @module
 */

import type {
  Backend,
  ClockName,
  IoctlAsyncOptions,
  ReapOptions,
  ShareToken,
} from "../backend.ts";
import { reapOwners } from "../reap.ts";
import { cellOf, newCell, REVOKED } from "./attachment.ts";
import { NtsyncError } from "../errors.ts";
import { argView as asView } from "../arg_views.ts";
import { checkArg } from "../arg_check.ts";
import { Errno } from "../../uapi/errno.ts";
import {
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  requestLabel,
} from "../../uapi/ioctl.ts";
import { AddressSpace } from "./addresses.ts";
import { DeviceClock, wallMs } from "./clock.ts";
import {
  DEFAULT_CAPACITIES,
  FD_DEVICE,
  FD_FREE,
  FD_OBJECT,
  H_CLOCK_BASE_F64,
  H_LOCK,
  H_THREADS,
  LOCK_ABANDONED,
} from "./layout.ts";
import { deviceIoctl, objectIoctl } from "./ops.ts";
import { copyOut, EventFastPath } from "./fast.ts";
import { MutexFastPath } from "./fast_mutex.ts";
import { SemFastPath } from "./fast_sem.ts";
import { SharedState } from "./state.ts";
import { WaitStarter } from "./wait.ts";
import { WaitCalls } from "./wait_call.ts";
import { SLOW_PATH } from "./results.ts";
import { isFd } from "./tables.ts";
import { argsOf, WaitMemory } from "../wait_memory.ts";
import { Spinner } from "./spin.ts";

/** Options for a new emulated device. */
export interface EmulatedOptions {
  /** fds, including the reserved 0..2 (default 4096); EMFILE beyond. */
  maxFds?: number;
  /** Live objects (default 4096); ENOMEM beyond. */
  maxObjects?: number;
  /** Waits in progress at once, across all threads (default 4096); ENOMEM beyond. */
  maxWaits?: number;
}

/** One backend object per share token (its cell) per thread. */
const attached = new WeakMap<SharedArrayBuffer, EmulatedBackend>();

function fail(errno: number, request: number | string): never {
  throw new NtsyncError(
    errno,
    typeof request === "string" ? request : requestLabel(request),
  );
}

/*
 * Every locked section is written
 *
 *   try {
 *     st.lockDevice(); ...; st.unlockDevice();
 *   } catch (e) {
 *     if (st.holding) {
 *       st.holding = false;
 *       st.i32[H_LOCK] |= LOCK_ABANDONED;
 *       st.recoverOrLeaveToNextLocker();
 *     }
 *     throw e;
 *   }
 *
 * An exception can come from anywhere inside (a RangeError from a stack
 * overflow lands on any call), so the section may be cut half-way. The
 * two stores that mark the lock abandoned are inline, not a shared call:
 * no call can be relied on at the stack's limit, and a plain store always
 * works, so the lock is never left held by a thread that has moved on.
 * Whoever takes the lock next (this thread's next call, or another thread,
 * whose sleep on the lock is timed) then undoes the section from its
 * journal; the shared call does that at once when there is stack left.
 * (A plain or: the only other writers of a held lock word set the sleepers
 * bit, and a lost sleepers bit only costs a sleeper its timed recheck.)
 */

/**
 * `/dev/ntsync` emulated in shared memory with the kernel's semantics.
 * Get it with `getBackend("emulated")`; a Worker reaches the same device
 * with `attachBackend(backend.share())`.
 */
export class EmulatedBackend implements Backend {
  /** Always `"emulated"`. */
  readonly kind = "emulated" as const;
  readonly #st: SharedState;
  readonly #clock: DeviceClock;
  readonly #addresses = new AddressSpace();
  readonly #waitCalls: WaitCalls;
  readonly #spinner = new Spinner();
  readonly #fast: EventFastPath;
  readonly #fastMutex: MutexFastPath;
  readonly #fastSem: SemFastPath;
  /** This attachment's thread id on the device: its waits carry it, for reap(). */
  readonly #thread: number;
  /** This attachment's revocation word (attachment.ts). */
  readonly #cell: Int32Array;

  private constructor(st: SharedState, thread: number, cell: Int32Array) {
    this.#st = st;
    this.#thread = thread;
    this.#cell = cell;
    st.bindThread(thread);
    this.#clock = new DeviceClock(st.f64[H_CLOCK_BASE_F64]);
    this.#fast = new EventFastPath(st, this.#spinner, cell);
    this.#fastMutex = new MutexFastPath(st, this.#spinner, cell);
    this.#fastSem = new SemFastPath(st, this.#spinner, cell);
    const starter = new WaitStarter(
      st,
      this.#addresses,
      this.#clock,
      thread,
      this.#fast,
      this.#fastMutex,
      this.#fastSem,
      this.#spinner,
    );
    this.#waitCalls = new WaitCalls(st, starter, this.#spinner, cell);
    attached.set(cell.buffer as SharedArrayBuffer, this);
  }

  /**
   * This attachment's thread id: 1 for the thread that created the device,
   * a new one for each `share()` token attached. Nonzero and unique for the
   * device's lifetime; the typed API's default mutex owner.
   */
  get threadId(): number {
    return this.#thread;
  }

  /**
   * Has this attachment been reaped? A plain read (see fast_object.ts): a
   * look before a fast path is a hint (the path looks again after its
   * object's word), and under the device lock the reaper's store, made
   * before it took the lock, is seen.
   */
  #revoked(): boolean {
    return this.#cell[REVOKED] !== 0;
  }

  /** A new, empty device (its own fd table and objects). */
  static create(options: EmulatedOptions = {}): EmulatedBackend {
    const caps = { ...DEFAULT_CAPACITIES, ...options };
    for (const name in options) {
      if (!Object.hasOwn(DEFAULT_CAPACITIES, name)) {
        throw new TypeError(
          `EmulatedBackend.create: unknown option ${
            JSON.stringify(name)
          }; the options are ${Object.keys(DEFAULT_CAPACITIES).join(", ")}`,
        );
      }
    }
    for (const [name, value] of Object.entries(caps)) {
      if (!Number.isInteger(value) || value < 4 || value > 1 << 20) {
        throw new RangeError(
          `EmulatedBackend.create: ${name} must be an integer in [4, 1048576], got ${value}`,
        );
      }
    }
    const st = SharedState.create(caps, wallMs());
    Atomics.store(st.u32, H_THREADS, 1);
    return new EmulatedBackend(st, 1, newCell(1));
  }

  /**
   * The device another thread shared, as the attachment `token` names (the
   * same object for the same token in one thread).
   */
  static attach(token: ShareToken): EmulatedBackend {
    const { buffer, thread, cell } = token;
    const words = typeof thread === "number" ? cellOf(cell, thread) : null;
    if (!(buffer instanceof SharedArrayBuffer) || words === null) {
      throw new TypeError(
        "attachBackend: not a token from an emulated backend's share()",
      );
    }
    return attached.get(cell as SharedArrayBuffer) ??
      new EmulatedBackend(SharedState.attach(buffer), thread as number, words);
  }

  /** Open a new instance, like `open("/dev/ntsync")`: its fd (EMFILE when the fd table is full). */
  open(): number {
    const st = this.#st;
    let fd: number;
    try {
      st.lockDevice();
      fd = this.#revoked() ? -Errno.ESRCH : st.openInstance();
      st.unlockDevice();
    } catch (e) {
      if (st.holding) {
        st.holding = false;
        st.i32[H_LOCK] |= LOCK_ABANDONED;
        st.recoverOrLeaveToNextLocker();
      }
      throw e;
    }
    if (fd < 0) fail(-fd, "open");
    return fd;
  }

  /** Close an fd, like `close(2)` (EBADF for anything not open here). */
  close(fd: number): void {
    if (!isFd(fd)) fail(Errno.EBADF, "close");
    const st = this.#st;
    let revoked: boolean, ok: boolean;
    try {
      st.lockDevice();
      revoked = this.#revoked();
      ok = !revoked && st.closeFd(fd);
      st.unlockDevice();
    } catch (e) {
      if (st.holding) {
        st.holding = false;
        st.i32[H_LOCK] |= LOCK_ABANDONED;
        st.recoverOrLeaveToNextLocker();
      }
      throw e;
    }
    if (revoked) fail(Errno.ESRCH, "close");
    if (!ok) fail(Errno.EBADF, "close");
  }

  /** Run `request` on `fd` as `ioctl(2)` would; a wait blocks this thread. */
  ioctl(fd: number, request: number, arg: ArrayBufferView | null): number {
    const r = this.tryIoctl(fd, request, arg);
    if (r < 0) fail(-r, request);
    return r;
  }

  /**
   * As `ioctl`, but a failure comes back as the negated errno instead of an
   * `NtsyncError` (which costs about a microsecond to build): for loops
   * that poll and expect ETIMEDOUT.
   */
  tryIoctl(fd: number, request: number, arg: ArrayBufferView | null): number {
    checkArg(arg, "ioctl");
    if (request === NTSYNC_IOC_WAIT_ANY || request === NTSYNC_IOC_WAIT_ALL) {
      return this.#waitCalls.wait(fd, request, asView(arg));
    }
    // A reaped attachment changes nothing: checked here for the fast path
    // (see EventFastPath for the race with a reap), under the lock below.
    if (this.#revoked()) return -Errno.ESRCH;
    if (!isFd(fd)) return -Errno.EBADF;
    // The lock-free mutex and semaphore calls (fast_mutex.ts, fast_sem.ts),
    // and the rest, each in a method of its own: small enough for V8 to
    // inline the one a call site makes.
    if (
      request === NTSYNC_IOC_SEM_RELEASE || request === NTSYNC_IOC_MUTEX_UNLOCK
    ) return this.#countedIoctl(fd, request, arg);
    return this.#otherIoctl(fd, request, arg);
  }

  /** `tryIoctl`'s SEM_RELEASE and MUTEX_UNLOCK, past the checks every request has. */
  #countedIoctl(
    fd: number,
    request: number,
    arg: ArrayBufferView | null,
  ): number {
    const view = asView(arg);
    const r = request === NTSYNC_IOC_SEM_RELEASE
      ? this.#fastSem.release(fd, view)
      : this.#fastMutex.unlock(fd, view);
    return r !== SLOW_PATH ? r : this.#ioctlLocked(fd, request, view);
  }

  /** `tryIoctl`'s other requests, past the checks every request has. */
  #otherIoctl(
    fd: number,
    request: number,
    arg: ArrayBufferView | null,
  ): number {
    // The event fast path before the view: the caller's memory only
    // matters once it has changed the event, and a peer may be spinning
    // on it.
    const fast = this.#fast.ioctl(fd, request);
    if (fast !== SLOW_PATH) return copyOut(request, fast, asView(arg));
    return this.#ioctlLocked(fd, request, asView(arg));
  }

  /**
   * The rest of `tryIoctl` for any request but the waits, once no fast
   * path could take it: under the device lock. Apart, so that the fast
   * paths' calls are small enough for V8 to inline.
   */
  #ioctlLocked(fd: number, request: number, view: DataView | null): number {
    const st = this.#st;
    let r: number;
    try {
      st.lockDevice();
      const kind = st.fdKind(fd);
      r = this.#revoked()
        ? -Errno.ESRCH
        : kind === FD_OBJECT
        ? objectIoctl(st, st.fdRef(fd), request, view)
        : kind === FD_DEVICE
        ? deviceIoctl(st, st.fdRef(fd), request, view)
        : kind === FD_FREE
        ? -Errno.EBADF
        : -Errno.ENOTTY; // stdin/stdout/stderr: not ours, not ntsync
      st.unlockDevice();
    } catch (e) {
      if (st.holding) {
        st.holding = false;
        st.i32[H_LOCK] |= LOCK_ABANDONED;
        st.recoverOrLeaveToNextLocker();
      }
      throw e;
    }
    return r;
  }

  /**
   * `tryIoctl(fd, request, memory.args)` for a wait made in `memory`, with
   * no lookup of its views: see {@linkcode Backend.tryWait}.
   */
  tryWait(fd: number, request: number, memory: WaitMemory): number {
    if (
      WaitMemory.isOf(memory, this) &&
      (request === NTSYNC_IOC_WAIT_ANY || request === NTSYNC_IOC_WAIT_ALL)
    ) {
      return this.#waitCalls.wait(fd, request, memory.args, memory);
    }
    return this.tryIoctl(fd, request, argsOf("tryWait", memory));
  }

  /**
   * `ioctlAsync(fd, request, memory.args, options)` for a wait made in
   * `memory`, with no lookup of its views: see {@linkcode Backend.waitAsync}.
   */
  async waitAsync(
    fd: number,
    request: number,
    memory: WaitMemory,
    options: IoctlAsyncOptions = {},
  ): Promise<number> {
    const args = argsOf("waitAsync", memory);
    if (
      !WaitMemory.isOf(memory, this) ||
      (request !== NTSYNC_IOC_WAIT_ANY && request !== NTSYNC_IOC_WAIT_ALL)
    ) {
      return await this.ioctlAsync(fd, request, args, options);
    }
    const { signal } = options;
    signal?.throwIfAborted();
    const r = await this.#waitCalls.waitAsync(
      fd,
      request,
      memory.args,
      signal,
      memory,
    );
    if (r < 0) fail(-r, request);
    return r;
  }

  /** As `ioctl`, but a wait sleeps with `Atomics.waitAsync`: the event loop runs on. */
  async ioctlAsync(
    fd: number,
    request: number,
    arg: ArrayBufferView | null,
    options: IoctlAsyncOptions = {},
  ): Promise<number> {
    if (request !== NTSYNC_IOC_WAIT_ANY && request !== NTSYNC_IOC_WAIT_ALL) {
      return this.ioctl(fd, request, arg);
    }
    const { signal } = options;
    signal?.throwIfAborted();
    checkArg(arg, "ioctlAsync");
    const r = await this.#waitCalls.waitAsync(fd, request, asView(arg), signal);
    if (r < 0) fail(-r, request);
    return r;
  }

  /** A made-up user address for `objs`, valid while the view lives. */
  addressOf(objs: Int32Array | Uint32Array): bigint {
    return this.#addresses.addressOf(objs);
  }

  /** Now, in ns, on this device's MONOTONIC or REALTIME clock. */
  now(clock: ClockName = "monotonic"): bigint {
    if (clock === "monotonic") return this.#clock.monotonicNs();
    if (clock === "realtime") return this.#clock.realtimeNs();
    throw new TypeError(
      `now: clock must be "monotonic" or "realtime", got ${String(clock)}`,
    );
  }

  /**
   * A token for one Worker: the device's memory, a fresh thread id that the
   * Worker's attachment will have (and its waits carry), and that
   * attachment's revocation word. Give each Worker its own token, so that
   * {@linkcode EmulatedBackend.reap} can revoke it.
   */
  share(): ShareToken {
    // A reaped thread mints no fresh attachment to carry on through.
    if (this.#revoked()) fail(Errno.ESRCH, "share");
    const u32 = this.#st.u32;
    let thread = Atomics.add(u32, H_THREADS, 1) + 1;
    // 2^32 share() calls later: skip 0, never a thread id.
    if ((thread >>> 0) === 0) thread = Atomics.add(u32, H_THREADS, 1) + 1;
    thread >>>= 0;
    const cell = newCell(thread);
    return {
      kind: "emulated",
      buffer: this.#st.buffer,
      thread,
      cell: cell.buffer,
    };
  }

  /**
   * Revoke the attachment `token` (this device's `share()`) was for, as
   * {@linkcode Backend.reap} describes: its calls fail ESRCH from now on
   * and change nothing, none of its waits stays queued (what a claim had
   * acquired for a wait it has not returned from is given back), and the
   * mutexes its `threadId` (and `options.owners`) own are abandoned.
   * Returns how many wait records were taken from it (0 the second time).
   *
   * @throws {TypeError} for a token not from this device's `share()`, or
   * bad options. @throws {RangeError} for this attachment's own thread.
   */
  reap(token: ShareToken, options?: ReapOptions): number {
    const thread = token?.thread;
    if (
      token === null || typeof token !== "object" ||
      token.buffer !== this.#st.buffer || typeof thread !== "number"
    ) {
      throw new TypeError("reap: token must come from this device's share()");
    }
    if (thread === this.#thread) {
      throw new RangeError(
        `reap: thread ${thread} is this attachment's own: a thread cannot reap itself`,
      );
    }
    const cell = cellOf(token.cell, thread);
    if (cell === null) {
      throw new TypeError("reap: token must come from this device's share()");
    }
    const owners = Int32Array.from(reapOwners(thread, options), (id) => id | 0);
    if (this.#revoked()) fail(Errno.ESRCH, "reap");
    const st = this.#st;
    let n: number;
    try {
      st.lockDevice();
      // Under the lock: a call of that thread holding it finishes first, and
      // every later one looks at the word under the lock (or see fast.ts).
      // (Not undone if the reap is cut short: a revoked attachment stays
      // revoked, and reaping again finishes the job.)
      Atomics.store(cell, REVOKED, 1);
      n = st.reapThread(thread, owners);
      st.unlockDevice();
    } catch (e) {
      if (st.holding) {
        st.holding = false;
        st.i32[H_LOCK] |= LOCK_ABANDONED;
        st.recoverOrLeaveToNextLocker();
      }
      throw e;
    }
    return n;
  }

  /**
   * Waits in progress, live objects and live instances on this device, for
   * leak checks: after every fd is closed and every wait has returned, all
   * three are 0.
   */
  census(): { waits: number; objects: number; instances: number } {
    const st = this.#st;
    try {
      st.lockDevice();
      // Waits whose waiters left through an exception and could not
      // withdraw them are withdrawn and freed here, at the latest.
      st.dropOrphans();
      st.unlockDevice();
    } catch (e) {
      if (st.holding) {
        st.holding = false;
        st.i32[H_LOCK] |= LOCK_ABANDONED;
        st.recoverOrLeaveToNextLocker();
      }
      throw e;
    }
    return st.census();
  }
}
