/**
 * The native backend: the real `/dev/ntsync` through libc, behind the ioctl
 * surface. This file holds the calls themselves (open, close, the object
 * requests, unknown requests, the clock) and the attachments' `share` and
 * `reap`; the waits live in `native_wait.ts`, the argument checks in
 * `native_args.ts`, and opening or attaching a backend in `native_open.ts`.
 *
 * ## Memory safety: what reaches the kernel
 *
 * Every pointer handed to `ioctl(2)` is memory this module checked, or NULL.
 * An argument that is not an `ArrayBufferView` (nor `null`) is a TypeError
 * before any call. Where the caller's argument is `null`, detached, or
 * shorter than the request's struct, the kernel gets a NULL pointer: its
 * copy from or to user memory then fails with EFAULT at exactly the point of
 * its check order where it would touch the memory. So the final state and
 * errno are the kernel's own: a bad fd is still EBADF, an object request on
 * the device fd still ENOTTY, a read of the wrong object type still EINVAL,
 * and EVENT_SET/RESET/PULSE with a bad argument still set, reset or pulse
 * the event and then fail EFAULT. (NULL is never mapped in a Deno process.)
 *
 * - The 12 object and create requests: the caller's view is passed as is
 *   when it holds at least the struct's size (`uapi/ioctl.ts`).
 * - WAIT_ANY / WAIT_ALL: the 40 bytes are copied into private memory first
 *   (another thread cannot change them between check and use); `objs` is
 *   kept only if it points into a live view from {@linkcode
 *   NativeBackend.addressOf} with room for `count` entries, else it becomes
 *   NULL, and the kernel fails EFAULT after its own pad/flags, owner and
 *   count checks (setup_wait()). Only `index` is written back.
 * - Any other request code: the driver answers ENOTTY on ntsync fds, but a
 *   few generic ones (FIONBIO, FIOCLEX, ...) are handled by the VFS and
 *   other drivers may touch any amount of memory; the view's bytes are
 *   copied into a private 16 KiB buffer (the largest size an ioctl code can
 *   encode), the call made on it, and the bytes copied back.
 * - An fd that is not an integer in [0, 2^31) is EBADF without a call. A
 *   request that is not an integer in [-2^31, 2^32) (C code may pass the
 *   code as a signed int) is ENOTTY, or EBADF when the fd is not open.
 *
 * ## Threads
 *
 * Each attachment (the thread that opened the backend, and each
 * `attachBackend` of a `share()` token) is its own `NativeBackend` with its
 * own `threadId`; `reap` revokes one. See `attachment.ts` for how, and for
 * what the kernel makes impossible.
 *
 * ## errno
 *
 * Read from this thread's `errno` (mapped once, see `libc.ts`) right after
 * the failing call, before any other call. Async waits run on worker
 * threads that read their own errno (`wait_pool.ts`).
 *
 * @module
 */

import type {
  Backend,
  ClockName,
  IoctlAsyncOptions,
  ReapOptions,
  ShareToken,
} from "../core/backend.ts";
import { reapOwners } from "../core/reap.ts";
import {
  Cell,
  familyOf,
  newFamily,
  nextThreadId,
  trackedMutexes,
  trackMutex,
  untrackMutex,
} from "./attachment.ts";
import { NtsyncError } from "../core/errors.ts";
import { checkArg } from "../core/arg_check.ts";
import { argsOf, type WaitMemory } from "../core/wait_memory.ts";
import { Errno } from "../uapi/errno.ts";
import {
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  NTSYNC_WAIT_ARGS_SIZE,
  requestLabel,
} from "../uapi/ioctl.ts";
import { processId } from "../host/runtime.ts";
import { AddressRegistry } from "./addresses.ts";
import {
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  cString,
  type Libc,
  type LibcSymbols,
  O_CLOEXEC,
  O_RDONLY,
} from "./libc.ts";
import {
  bytesOf,
  esrch,
  FIXED_SIZE,
  isFd,
  NTSYNC_DEVICE_PATH,
  requestValue,
  viewLength,
} from "./native_args.ts";
import { NativeWaits } from "./native_wait.ts";

