/**
 * The seam between everything above (typed API, tests, tools) and the two
 * implementations of `/dev/ntsync` below it: the real driver and the engine.
 *
 * @module
 */

import type { WaitMemory } from "./wait_memory.ts";

/** Which implementation a backend is. */
export type BackendKind = "native" | "emulated";

/** What `getBackend` may be asked for. */
export type BackendChoice = BackendKind | "auto";

/** The clocks a wait's absolute timeout can be measured on. */
export type ClockName = "monotonic" | "realtime";

/** Options for {@linkcode Backend.ioctlAsync}. */
export interface IoctlAsyncOptions {
  /**
   * Cancels a pending wait that has not acquired anything yet; the promise
   * then rejects with the signal's reason. A wait that has already acquired
   * resolves as usual: an acquisition is never rolled back.
   */
  signal?: AbortSignal;
}

/**
 * A structured-cloneable handle to a backend, for `postMessage` to a Worker
 * and {@linkcode attachBackend} there.
 */
export interface ShareToken {
  /** The backend kind the token attaches to. */
  readonly kind: BackendKind;
  /** Backend-specific payload (shared memory, fd numbers). */
  readonly [key: string]: unknown;
}

/** Options for {@linkcode Backend.reap}. */
export interface ReapOptions {
  /**
   * Further mutex owner ids the reaped thread used besides its `threadId`
   * (nonzero u32s): mutexes they own are abandoned too.
   */
  owners?: readonly number[];
}

/**
 * The ioctl surface: what C code does with `/dev/ntsync`, one call each.
 *
 * Every method that fails throws an `NtsyncError` carrying the errno the
 * kernel would set.
 */
export interface Backend {
  /** `"native"` for the real driver, `"emulated"` for the engine. */
  readonly kind: BackendKind;
  /**
   * This attachment's thread id: a nonzero u32, unique among the
   * attachments of this backend (the thread that created it and each
   * `attachBackend` of a `share()` token, which mints a new id), for the
   * device's lifetime. Use it as the mutex owner id, as Wine passes
   * `GetCurrentThreadId()`.
   */
  readonly threadId: number;
  /** Like `open("/dev/ntsync", O_RDONLY | O_CLOEXEC)`: a new instance's fd. */
  open(): number;
  /**
   * Like `ioctl(fd, request, arg)`: returns the new fd for `CREATE_*`, else
   * 0. `arg` stands for the user pointer: `null` or a view too short for the
   * request's struct is EFAULT at the point the kernel would copy.
   */
  ioctl(fd: number, request: number, arg: ArrayBufferView | null): number;
  /**
   * As {@linkcode Backend.ioctl}, but a failure is returned as the negated
   * errno (e.g. `-110` for ETIMEDOUT) instead of thrown: building an
   * `NtsyncError` costs about a microsecond, far more than a poll that
   * times out. The typed API makes every call through it.
   */
  tryIoctl(fd: number, request: number, arg: ArrayBufferView | null): number;
  /** As {@linkcode Backend.ioctl}, but a wait does not block the event loop. */
  ioctlAsync(
    fd: number,
    request: number,
    arg: ArrayBufferView | null,
    options?: IoctlAsyncOptions,
  ): Promise<number>;
  /**
   * `tryIoctl(fd, request, memory.args)` for a wait made in `memory` (a
   * {@linkcode WaitMemory} of this backend): the same checks in the same
   * order, the same result or negated errno, but the memory is found
   * without a lookup, and its own fd array always at its address (one from
   * `addressOf` alone can be dropped; see there). A memory of another
   * backend is taken as its `args` alone; a request other than WAIT_ANY or
   * WAIT_ALL is `tryIoctl` on `memory.args`.
   *
   * @throws {TypeError} when `memory` is not a `WaitMemory`.
   */
  tryWait(fd: number, request: number, memory: WaitMemory): number;
  /**
   * {@linkcode Backend.ioctlAsync} of `memory.args`, as
   * {@linkcode Backend.tryWait} is `tryIoctl`: the memory found without a
   * lookup and its fd array always at its address. Resolves to 0, rejects
   * with the `NtsyncError` `ioctlAsync` would. Keep the memory for this
   * wait alone until it settles: the backend may read it until then.
   *
   * @throws {TypeError} when `memory` is not a `WaitMemory`.
   */
  waitAsync(
    fd: number,
    request: number,
    memory: WaitMemory,
    options?: IoctlAsyncOptions,
  ): Promise<number>;
  /**
   * The value to store in `ntsync_wait_args.objs` for this array of fds.
   * Only addresses handed out here (for views still alive) are accepted.
   * The emulated backend keeps the 1024 most recently used: an older one
   * faults like a freed pointer until `addressOf` gives its view a new one
   * (a {@linkcode WaitMemory}'s fd array is always found by `tryWait`).
   */
  addressOf(objs: Int32Array | Uint32Array): bigint;
  /** Now, in ns, on the clock this backend's wait timeouts are measured on. */
  now(clock?: ClockName): bigint;
  /** Like `close(fd)`. */
  close(fd: number): void;
  /**
   * A token a Worker passes to `attachBackend` to reach the same fds. Each
   * token carries a new thread id: give each Worker its own, so that
   * {@linkcode Backend.reap} can revoke it.
   */
  share(): ShareToken;
  /**
   * Revoke the attachment made with `token` (this backend's `share()`), as
   * the kernel and Wine's server clean up after a thread that died. Once it
   * returns:
   * - no wait of that attachment is queued, and none acquires anything later;
   * - every pending or later call through that attachment (`share` and
   *   `reap` too) fails with `NtsyncError` ESRCH (3) and changes no state;
   * - every mutex owned by the attachment's `threadId`, or by one of
   *   `options.owners`, is abandoned as `MUTEX_KILL` would (its waiters get
   *   EOWNERDEAD).
   *
   * It works whether that thread is running, blocked, a zombie or gone, and
   * a second call changes nothing. Reap a Worker, then `terminate()` it:
   * nothing can be granted to it in between.
   *
   * @throws {TypeError} for a token that is not from this backend's
   * `share()`, or bad `options`.
   * @throws {RangeError} for this attachment's own token: a thread cannot
   * reap itself.
   */
  reap(token: ShareToken, options?: ReapOptions): void;
}