export {
  NativeUnavailableError,
  type NativeUnavailableReason,
} from "./errors.ts";
export { NTSYNC_DEVICE_PATH } from "./native_args.ts";
export {
  attachNativeBackend,
  openFailure,
  openNativeBackend,
} from "./native_open.ts";

const DEVICE = cString(NTSYNC_DEVICE_PATH);

/** Bytes of private memory an unknown request's argument is copied into. */
const UNKNOWN_ARG_BYTES = 16384;
/** `fcntl(2)` command that only asks whether an fd is open. */
const F_GETFD = 1;
/** How long reap waits for the reaped thread's waits to leave before closing its alerts. */
const QUIET_MS = 100;

/** Who a backend object is: its family's shared block, thread id and cell. */
export interface NativeIdentity {
  /** The family block (attachment.ts). */
  readonly family: Int32Array;
  /** This attachment's thread id. */
  readonly thread: number;
  /** This attachment's cell. */
  readonly cell: Cell;
  /** Made from a share token (so it can be reaped, and carries private alerts). */
  readonly attached: boolean;
}

/** A new family, and its first thread: the one opening the backend. */
function firstIdentity(): NativeIdentity {
  const family = newFamily();
  const thread = nextThreadId(family);
  return { family, thread, cell: Cell.create(thread), attached: false };
}

/**
 * `/dev/ntsync` itself, behind the ioctl surface. Get it with
 * `getBackend("native")`; in a Worker, `attachBackend(token)` gives the
 * same fds (fds are process-wide).
 */
export class NativeBackend implements Backend {
  /** Always `"native"`. */
  readonly kind = "native" as const;
  readonly #s: LibcSymbols;
  readonly #errno: Libc["errno"];
  readonly #addresses: AddressRegistry;
  /** WAIT_ANY and WAIT_ALL (native_wait.ts). */
  readonly #waits: NativeWaits;
  readonly #ts = new BigInt64Array(2);
  readonly #out4 = new Uint8Array(8);
  readonly #kill = new Uint32Array(1);
  readonly #family: Int32Array;
  readonly #thread: number;
  readonly #cell: Cell;
  #unknown?: Uint8Array;

  /**
   * A backend over `lib` (this thread's libc; tests pass a fake). Use
   * {@linkcode openNativeBackend} rather than this.
   *
   * @param lib this thread's libc
   * @param identity who it is (default: the first thread of a new family)
   */
  constructor(lib: Libc, identity: NativeIdentity = firstIdentity()) {
    this.#s = lib.symbols;
    this.#errno = lib.errno;
    const addressOf = (v: ArrayBufferView) => lib.addressOf(v);
    this.#addresses = new AddressRegistry(addressOf);
    this.#family = identity.family;
    this.#thread = identity.thread;
    this.#cell = identity.cell;
    this.#waits = new NativeWaits({
      symbols: lib.symbols,
      errno: lib.errno,
      addresses: this.#addresses,
      addressOf,
      cell: identity.cell,
      attached: identity.attached,
      now: (clock) => this.now(clock),
    });
  }

  /**
   * This attachment's thread id: nonzero, unique among all attachments of
   * the backend the process opened (each `share()` token mints one).
   */
  get threadId(): number {
    return this.#thread;
  }

  /** `open("/dev/ntsync", O_RDONLY | O_CLOEXEC)`: a new instance's fd. */
  open(): number {
    if (this.#cell.revoked) throw esrch(`open ${NTSYNC_DEVICE_PATH}`);
    const fd = this.#s.open(DEVICE, O_RDONLY | O_CLOEXEC);
    if (fd === -1) {
      const e = this.#errno[0];
      throw new NtsyncError(e, `open ${NTSYNC_DEVICE_PATH}`);
    }
    return fd;
  }

  /** `close(fd)`; EBADF for a value that is not an fd. */
  close(fd: number): void {
    if (this.#cell.revoked) throw esrch("close");
    if (!isFd(fd)) throw new NtsyncError(Errno.EBADF, "close");
    untrackMutex(this.#family, fd);
    const alert = this.#cell.dropAlert(fd);
    if (alert >= 0) this.#s.close(alert);
    if (this.#s.close(fd) === -1) {
      const e = this.#errno[0];
      throw new NtsyncError(e, "close");
    }
  }

  /**
   * `ioctl(fd, request, arg)` with the checks of the module doc: the new fd
   * for CREATE_*, else 0; NtsyncError with the kernel's errno on failure.
   */
  ioctl(fd: number, request: number, arg: ArrayBufferView | null): number {
    checkArg(arg, "ioctl");
    if (this.#cell.revoked) throw esrch(requestLabel(Number(request)));
    const req = this.#request(fd, request);
    if (req === NTSYNC_IOC_WAIT_ANY || req === NTSYNC_IOC_WAIT_ALL) {
      return this.#waitNow(fd, req, arg);
    }
    const size = FIXED_SIZE.get(req);
    if (size === undefined) return this.#other(fd, req, arg);
    const r = this.#s.ioctl(
      fd,
      BigInt(req),
      viewLength(arg) >= size ? arg : null,
    );
    if (r === -1) {
      const e = this.#errno[0];
      // Failed while a reap of this attachment ran (its MUTEX_KILL got in
      // before this unlock, say): the call overlapped the reap and changed
      // nothing, so it is one of the calls the reap fails.
      if (this.#cell.revoked) throw esrch(requestLabel(req));
      throw new NtsyncError(e, requestLabel(req));
    }
    if (req === NTSYNC_IOC_CREATE_MUTEX) trackMutex(this.#family, r);
    return r;
  }

  /**
   * As {@linkcode NativeBackend.ioctl}, but a failure comes back as the
   * negated errno instead of an `NtsyncError` (about a microsecond to
   * build). Waits take the direct path; other requests go through `ioctl`.
   */
  tryIoctl(fd: number, request: number, arg: ArrayBufferView | null): number {
    checkArg(arg, "ioctl");
    if (
      (request === NTSYNC_IOC_WAIT_ANY || request === NTSYNC_IOC_WAIT_ALL) &&
      isFd(fd) && viewLength(arg) >= NTSYNC_WAIT_ARGS_SIZE
    ) {
      if (this.#cell.revoked) return -Errno.ESRCH;
      return this.#waits.waitHere(fd, request, arg!);
    }
    try {
      return this.ioctl(fd, request, arg);
    } catch (err) {
      if (err instanceof NtsyncError) return -err.errno;
      throw err;
    }
  }

  /**
   * `tryIoctl(fd, request, memory.args)` for a wait made in `memory` (see
   * {@linkcode Backend.tryWait}). Here that is all it is: the registry
   * holds every live view's address, and `memory` holds its fd array.
   */
  tryWait(fd: number, request: number, memory: WaitMemory): number {
    return this.tryIoctl(fd, request, argsOf("tryWait", memory));
  }

  /**
   * `ioctlAsync(fd, request, memory.args, options)` for a wait made in
   * `memory` (see {@linkcode Backend.waitAsync}).
   */
  async waitAsync(
    fd: number,
    request: number,
    memory: WaitMemory,
    options?: IoctlAsyncOptions,
  ): Promise<number> {
    const args = argsOf("waitAsync", memory);
    return await this.ioctlAsync(fd, request, args, options);
  }

  /**
   * As {@linkcode NativeBackend.ioctl}, but a wait does not block the event
   * loop. A wait first makes the kernel's attempt at wait start right here (with
   * a timeout in the past): what is acquirable now is acquired without
   * leaving this thread, and argument errors come back at once. Otherwise
   * the wait goes to another thread with duplicates of its fds (so closing
   * an fd after this call returns does not disturb it, as in the kernel,
   * where a wait holds its objects), and this call returns once that thread
   * is seen asleep in the kernel's queues. On Deno the thread is one of
   * Deno's blocking pool (`nonblocking_wait.ts`: no Worker to start), up to
   * 8 waits at once; beyond that, and on Node and Bun, a worker of
   * `wait_pool.ts`.
   *
   * `options.signal` cancels the wait by signaling a private manual-reset
   * event on the wait's device that takes the `alert` slot (or, with an
   * alert already given, an extra slot of a WAIT_ANY below 64 objects).
   * For WAIT_ALL with an alert, or WAIT_ANY with 64 objects and an alert,
   * there is no free slot: the wait then runs in 50 ms slices and stops
   * at the slice end after the abort; between slices it leaves the queues
   * for a moment (a pulse then can be missed, and its FIFO place is lost).
   * A wait that acquired before the abort took effect resolves as usual.
   */
  async ioctlAsync(
    fd: number,
    request: number,
    arg: ArrayBufferView | null,
    options: IoctlAsyncOptions = {},
  ): Promise<number> {
    const req = requestValue(request);
    if (req !== NTSYNC_IOC_WAIT_ANY && req !== NTSYNC_IOC_WAIT_ALL) {
      return this.ioctl(fd, request, arg);
    }
    const signal = options?.signal;
    signal?.throwIfAborted();
    checkArg(arg, "ioctlAsync");
    if (this.#cell.revoked) throw esrch(requestLabel(req));
    this.#request(fd, request);
    if (viewLength(arg) < NTSYNC_WAIT_ARGS_SIZE) {
      return this.#call(fd, req, null);
    }
    return await this.#waits.waitAsync(fd, req, arg!, signal);
  }

  /**
   * The real address of `objs`, for `ntsync_wait_args.objs`; a wait accepts
   * only addresses inside live views handed out here.
   */
  addressOf(objs: Int32Array | Uint32Array): bigint {
    return this.#addresses.addressOf(objs);
  }

  /** `clock_gettime` of CLOCK_MONOTONIC (default) or CLOCK_REALTIME, in ns. */
  now(clock: ClockName = "monotonic"): bigint {
    const id = clock === "monotonic"
      ? CLOCK_MONOTONIC
      : clock === "realtime"
      ? CLOCK_REALTIME
      : -1;
    if (id < 0) {
      throw new TypeError(
        `now: clock must be "monotonic" or "realtime", got ${String(clock)}`,
      );
    }
    const ts = this.#ts;
    if (this.#s.clock_gettime(id, ts) === -1) {
      const e = this.#errno[0];
      throw new NtsyncError(e, "clock_gettime");
    }
    return ts[0] * 1_000_000_000n + ts[1];
  }

  /**
   * A token for `attachBackend` in a Worker of this process: the process
   * id (fd numbers are process-wide, so the Worker opens libc itself and
   * uses the same numbers), a new thread id, and the shared memory that
   * {@linkcode NativeBackend.reap} revokes it through.
   */
  share(): ShareToken {
    // A reaped thread mints no fresh attachment to carry on through.
    if (this.#cell.revoked) throw esrch("share");
    const thread = nextThreadId(this.#family);
    return {
      kind: "native",
      pid: processId(),
      family: this.#family.buffer,
      thread,
      cell: Cell.create(thread).buffer,
    };
  }

  /**
   * Revoke the attachment `token` was for (see {@linkcode Backend.reap}):
   * its later calls fail ESRCH, its blocked waits that carry its private
   * alert are woken and fail ESRCH, and the mutexes made through this
   * backend that its `threadId` (or `options.owners`) own are killed
   * (`MUTEX_KILL`). What the kernel makes impossible is listed in
   * `attachment.ts`.
   *
   * @throws {TypeError} for a token not from this backend's `share()`.
   * @throws {RangeError} for this attachment's own thread.
   */
  reap(token: ShareToken, options?: ReapOptions): void {
    const thread = token?.thread;
    if (
      token === null || typeof token !== "object" || token.kind !== "native" ||
      familyOf(token.family) === null || typeof thread !== "number" ||
      token.family !== this.#family.buffer
    ) {
      throw new TypeError(
        "reap: token must come from this backend's share()",
      );
    }
    if (thread === this.#thread) {
      throw new RangeError(
        `reap: thread ${thread} is this attachment's own: a thread cannot reap itself`,
      );
    }
    const cell = Cell.of(token.cell, thread);
    if (cell === null) {
      throw new TypeError("reap: token must come from this backend's share()");
    }
    const owners = reapOwners(thread, options);
    if (this.#cell.revoked) throw esrch("reap");
    const s = this.#s;
    cell.revoke();
    // Wake its blocked waits (they carry these as alerts)...
    for (const event of cell.alerts()) {
      s.ioctl(event, BigInt(NTSYNC_IOC_EVENT_SET), this.#out4);
    }
    // ...then abandon its mutexes: woken, it cannot be granted one.
    const kill = this.#kill;
    for (const fd of trackedMutexes(this.#family)) {
      for (const owner of owners) {
        kill[0] = owner;
        if (s.ioctl(fd, BigInt(NTSYNC_IOC_MUTEX_KILL), kill) !== -1) break;
        const e = this.#errno[0];
        if (e === Errno.EPERM) continue; // not this owner's
        untrackMutex(this.#family, fd); // closed, or not a mutex any more
        break;
      }
    }
    // Close its alerts once no call of it can be about to use them.
    if (cell.quiet(QUIET_MS)) {
      for (const event of cell.takeAlerts()) s.close(event);
    }
  }

  /** Normalized request, after the fd check (the kernel looks up the fd first). */
  #request(fd: number, request: number): number {
    if (!isFd(fd)) {
      throw new NtsyncError(Errno.EBADF, requestLabel(Number(request)));
    }
    const req = requestValue(request);
    if (req !== undefined) return req;
    const name = `ioctl ${String(request)}`;
    if (this.#s.fcntl(fd, F_GETFD, 0) === -1) {
      const e = this.#errno[0];
      throw new NtsyncError(e, name);
    }
    throw new NtsyncError(Errno.ENOTTY, name);
  }

  #call(fd: number, req: number, mem: Uint8Array | null): number {
    const r = this.#s.ioctl(fd, BigInt(req), mem);
    if (r === -1) {
      const e = this.#errno[0];
      throw new NtsyncError(e, requestLabel(req));
    }
    return r;
  }

  /** A request ntsync does not define: run it on a private copy. */
  #other(fd: number, req: number, arg: ArrayBufferView | null): number {
    const len = viewLength(arg);
    if (len <= 0) return this.#call(fd, req, null);
    const n = Math.min(len, UNKNOWN_ARG_BYTES);
    const buf = this.#unknown ??= new Uint8Array(UNKNOWN_ARG_BYTES);
    const user = bytesOf(arg!).subarray(0, n);
    buf.fill(0);
    buf.set(user);
    const r = this.#s.ioctl(fd, BigInt(req), buf);
    const e = r === -1 ? this.#errno[0] : 0;
    user.set(buf.subarray(0, n));
    if (r === -1) throw new NtsyncError(e, requestLabel(req));
    return r;
  }

  /** A wait on this thread: it blocks, as ioctl(2) does. */
  #waitNow(fd: number, req: number, arg: ArrayBufferView | null): number {
    if (viewLength(arg) < NTSYNC_WAIT_ARGS_SIZE) {
      return this.#call(fd, req, null);
    }
    const r = this.#waits.waitHere(fd, req, arg!);
    if (r < 0) throw new NtsyncError(-r, requestLabel(req));
    return r;
  }
}
